/**
 * The packet half of the Node transport: one `node:dgram` socket.
 *
 * @internal
 */
import { Effect } from "effect"
import * as Dgram from "node:dgram"
import * as Dns from "node:dns"
import * as Net from "node:net"
import type { Address, Packet } from "../../Transport.js"
import { ipFamily, normalizeHost } from "./address.js"
import * as Errors from "./error.js"
import * as Metrics from "./metrics.js"
import { toBytes } from "./nodeConnection.js"

/** memberlist asks for a 2 MiB receive buffer so bursts of gossip are not lost in the kernel. */
const receiveBufferSize = 2 * 1024 * 1024

/**
 * Node resolves every destination of a `send` through `lookup`, by default
 * `dns.lookup`, which answers an IP literal only on the next tick. Members
 * send to IP literals, so they are answered here at once; anything else
 * still goes to `dns.lookup`.
 */
const literalLookup = (
  hostname: string,
  options: Dns.LookupOneOptions | number,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void
): void => {
  const family = Net.isIP(hostname)
  if (family !== 0) callback(null, hostname, family)
  else Dns.lookup(hostname, typeof options === "number" ? { family: options } : options, callback)
}

const closeQuietly = (socket: Dgram.Socket): void => {
  try {
    socket.close()
  } catch {
    // Already closed (a failed bind closes the handle itself).
  }
}

/**
 * Binds UDP on `host:port`, hands every packet of at most `maxPacketSize`
 * bytes to `deliver` (which must not block: it offers to a bounded queue),
 * and calls `done` once: with the bound socket, or with a `BindFailed` (the
 * "error" event is raced with the bind, so a busy port is an error rather
 * than an uncaught exception). Callbacks only, like `openServer`.
 */
export const openUdp = (
  options: {
    readonly host: string
    readonly port: number
    readonly maxPacketSize: number
    readonly deliver: (packet: Packet) => void
    readonly owner: Metrics.TransportLabels
  },
  done: (result: Dgram.Socket | Errors.TransportError) => void
): void => {
  const address = { host: options.host, port: options.port }
  const socket = Dgram.createSocket({ type: ipFamily(options.host) === 6 ? "udp6" : "udp4", lookup: literalLookup })
  const onBindError = (cause: Error) => {
    closeQuietly(socket)
    done(Errors.bindFailed(address, cause))
  }
  socket.once("error", onBindError)
  socket.on("message", (message, rinfo) => {
    if (message.length > options.maxPacketSize) {
      Metrics.dropOversized(options.owner)
      return
    }
    options.deliver({ from: { host: normalizeHost(rinfo.address), port: rinfo.port }, bytes: toBytes(message) })
  })
  socket.bind({ address: options.host, port: options.port }, () => {
    socket.off("error", onBindError)
    // After the bind, errors (an ICMP error reported late, say) are not
    // fatal to the member: keep the socket and let sends report their own.
    socket.on("error", () => {})
    try {
      socket.setRecvBufferSize(receiveBufferSize)
    } catch {
      // The kernel may refuse; the default buffer still works.
    }
    done(socket)
  })
}

/** Closes a bound socket and calls `done` once it is closed (at once if it already was). */
export const closeUdp = (socket: Dgram.Socket, done: () => void): void => {
  try {
    socket.close(() => done())
  } catch {
    done()
  }
}

/** The socket (IPv6 or not, open or not), destination, datagram and the counters' owner. */
type SendArguments = [
  socket: Dgram.Socket,
  v6: boolean,
  isOpen: () => boolean,
  to: Address,
  bytes: Uint8Array,
  owner: Metrics.TransportLabels
]

/**
 * Sends one datagram and calls `done` once the kernel took it (or with the
 * error). An IPv4 destination from an IPv6 socket is written in its
 * IPv4-mapped form, which a dual-stack socket bound to `::` accepts.
 */
export const sendNow = (
  socket: Dgram.Socket,
  v6: boolean,
  isOpen: () => boolean,
  to: Address,
  bytes: Uint8Array,
  owner: Metrics.TransportLabels,
  done: (error: Errors.TransportError | undefined) => void
): void => {
  if (!isOpen()) {
    done(Errors.closed("the transport"))
    return
  }
  const family = ipFamily(to.host)
  if (!v6 && family === 6) {
    Metrics.sendFailed(owner)
    done(Errors.sendFailed(to, "an IPv6 destination from an IPv4 socket"))
    return
  }
  const host = v6 && family === 4 ? `::ffff:${to.host}` : to.host
  try {
    // One closure per datagram (this is every packet's path): the failure branch builds its error inline.
    socket.send(bytes, to.port, host, (err) => {
      if (!err) return done(undefined)
      Metrics.sendFailed(owner)
      done(Errors.sendFailed(to, err))
    })
  } catch (cause) {
    // Synchronous throws: a bad port, a closed socket, an oversized buffer.
    Metrics.sendFailed(owner)
    done(Errors.sendFailed(to, cause))
  }
}

/** `sendNow` as an Effect that completes when the kernel took the datagram. */
export const send = (
  ...args: SendArguments
): Effect.Effect<void, Errors.TransportError> =>
  Effect.async<void, Errors.TransportError>((resume) =>
    sendNow(...args, (error) => resume(error === undefined ? Effect.void : Effect.fail(error)))
  )

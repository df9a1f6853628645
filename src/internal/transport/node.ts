/**
 * The Node transport: UDP and TCP on the same port, as memberlist binds them.
 *
 * @internal
 */
import type * as Dgram from "node:dgram"
import type * as Net from "node:net"
import { Effect, Scope } from "effect"
import type { Address, Connection, NodeOptions, Packet, TransportShape } from "../../Transport.js"
import { ipFamily } from "./address.js"
import * as Errors from "./error.js"
import * as LiveClock from "./liveClock.js"
import * as Metrics from "./metrics.js"
import { connectNow, connectSocket, fromSocket, remoteOf } from "./nodeConnection.js"
import { boundPort, closeServer, openServer, SocketSet } from "./nodeTcp.js"
import { closeUdp, openUdp, send, sendNow } from "./nodeUdp.js"
import { bindPair, type Openers, type Pair } from "./bindPair.js"
import * as FastPath from "./fastPath.js"
import { LazyQueue } from "./lazyQueue.js"
import * as StreamDialer from "./streamDialer.js"

/**
 * Binds UDP and TCP on `options.host:options.port`; closing the scope closes
 * every socket. See `Transport.makeNode`.
 *
 * The binds run in the sockets' callbacks and one scope finalizer, added
 * once both are bound, releases them: a child scope and a finalizer per
 * socket and per queue cost a few microseconds each at every start and
 * close, and each kept a snapshot of the caller's fiber refs for the
 * transport's life. The queues are made only if something needs them
 * (`LazyQueue`): a member takes packets and connections through the fast path.
 */
export const makeNode = (options: NodeOptions): Effect.Effect<TransportShape, Errors.TransportError, Scope.Scope> =>
  Effect.gen(function*() {
    const { host } = options
    const family = ipFamily(host)
    if (family === undefined) {
      return yield* Effect.fail(Errors.bindFailed({ host, port: options.port }, "the bind host must be an IP literal"))
    }
    const maxPacketSize = options.maxPacketSize ?? 65 * 1024
    // Shut down by the release below, after the sockets that fill them are closed.
    const packets = new LazyQueue<Packet>(options.packetQueueCapacity ?? 1024)
    const connections = new LazyQueue<Connection>(options.connectionQueueCapacity ?? 64)
    const sockets = new SocketSet()
    const owner = new Metrics.TransportLabels()
    let open = true

    /** Set when the shell takes packets through the fast path instead of the queue. */
    let receiver: ((packet: Packet) => boolean) | undefined = undefined
    const deliver = (packet: Packet) => {
      // Never block the socket: a full queue means the reader is behind, and
      // UDP is allowed to lose the packet.
      const taken = receiver !== undefined ? receiver(packet) : packets.unsafeOffer(packet)
      if (!taken) Metrics.dropQueueFull(owner)
    }
    /** Set when the shell takes accepted streams through the fast path instead of the queue. */
    let acceptor: ((connection: Connection) => boolean) | undefined = undefined
    const handOver = (connection: Connection, socket: Net.Socket | undefined) => {
      const taken = acceptor !== undefined ? acceptor(connection) : connections.unsafeOffer(connection)
      if (taken) return
      Metrics.dropConnection(owner)
      if (socket !== undefined) socket.destroy()
      else Effect.runFork(connection.close)
    }
    const accept = (socket: Net.Socket) =>
      handOver(fromSocket(socket, remoteOf(socket, { host: "unknown", port: 0 })), socket)

    const openers: Openers<Net.Server, Dgram.Socket> = {
      server: (port, done) => openServer({ host, port, sockets, accept }, done),
      portOf: boundPort,
      udp: (port, done) => openUdp({ host, port, maxPacketSize, deliver, owner }, done),
      closeServer: (server, done) => server.close(() => done()),
      isError: (result): result is Errors.TransportError => result instanceof Errors.TransportError
    }

    const release = (bound: Pair<Net.Server, Dgram.Socket>): Effect.Effect<void> =>
      Effect.zipRight(
        Effect.async<void>((resume) => {
          // From now on, sends and connects say `Closed` instead of tripping over half-closed sockets.
          open = false
          closeUdp(bound.udp, () => closeServer(bound.server, sockets, () => resume(Effect.void)))
        }),
        Effect.zipRight(connections.shutdown, packets.shutdown)
      )
    // Uninterruptible from the binds to the finalizer, as an acquire is: bound sockets always have an owner.
    const { port, udp } = yield* Effect.uninterruptible(Effect.flatMap(Effect.scope, (scope) =>
      Effect.async<Pair<Net.Server, Dgram.Socket>, Errors.TransportError>((resume) =>
        bindPair(openers, options.port, (result) =>
          resume(
            result instanceof Errors.TransportError
              ? Effect.fail(result)
              : Effect.as(Scope.addFinalizer(scope, release(result)), result)
          ))
      )))
    const boundAddress: Address = { host, port }

    const v6 = family === 6
    const shape: TransportShape = {
      boundAddress,
      packets: packets.stream,
      sendPacket: (to, bytes) => send(udp, v6, () => open, to, bytes, owner),
      connections: connections.stream,
      connect: (to, timeoutMillis) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.gen(function*() {
            if (!open) return yield* Effect.fail(Errors.closed("the transport"))
            const track = (socket: Net.Socket) => sockets.add(socket)
            // On Effect's own clock the deadline is a Node timer inside the connect; elsewhere (a test
            // clock) an Effect timeout, which races two fibers.
            const live = LiveClock.isLive(yield* Effect.clock)
            const connection = yield* restore(
              live
                ? connectSocket(to, track, timeoutMillis)
                : connectSocket(to, track).pipe(
                  Effect.timeoutFail({
                    duration: timeoutMillis,
                    onTimeout: () => Errors.connectTimeout(to, timeoutMillis)
                  })
                )
            )
            // Registered before anything can interrupt us, so the stream never leaks.
            yield* Effect.addFinalizer(() => connection.close)
            return connection
          })
        )
    }
    const fast: FastPath.FastPath = {
      receive: (receive) => {
        receiver = receive
        for (const packet of packets.takeQueued()) deliver(packet)
        return () => {
          if (receiver === receive) receiver = undefined
        }
      },
      accept: (accept) => {
        acceptor = accept
        for (const connection of connections.takeQueued()) handOver(connection, undefined)
        return () => {
          if (acceptor === accept) acceptor = undefined
        }
      },
      send: (to, bytes, done) => sendNow(udp, v6, () => open, to, bytes, owner, done)
    }
    const dialer: StreamDialer.StreamDialer = {
      dial: (to, timeoutMillis, done) => {
        if (!open) {
          done(Errors.closed("the transport"))
          return () => {}
        }
        return connectNow(to, (socket) => sockets.add(socket), timeoutMillis, done)
      }
    }
    return Metrics.register(StreamDialer.attach(FastPath.attach(shape, fast), dialer), owner)
  })

/**
 * Multicast discovery: members on one LAN find each other without seeds.
 * Each member sends its announcement (see announcement.ts) to a multicast
 * group every `announceInterval`, listens on the group, and answers
 * `discover` with the addresses heard within `expireAfter`.
 *
 * One socket per member, bound with SO_REUSEADDR to the group's port, so
 * several members on one host share the group; loopback is on so they hear
 * each other. Received datagrams are handled in the socket's callback, O(1)
 * each, into a bounded table: there is no queue to overflow.
 *
 * @internal
 */
import { Clock, Duration, Effect, Schedule, type Scope } from "effect"
import * as Dgram from "node:dgram"
import { isIP, isIPv4 } from "node:net"
import type { SwimConfig } from "../../SwimConfig.js"
import type { Address, Transport } from "../../Transport.js"
import { formatAddress } from "../swim/messages.js"
import { isValidPort } from "./address.js"
import { announcementKey, decode, encode, invalidCluster } from "./announcement.js"
import { type DiscoveryShape, invalidOptions as invalid, make } from "./discovery.js"
import { DiscoveryError } from "./error.js"
import { HeardTable } from "./heard.js"
import * as metrics from "./metrics.js"
import { publishable } from "./self.js"

/** Options of multicast discovery; every field has a default. */
export interface MulticastOptions {
  readonly group?: string
  readonly port?: number
  readonly interface?: string
  readonly ttl?: number
  readonly loopback?: boolean
  readonly cluster?: string
  readonly announceInterval?: Duration.DurationInput
  readonly expireAfter?: Duration.DurationInput
  readonly maxEntries?: number
}

/** An administratively scoped (site-local) group: it does not leave the organisation's network. */
export const DEFAULT_MULTICAST_GROUP = "239.255.77.46"
/**
 * Away from 7946, 7947, ...: members on one host often take consecutive gossip
 * ports from memberlist's, and a gossip socket on the group's port would
 * refuse to share it.
 */
export const DEFAULT_MULTICAST_PORT = 17946
const defaultAnnounceInterval = Duration.seconds(5)
const defaultMaxEntries = 256

const isMulticast = (group: string): boolean =>
  isIPv4(group) ? (Number(group.split(".")[0]) & 0xf0) === 0xe0 : isIP(group) === 6 && group.toLowerCase().startsWith("ff")

interface Checked {
  readonly group: string
  readonly port: number
  readonly iface: string | undefined
  readonly ttl: number
  readonly loopback: boolean
  readonly announceMillis: number
  readonly expireMillis: number
  readonly maxEntries: number
}

const millisOf = (input: Duration.DurationInput | undefined, fallback: Duration.Duration): number =>
  Duration.toMillis(Duration.decode(input ?? fallback))

const check = (options: MulticastOptions): Effect.Effect<Checked, DiscoveryError> => {
  const group = options.group ?? DEFAULT_MULTICAST_GROUP
  if (!isMulticast(group)) return Effect.fail(invalid(`group must be a multicast IP address, got ${group}`, group))
  const port = options.port ?? DEFAULT_MULTICAST_PORT
  if (!isValidPort(port)) return Effect.fail(invalid(`port must be in 1..65535, got ${port}`))
  const ttl = options.ttl ?? 1
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 255) return Effect.fail(invalid(`ttl must be in 1..255, got ${ttl}`))
  const announceMillis = millisOf(options.announceInterval, defaultAnnounceInterval)
  if (!(announceMillis > 0)) return Effect.fail(invalid(`announceInterval must be positive`))
  const expireMillis = options.expireAfter === undefined ? 3 * announceMillis : Duration.toMillis(Duration.decode(options.expireAfter))
  if (!(expireMillis >= announceMillis)) {
    return Effect.fail(invalid(`expireAfter must be at least announceInterval, or every entry expires between announcements`))
  }
  const maxEntries = options.maxEntries ?? defaultMaxEntries
  if (!Number.isInteger(maxEntries) || maxEntries < 1) return Effect.fail(invalid(`maxEntries must be a positive integer, got ${maxEntries}`))
  const iface = options.interface
  if (iface !== undefined && isIP(iface.split("%")[0] ?? "") === 0 && !iface.startsWith("::%")) {
    return Effect.fail(invalid(`interface must be the IP address of a local interface (or ::%name for IPv6), got ${iface}`, iface))
  }
  return Effect.succeed({ group, port, iface, ttl, loopback: options.loopback ?? true, announceMillis, expireMillis, maxEntries })
}

const sourceFailed = (message: string, cause: unknown) =>
  new DiscoveryError({ reason: "SourceFailed", message: `${message}: ${cause instanceof Error ? cause.message : String(cause)}`, cause })

/** Opens, binds and joins the group; the socket closes with the scope. */
const openSocket = (c: Checked) =>
  Effect.acquireRelease(
    Effect.async<Dgram.Socket, DiscoveryError>((resume) => {
      const socket = Dgram.createSocket({ type: isIPv4(c.group) ? "udp4" : "udp6", reuseAddr: true })
      const failed = (error: unknown) => {
        socket.close()
        resume(Effect.fail(sourceFailed(`cannot join multicast group ${c.group}:${c.port}`, error)))
      }
      socket.once("error", failed)
      socket.bind({ port: c.port, exclusive: false }, () => {
        socket.off("error", failed)
        try {
          socket.setMulticastTTL(c.ttl)
          socket.setMulticastLoopback(c.loopback)
          if (c.iface !== undefined) socket.setMulticastInterface(c.iface)
          socket.addMembership(c.group, c.iface)
        } catch (error) {
          return failed(error)
        }
        // Errors once running (e.g. an interface that went away) are counted, never thrown.
        socket.on("error", () => metrics.count(metrics.multicast, "socket_error"))
        resume(Effect.succeed(socket))
      })
    }),
    (socket) =>
      Effect.async<void>((resume) => {
        socket.close(() => resume(Effect.void))
      })
  )

/**
 * Sends one announcement. The first failure is a warning (no route to the
 * group, say: nobody will hear this member); the same failure every interval
 * after it is only logged at debug level, and counted.
 */
const sender = (socket: Dgram.Socket, bytes: Uint8Array, c: Checked) => {
  let warned = false
  return Effect.async<void>((resume) => {
    socket.send(bytes, c.port, c.group, (error) => {
      if (error === null || error === undefined) {
        metrics.count(metrics.multicast, "sent")
        return resume(Effect.void)
      }
      metrics.count(metrics.multicast, "send_failed")
      const log = warned ? Effect.logDebug : Effect.logWarning
      warned = true
      resume(log(`multicast announcement to ${c.group}:${c.port} not sent`, error.message))
    })
  })
}

/**
 * Multicast discovery for the member whose `SwimConfig` and `Transport`
 * are in context: it announces their advertised address under the cluster
 * `options.cluster` (default: the SwimConfig label), signed with the
 * primary encryption key when there are keys.
 */
export const makeMulticast = (
  options: MulticastOptions = {}
): Effect.Effect<DiscoveryShape, DiscoveryError, SwimConfig | Transport | Scope.Scope> =>
  Effect.gen(function*() {
    const c = yield* check(options)
    const me = yield* publishable
    const cluster = options.cluster ?? me.label
    const bad = invalidCluster(cluster)
    if (bad !== undefined) return yield* invalid(`cluster ${bad}`, cluster)
    const keys = me.keys.map(announcementKey)
    const announcement = encode(cluster, me.address, keys[0])
    const ownKey = formatAddress(me.address)
    const clock = yield* Effect.clock
    const table = new HeardTable(c.maxEntries, c.expireMillis)
    const socket = yield* openSocket(c)
    socket.on("message", (bytes) => {
      const decoded = decode(bytes, cluster, keys)
      if (decoded._tag === "Dropped") return metrics.count(metrics.multicast, decoded.reason)
      if (formatAddress(decoded.address) === ownKey) return
      metrics.count(metrics.multicast, "heard")
      if (table.heard(decoded.address, clock.unsafeCurrentTimeMillis()) === "evicted") {
        metrics.count(metrics.multicast, "evicted")
      }
    })
    // Jittered, so members started together do not announce in lockstep.
    yield* Effect.forkScoped(
      Effect.repeat(sender(socket, announcement, c), Schedule.spaced(Duration.millis(c.announceMillis)).pipe(Schedule.jittered))
    )
    return make(
      Effect.map(Clock.currentTimeMillis, (now): ReadonlyArray<Address> => table.live(now)).pipe(
        Effect.withSpan("Discovery.multicast", { attributes: { group: c.group, port: c.port } })
      )
    )
  })

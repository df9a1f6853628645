/**
 * How a member finds seeds to join: a static list of addresses, DNS records
 * (A/AAAA of a name such as a Kubernetes headless service, or SRV records with
 * their own ports), announcements heard on a LAN multicast group, entries in a
 * shared key-value store, or a source of your own. The Memberlist shell calls
 * `discover` at start, periodically, and whenever it knows no live peer, so a
 * node that lost everyone finds the cluster again without a restart. Every
 * `discover` is therefore cheap and free of side effects to call again: it
 * re-reads (re-resolves) each time, keeps no cache of what it read, and
 * returns a sorted list without duplicates, so the same records give the same
 * answer. The sources that publish this member (multicast, the store) do so
 * from a fiber of their layer's scope, never from `discover`. See
 * docs/discovery.md.
 *
 * Swapping one source for another changes one line:
 *
 * @example
 * import { Layer } from "effect"
 * import { Discovery } from "effect-memberlist"
 *
 * // Kubernetes headless service: every ready pod's address, port 7946.
 * const Dns = Discovery.dns({ name: "peers.my-ns.svc.cluster.local", port: 7946 })
 * // or a fixed list of seeds
 * const Static = Discovery.static(["10.0.0.5:7946", "[fd00::6]:7946", "seed.internal:7946"])
 *
 * @since 0.1.0
 */
import type { KeyValueStore } from "@effect/platform/KeyValueStore"
import type { Config, ConfigError, Scope } from "effect"
import { Context, Effect, Layer } from "effect"
import * as internal from "./internal/discovery/discovery.js"
import * as errors from "./internal/discovery/error.js"
import * as internalStore from "./internal/discovery/keyValueStore.js"
import * as internalMetrics from "./internal/discovery/metrics.js"
import * as internalMulticast from "./internal/discovery/multicast.js"
import type { SwimConfig } from "./SwimConfig.js"
import type { Address, Transport } from "./Transport.js"

/**
 * Why discovery failed: `InvalidAddress` (a static entry or resolver server
 * that does not parse, found when the layer is built), `InvalidOptions` (a
 * DNS option out of range), `InvalidConfig` (environment / `Config`),
 * `ResolveFailed` (the resolver answered with an error or refused the
 * connection), `Timeout` (no answer within `timeoutMillis`) and
 * `SourceFailed` (a key-value store that fails, a multicast socket that
 * cannot be opened). A name that does not exist or has no records is not an
 * error but an empty list.
 *
 * @since 0.1.0
 * @category errors
 */
export type DiscoveryErrorReason = errors.DiscoveryErrorReason

/**
 * A failed discovery, with its `reason`, a `message`, and the `input` (entry,
 * name or server) it is about when there is one.
 *
 * @since 0.1.0
 * @category errors
 */
export const DiscoveryError: typeof errors.DiscoveryError = errors.DiscoveryError

/**
 * A failed discovery, with its `reason`, a `message`, and the `input` (entry,
 * name or server) it is about when there is one.
 *
 * @since 0.1.0
 * @category errors
 */
export type DiscoveryError = errors.DiscoveryError

/**
 * The discovery service: one effect that returns the addresses to try to
 * join, sorted (IPv4 before IPv6, numerically, then by port) and without
 * duplicates. An empty list means "no peers known yet", which is normal for
 * the first node of a cluster.
 *
 * @since 0.1.0
 * @category models
 */
export interface DiscoveryShape extends internal.DiscoveryShape {}

/**
 * The tag of the discovery service, provided by `static`, `dns`,
 * `multicast`, `keyValueStore`, `layer`, `layerConfig` or `fromEnv`.
 *
 * @since 0.1.0
 * @category tags
 */
export class Discovery extends Context.Tag("effect-memberlist/Discovery")<Discovery, DiscoveryShape>() {}

/**
 * Options of `static`: `defaultPort` for entries given without a port (when
 * absent, every entry must carry one), `timeoutMillis` (default 5000) to bound
 * the resolution of entries that are hostnames.
 *
 * @since 0.1.0
 * @category models
 */
export interface StaticOptions extends internal.StaticOptions {}

/**
 * The DNS records `dns` reads: `A`, `AAAA`, both (`A+AAAA`, the default, so a
 * name works in IPv4, IPv6 and dual-stack clusters), or `SRV`.
 *
 * @since 0.1.0
 * @category models
 */
export type DnsRecordType = internal.DnsRecordType

/**
 * Options of `dns`:
 *
 * - `name`: the name to query, e.g. `peers.my-ns.svc.cluster.local`, or for
 *   SRV `_memberlist._tcp.peers.my-ns.svc.cluster.local`.
 * - `port`: the peers' port for A/AAAA records (default 7946, memberlist's).
 *   Ignored for SRV, whose records carry their own ports.
 * - `type`: see `DnsRecordType` (default `A+AAAA`).
 * - `server`: a resolver to ask instead of the system's, `"ip"` (port 53),
 *   `"ip:port"` or `"[v6]:port"`, e.g. `"127.0.0.1:5353"`.
 * - `timeoutMillis`: bound on one discovery, all queries included (default 5000).
 *
 * @since 0.1.0
 * @category models
 */
export interface DnsOptions extends internal.DnsOptions {}

/**
 * memberlist's default port (7946): the port `dns` gives A/AAAA addresses
 * when none is set.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_PORT: number = internal.DEFAULT_PORT

/**
 * A discovery service from any effect that returns addresses, e.g. a test
 * double or a cloud API. Its answers are normalized like every other source:
 * IP text canonical, sorted, without duplicates.
 *
 * @example
 * import { Effect } from "effect"
 * import { Discovery } from "effect-memberlist"
 *
 * const fixed = Discovery.make(Effect.succeed([{ host: "127.0.0.1", port: 7946 }]))
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (discover: Effect.Effect<ReadonlyArray<Address>, DiscoveryError>) => DiscoveryShape = internal.make

/**
 * A layer from any effect that returns addresses (see `make`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (discover: Effect.Effect<ReadonlyArray<Address>, DiscoveryError>): Layer.Layer<Discovery> =>
  Layer.succeed(Discovery, make(discover))

/**
 * A static discovery service. Entries are `"host:port"`, `"[v6]:port"`,
 * `{ host, port }`, or an IP literal / hostname alone when `defaultPort` is
 * given (a bare IPv6 literal never carries a port: write `[::1]:7946`). Every
 * entry is checked here, so a typo fails with `InvalidAddress` before the node
 * starts. Hostnames are resolved on each `discover` through the operating
 * system (`/etc/hosts`, then DNS A/AAAA), so a seed that moved is found again.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeStatic: (
  addresses: ReadonlyArray<string | Address>,
  options?: StaticOptions
) => Effect.Effect<DiscoveryShape, DiscoveryError> = internal.makeStatic

/**
 * A layer of `makeStatic`: a fixed list of seeds, checked when the layer is
 * built. `static([])` knows no seeds (this node starts a cluster).
 *
 * @example
 * import { Discovery } from "effect-memberlist"
 *
 * const Seeds = Discovery.static(["10.0.0.5:7946", "[fd00::6]:7946", "seed.internal:7946"])
 *
 * @since 0.1.0
 * @category layers
 */
const staticLayer = (
  addresses: ReadonlyArray<string | Address>,
  options?: StaticOptions
): Layer.Layer<Discovery, DiscoveryError> => Layer.effect(Discovery, makeStatic(addresses, options))

export {
  /**
   * A layer of `makeStatic`: a fixed list of seeds, checked when the layer is
   * built. `static([])` knows no seeds (this node starts a cluster).
   *
   * @since 0.1.0
   * @category layers
   */
  staticLayer as static
}

/**
 * A DNS discovery service (see `DnsOptions`). Options are checked here;
 * records are queried on each `discover`, never cached. A name that does
 * not exist (NXDOMAIN) or has no records is an empty list, because a fresh
 * cluster may have no peers yet; a resolver error is `ResolveFailed`, no
 * answer in time is `Timeout`. For SRV, each target is resolved (A and AAAA)
 * and given its record's port. Interrupting `discover` cancels its queries.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeDns: (options: DnsOptions) => Effect.Effect<DiscoveryShape, DiscoveryError> = internal.makeDns

/**
 * A layer of `makeDns`.
 *
 * @example
 * import { Discovery } from "effect-memberlist"
 *
 * // A/AAAA of a Kubernetes headless service
 * const Pods = Discovery.dns({ name: "peers.my-ns.svc.cluster.local", port: 7946 })
 * // SRV records, asking a specific resolver
 * const Srv = Discovery.dns({ name: "_swim._udp.example.test", type: "SRV", server: "127.0.0.1:5353" })
 *
 * @since 0.1.0
 * @category layers
 */
export const dns = (options: DnsOptions): Layer.Layer<Discovery, DiscoveryError> =>
  Layer.effect(Discovery, makeDns(options))

/**
 * Several sources as one: the union of their addresses. A source that fails
 * while another finds peers is logged and skipped; if none finds any, the
 * first failure is returned.
 *
 * @since 0.1.0
 * @category combinators
 */
export const combine: (sources: ReadonlyArray<DiscoveryShape>) => DiscoveryShape = internal.combine

/**
 * What `config` reads: static seeds (`join`) and/or DNS options (`dns`).
 *
 * @since 0.1.0
 * @category config
 */
export interface DiscoveryConfig extends internal.DiscoveryConfig {}

/**
 * Discovery from Effect `Config`: `join` (comma-separated seeds), `dnsName`,
 * `dnsPort`, `dnsType`, `dnsServer`, `dnsTimeout` (a duration such as
 * `"2 seconds"`). With environment variables and the `SWIM` prefix these are
 * `SWIM_JOIN`, `SWIM_DNS_NAME`, `SWIM_DNS_PORT`, `SWIM_DNS_TYPE`,
 * `SWIM_DNS_SERVER`, `SWIM_DNS_TIMEOUT`.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<DiscoveryConfig> = internal.config

/**
 * A layer from `DiscoveryConfig`: static seeds when only `join` is set, DNS
 * when only `dns` is, both combined when both are, and no seeds when neither
 * is (the first node of a cluster).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  source: Config.Config<DiscoveryConfig> = config
): Layer.Layer<Discovery, ConfigError.ConfigError | DiscoveryError> =>
  Layer.effect(Discovery, Effect.flatMap(source, internal.fromConfig))

/**
 * A layer from environment variables under a prefix (default `SWIM`):
 * `SWIM_JOIN=10.0.0.5:7946,10.0.0.6:7946` for static seeds, or
 * `SWIM_DNS_NAME=peers.my-ns.svc.cluster.local` with optional
 * `SWIM_DNS_PORT`, `SWIM_DNS_TYPE` (`A`, `AAAA`, `A+AAAA`, `SRV`),
 * `SWIM_DNS_SERVER` (`127.0.0.1:5353`) and `SWIM_DNS_TIMEOUT` (`2 seconds`).
 * A value that does not parse fails with `InvalidConfig` naming the variable.
 *
 * @since 0.1.0
 * @category layers
 */
export const fromEnv = (prefix = "swim"): Layer.Layer<Discovery, DiscoveryError> =>
  Layer.effect(
    Discovery,
    internal.fromEnv(prefix)
  )

/**
 * Options of `multicast`, all optional:
 *
 * - `group`: the multicast group (default `239.255.77.46`, in the
 *   organisation-local 239.255.0.0/16 scope), IPv4 or IPv6 (`ff..`).
 * - `port`: the group's UDP port (default 17946, away from the gossip ports
 *   7946, 7947, ... that members sharing a host take). Every member of a
 *   cluster uses the same group and port.
 * - `interface`: the local interface to announce and listen on, as its IPv4
 *   address (`"10.0.0.5"`) or, for an IPv6 group, `"::%eth0"`. Default: the
 *   one the system picks (the route to the group).
 * - `ttl`: IP time to live of announcements (default 1: they stay on the
 *   local network segment).
 * - `loopback`: hear announcements of members on this host (default true).
 * - `cluster`: the cluster's name; announcements of another name are ignored.
 *   Default: the member's `SwimConfig.label`.
 * - `announceInterval`: how often the member announces itself (default 5 s,
 *   jittered).
 * - `expireAfter`: an address not heard for this long is forgotten (default
 *   three announce intervals).
 * - `maxEntries`: addresses remembered at most (default 256); when full, the
 *   one heard least recently makes room (counted as `evicted`).
 *
 * @since 0.1.0
 * @category models
 */
export interface MulticastOptions extends internalMulticast.MulticastOptions {}

/**
 * The default multicast group of `multicast`: `239.255.77.46`.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MULTICAST_GROUP: string = internalMulticast.DEFAULT_MULTICAST_GROUP

/**
 * The default UDP port of `multicast`'s group: 17946.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MULTICAST_PORT: number = internalMulticast.DEFAULT_MULTICAST_PORT

/**
 * Multicast discovery (see `multicast`), in the current scope: the socket
 * closes and announcements stop when it closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMulticast: (
  options?: MulticastOptions
) => Effect.Effect<DiscoveryShape, DiscoveryError, SwimConfig | Transport | Scope.Scope> = internalMulticast.makeMulticast

/**
 * Members on one LAN find each other with no seed list. Each member
 * announces the address it gossips on (from its `SwimConfig` and bound
 * `Transport`) to a UDP multicast group every `announceInterval`, listens on
 * the group, and answers `discover` with the addresses heard within
 * `expireAfter`. A member's first discovery at start usually finds nothing
 * (it has heard no one yet); while alone it asks again every two probe
 * intervals, so members started together form one cluster within about one
 * announce interval.
 *
 * Announcements are small (at most 312 bytes) and versioned, and carry a
 * cluster name, so clusters sharing a LAN ignore each other. With encryption
 * keys in the `SwimConfig`, announcements are signed (HMAC-SHA256, with a key
 * derived from the primary key) and only those signed by one of the keys
 * count; keys changed at run time through `Memberlist.keyring` are not seen
 * here. A signature proves a key holder announced the address, not that the
 * announcement is recent: a replayed one can only make a gone address look
 * alive, and joining it fails like any dead seed. Without keys, anyone on
 * the LAN can announce an address and members will try to join it.
 *
 * It needs multicast on the network: most LANs and Docker bridges have it,
 * most clouds (AWS VPC, GCP) do not. Datagrams that are not announcements,
 * another cluster's, unsigned ones and a full table are counted in
 * `metrics.multicast` by reason. Provide the member's `Transport` and
 * `SwimConfig` to both the member and this layer (one `Layer.provide` after
 * both does), so it announces the member's own address.
 *
 * @example
 * import { Layer, Schema } from "effect"
 * import { Discovery, Memberlist, SwimConfig, Transport } from "effect-memberlist"
 *
 * class Cluster extends Memberlist.Tag("app/Cluster")<Cluster, unknown>() {}
 *
 * const Member = Memberlist.layer(Cluster, { messages: Schema.Unknown }).pipe(
 *   Layer.provide(Discovery.multicast({ announceInterval: "2 seconds" })),
 *   Layer.provide(Transport.layerNode),
 *   Layer.provide(SwimConfig.layer(SwimConfig.lan({ name: "node-1", label: "orders" })))
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const multicast = (options?: MulticastOptions): Layer.Layer<Discovery, DiscoveryError, SwimConfig | Transport> =>
  Layer.scoped(Discovery, makeMulticast(options))

/**
 * Options of `keyValueStore`, all optional:
 *
 * - `prefix`: the keys' prefix; slot `i` is key `PREFIX` + `i`. Default
 *   `effect-memberlist/LABEL/` (`default` for an empty label), so clusters
 *   with different labels can share a store.
 * - `slots`: how many members can publish at once (default 32, at most
 *   1024). A discovery reads every slot, one `get` each.
 * - `publishInterval`: how often the member rewrites its entry (default
 *   10 s, jittered).
 * - `expireAfter`: an entry not rewritten for this long is ignored and
 *   removed (default three publish intervals). Members' clocks must agree to
 *   well within it.
 * - `timeoutMillis`: bound on one read or publish pass (default 5000).
 *
 * @since 0.1.0
 * @category models
 */
export interface KeyValueStoreOptions extends internalStore.KeyValueStoreOptions {}

/**
 * Key-value store discovery (see `keyValueStore`), in the current scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeKeyValueStore: (
  options?: KeyValueStoreOptions
) => Effect.Effect<DiscoveryShape, DiscoveryError, KeyValueStore | SwimConfig | Transport | Scope.Scope> =
  internalStore.makeKeyValueStore

/**
 * Seeds from a shared store: `@effect/platform`'s `KeyValueStore`, so a
 * directory on a shared disk (`KeyValueStore.layerFileSystem`), Redis, or
 * anything else with a `KeyValueStore` layer serves. Each member publishes
 * its address with a timestamp, rewriting it every `publishInterval`, and
 * `discover` returns the other members' entries younger than `expireAfter`.
 * A member that dies without leaving is ignored once its entry expires and
 * removed by the next member to publish; one that stops removes its entry.
 *
 * `KeyValueStore` cannot list keys, and one key holding every member would
 * let concurrent writers erase each other's additions. So the store holds
 * `slots` keys, one member's entry each: a member keeps the slot with its
 * name, or claims the first free or stale one from a slot its name hashes
 * to. Two members claiming one slot at once are sorted out at the next
 * publish (the one overwritten moves to another slot). With every slot held
 * by a live member, a newcomer cannot publish (counted as `no_slot` in
 * `metrics.store`) but still finds the others and joins them.
 *
 * The first publish happens when the layer is built, so a store that cannot
 * be written fails it with `SourceFailed`. Entries are not signed: anyone
 * who can write the store can add seeds.
 *
 * @example
 * import { KeyValueStore } from "@effect/platform"
 * import { NodeFileSystem, NodePath } from "@effect/platform-node"
 * import { Layer } from "effect"
 * import { Discovery } from "effect-memberlist"
 *
 * // A directory every member can reach (NFS, a shared volume).
 * const Store = KeyValueStore.layerFileSystem("/shared/cluster-peers").pipe(
 *   Layer.provide(NodeFileSystem.layer),
 *   Layer.provide(NodePath.layer)
 * )
 * const Peers = Discovery.keyValueStore({ publishInterval: "5 seconds" }).pipe(Layer.provide(Store))
 *
 * @since 0.1.0
 * @category layers
 */
export const keyValueStore = (
  options?: KeyValueStoreOptions
): Layer.Layer<Discovery, DiscoveryError, KeyValueStore | SwimConfig | Transport> =>
  Layer.scoped(Discovery, makeKeyValueStore(options))

/**
 * Counters of the sources that publish or listen, each tagged with a
 * `reason`: `multicast` (`sent`, `send_failed`, `heard`, `foreign`,
 * `malformed`, `unauthenticated`, `evicted`, `socket_error`) and `store`
 * (`published`, `publish_failed`, `no_slot`, `malformed`, `stale`, `pruned`).
 *
 * @since 0.1.0
 * @category metrics
 */
export const metrics = {
  multicast: internalMetrics.multicast,
  store: internalMetrics.store
} as const

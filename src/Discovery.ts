/**
 * How a member finds seeds to join: a static list of addresses, DNS records
 * (A/AAAA of a name such as a Kubernetes headless service, or SRV records with
 * their own ports), or a source of your own. The Memberlist shell calls
 * `discover` at start, periodically, and whenever it knows no live peer, so a
 * node that lost everyone finds the cluster again without a restart. Every
 * source is therefore cheap and free of side effects to call again: it
 * re-reads (re-resolves) each time, keeps no cache, and returns a sorted list
 * without duplicates, so the same records give the same answer.
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
import type { Config, ConfigError } from "effect"
import { Context, Effect, Layer } from "effect"
import * as internal from "./internal/discovery/discovery.js"
import * as errors from "./internal/discovery/error.js"
import type { Address } from "./Transport.js"

/**
 * Why discovery failed: `InvalidAddress` (a static entry or resolver server
 * that does not parse, found when the layer is built), `InvalidOptions` (a
 * DNS option out of range), `InvalidConfig` (environment / `Config`),
 * `ResolveFailed` (the resolver answered with an error or refused the
 * connection) and `Timeout` (no answer within `timeoutMillis`). A name that
 * does not exist or has no records is not an error but an empty list.
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
 * The tag of the discovery service, provided by `static`, `dns`, `layer`,
 * `layerConfig` or `fromEnv`.
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

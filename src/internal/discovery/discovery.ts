import { Config, Duration, Effect, Option } from "effect"
import type { Address } from "../../Transport.js"
import { envProvider, envVariable, firstLeaf } from "../config/env.js"
import { formatAddress } from "../swim/messages.js"
import { isHostname, isValidPort, normalizeAll, parseEntry } from "./address.js"
import type { Entry } from "./address.js"
import { DiscoveryError } from "./error.js"
import type { ResolverSettings } from "./resolve.js"
import { gather, isLiteral, lookupHost, resolve4, resolve6, resolveSrv } from "./resolve.js"

/** The discovery service: one effect that looks the seeds up. */
export interface DiscoveryShape {
  /** Looks the seeds up now. Safe to call as often as needed: nothing is cached or changed. */
  readonly discover: Effect.Effect<ReadonlyArray<Address>, DiscoveryError>
}

/** Options of a static list: a port for entries without one, and a bound on resolving hostnames. */
export interface StaticOptions {
  readonly defaultPort?: number
  readonly timeoutMillis?: number
}

/** Which DNS records to read. */
export type DnsRecordType = "A" | "AAAA" | "A+AAAA" | "SRV"

/** Options of DNS discovery: the name, a port for A/AAAA answers, the record type, a resolver, a timeout. */
export interface DnsOptions {
  readonly name: string
  readonly port?: number
  readonly type?: DnsRecordType
  readonly server?: string
  readonly timeoutMillis?: number
}

/** memberlist's default bind port: what a headless service's pods listen on unless told otherwise. */
export const DEFAULT_PORT = 7946
/** How long one discovery may take by default. */
const DEFAULT_TIMEOUT_MILLIS = 5_000

/** An `InvalidOptions` error, about `input` when given. */
export const invalidOptions = (message: string, input?: string): DiscoveryError =>
  new DiscoveryError(input === undefined ? { reason: "InvalidOptions", message } : { reason: "InvalidOptions", message, input })

/** The timeout option, defaulted and checked to be positive. */
export const checkTimeout = (timeoutMillis: number | undefined): Effect.Effect<number, DiscoveryError> => {
  const value = timeoutMillis ?? DEFAULT_TIMEOUT_MILLIS
  return Number.isFinite(value) && value > 0
    ? Effect.succeed(value)
    : Effect.fail(invalidOptions(`timeoutMillis must be a positive number, got ${value}`))
}

/** Fails with `Timeout` (naming `what`) when `self` takes longer than `timeoutMillis`. */
export const withTimeout = (timeoutMillis: number, what: string) =>
<A>(self: Effect.Effect<A, DiscoveryError>): Effect.Effect<A, DiscoveryError> =>
  Effect.timeoutFail(self, {
    duration: Duration.millis(timeoutMillis),
    onTimeout: () =>
      new DiscoveryError({ reason: "Timeout", message: `${what}: no answer within ${timeoutMillis} ms`, input: what })
  })

/**
 * Wraps a source so its answer is canonical: IP text normalized, sorted,
 * without duplicates. Every discovery goes through here, so two calls over
 * the same records return equal lists and the caller can compare them.
 */
export const make = (discover: Effect.Effect<ReadonlyArray<Address>, DiscoveryError>): DiscoveryShape => ({
  discover: Effect.map(discover, normalizeAll)
})

/**
 * Parses every entry now, so a typo fails the layer at start-up rather than
 * the first join; hostnames are kept as names and resolved on each call.
 */
export const makeStatic = (
  addresses: ReadonlyArray<string | Address>,
  options: StaticOptions = {}
): Effect.Effect<DiscoveryShape, DiscoveryError> =>
  Effect.gen(function*() {
    if (options.defaultPort !== undefined && !isValidPort(options.defaultPort)) {
      return yield* invalidOptions(`defaultPort must be in 1..65535, got ${options.defaultPort}`)
    }
    const timeoutMillis = yield* checkTimeout(options.timeoutMillis)
    const entries: Array<Entry> = []
    for (const address of addresses) {
      const entry = parseEntry(address, options.defaultPort)
      if (entry instanceof DiscoveryError) return yield* entry
      entries.push(entry)
    }
    const literals = entries.flatMap((e) => (e._tag === "Literal" ? [e.address] : []))
    const hosts = entries.flatMap((e) => (e._tag === "Host" ? [e] : []))
    if (hosts.length === 0) return make(Effect.succeed(literals))
    return make(
      gather([Effect.succeed(literals), ...hosts.map((h) => lookupHost(h.host, h.port))]).pipe(
        withTimeout(timeoutMillis, hosts.map((h) => h.host).join(", ")),
        Effect.withSpan("Discovery.static", { attributes: { hosts: hosts.map((h) => h.host) } })
      )
    )
  })

const parseServer = (server: string): Effect.Effect<string, DiscoveryError> => {
  // A resolver is reached by address: a hostname here would need a resolver to find the resolver.
  const entry = parseEntry(server, 53)
  if (entry instanceof DiscoveryError) return Effect.fail(entry)
  if (entry._tag !== "Literal") {
    return Effect.fail(
      new DiscoveryError({
        reason: "InvalidAddress",
        message: `resolver server must be an IP address with an optional port, got ${JSON.stringify(server)}`,
        input: server
      })
    )
  }
  // "host:port" with brackets around IPv6, as `dns.Resolver#setServers` wants it.
  return Effect.succeed(formatAddress(entry.address))
}

const addressesOf = (
  settings: ResolverSettings,
  name: string,
  type: "A" | "AAAA" | "A+AAAA",
  port: number
): Effect.Effect<ReadonlyArray<Address>, DiscoveryError> => {
  const toAddresses = (hosts: ReadonlyArray<string>) => hosts.map((host) => ({ host, port }))
  const lookups: Array<Effect.Effect<ReadonlyArray<Address>, DiscoveryError>> = []
  if (type !== "AAAA") lookups.push(Effect.map(resolve4(settings, name), toAddresses))
  if (type !== "A") lookups.push(Effect.map(resolve6(settings, name), toAddresses))
  return gather(lookups)
}

/**
 * Validates the options now (name, port, server, timeout), then queries on
 * every call: no cache, because the caller re-discovers precisely to see
 * records that changed.
 */
export const makeDns = (options: DnsOptions): Effect.Effect<DiscoveryShape, DiscoveryError> =>
  Effect.gen(function*() {
    const name = options.name.trim()
    if (!isHostname(name)) return yield* invalidOptions(`name ${JSON.stringify(options.name)} is not a DNS name`, options.name)
    const type = options.type ?? "A+AAAA"
    if (!["A", "AAAA", "A+AAAA", "SRV"].includes(type)) return yield* invalidOptions(`unknown record type ${type}`)
    const port = options.port ?? DEFAULT_PORT
    if (!isValidPort(port)) return yield* invalidOptions(`port must be in 1..65535, got ${port}`)
    const timeoutMillis = yield* checkTimeout(options.timeoutMillis)
    const servers = options.server === undefined ? undefined : [yield* parseServer(options.server)]
    // c-ares retries once, each try a quarter of the budget (the second waits
    // twice as long), so its own ETIMEOUT usually lands inside the budget; the
    // Effect timeout is the hard bound either way.
    const settings: ResolverSettings = {
      servers,
      tryTimeoutMillis: Math.max(1, Math.floor(timeoutMillis / 4)),
      tries: 2
    }
    const discover: Effect.Effect<ReadonlyArray<Address>, DiscoveryError> = type === "SRV"
      ? Effect.flatMap(resolveSrv(settings, name), (records) =>
        gather(
          records
            // "." is RFC 2782's "no service here".
            .filter((r) => r.name !== "" && r.name !== "." && isValidPort(r.port))
            .map((r) =>
              isLiteral(r.name)
                ? Effect.succeed([{ host: r.name.replace(/\.$/, ""), port: r.port }])
                : addressesOf(settings, r.name, "A+AAAA", r.port)
            )
        ))
      : addressesOf(settings, name, type, port)
    return make(
      discover.pipe(
        withTimeout(timeoutMillis, `${type} ${name}`),
        Effect.withSpan("Discovery.dns", {
          attributes: { name, type, ...(options.server === undefined ? {} : { server: options.server }) }
        })
      )
    )
  })

/**
 * Several sources as one: their addresses together. As with the lookups of
 * one source, a failed source is logged and skipped while another found
 * peers.
 */
export const combine = (sources: ReadonlyArray<DiscoveryShape>): DiscoveryShape =>
  make(gather(sources.map((s) => s.discover)))

/** Discovery as configuration: static seeds, DNS, or both. */
export interface DiscoveryConfig {
  readonly join: ReadonlyArray<string>
  readonly dns: Option.Option<DnsOptions>
}

/** Reads `join` and `dns*` keys (SWIM_JOIN, SWIM_DNS_NAME, ... under `fromEnv`). */
export const config: Config.Config<DiscoveryConfig> = Config.all({
  join: Config.array(Config.string(), "join").pipe(
    Config.withDescription("Seed addresses to join, comma-separated host:port or [v6]:port (SWIM_JOIN)"),
    Config.withDefault([] as Array<string>)
  ),
  dnsName: Config.option(
    Config.string("dnsName").pipe(
      Config.withDescription("DNS name whose records list the peers, e.g. a Kubernetes headless service (SWIM_DNS_NAME)")
    )
  ),
  dnsPort: Config.option(
    Config.integer("dnsPort").pipe(Config.withDescription("Port of the peers found by A/AAAA records (SWIM_DNS_PORT)"))
  ),
  dnsType: Config.option(
    Config.literal("A", "AAAA", "A+AAAA", "SRV")("dnsType").pipe(
      Config.withDescription("Records to query: A, AAAA, A+AAAA (default) or SRV (SWIM_DNS_TYPE)")
    )
  ),
  dnsServer: Config.option(
    Config.string("dnsServer").pipe(
      Config.withDescription("Resolver to ask instead of the system's, ip[:port] or [v6]:port (SWIM_DNS_SERVER)")
    )
  ),
  dnsTimeout: Config.option(
    Config.duration("dnsTimeout").pipe(
      Config.withDescription("Bound on one discovery, e.g. \"5 seconds\" (SWIM_DNS_TIMEOUT)")
    )
  )
}).pipe(
  Config.map(({ dnsName, dnsPort, dnsServer, dnsTimeout, dnsType, join }): DiscoveryConfig => ({
    // An empty SWIM_JOIN ("") reads as [""]; it means "no seeds", not a bad entry.
    join: join.map((s) => s.trim()).filter((s) => s.length > 0),
    dns: Option.map(dnsName, (name): DnsOptions => ({
      name,
      ...Option.match(dnsPort, { onNone: () => ({}), onSome: (port) => ({ port }) }),
      ...Option.match(dnsType, { onNone: () => ({}), onSome: (type) => ({ type }) }),
      ...Option.match(dnsServer, { onNone: () => ({}), onSome: (server) => ({ server }) }),
      ...Option.match(dnsTimeout, {
        onNone: () => ({}),
        onSome: (d) => ({ timeoutMillis: Duration.toMillis(d) })
      })
    }))
  }))
)

/** Static seeds, DNS, both (combined), or neither (no seeds: this node starts a cluster). */
export const fromConfig = (value: DiscoveryConfig): Effect.Effect<DiscoveryShape, DiscoveryError> =>
  Option.match(value.dns, {
    onNone: () => makeStatic(value.join),
    onSome: (dns) =>
      value.join.length === 0
        ? makeDns(dns)
        : Effect.map(Effect.all([makeStatic(value.join), makeDns(dns)]), combine)
  })

/**
 * `config` under `prefix`, read from environment variables, with every error
 * restated as `InvalidConfig` naming the variable to fix: a config error by
 * its path, a bad seed by SWIM_JOIN, a bad DNS option by SWIM_DNS_*.
 */
export const fromEnv = (prefix: string): Effect.Effect<DiscoveryShape, DiscoveryError> =>
  Config.nested(config, prefix).pipe(
    Effect.withConfigProvider(envProvider()),
    Effect.mapError((error) => {
      const leaf = firstLeaf(error)
      const variable = envVariable("path" in leaf ? leaf.path : [prefix])
      return new DiscoveryError({ reason: "InvalidConfig", message: `${variable}: ${leaf.message}`, input: variable, cause: error })
    }),
    Effect.flatMap((value) => {
      const restate = (variable: string) => (error: DiscoveryError) =>
        new DiscoveryError({ reason: "InvalidConfig", message: `${variable}: ${error.message}`, input: variable, cause: error })
      const join = makeStatic(value.join).pipe(Effect.mapError(restate(envVariable([prefix, "join"]))))
      return Option.match(value.dns, {
        onNone: () => join,
        onSome: (options) => {
          const dns = makeDns(options).pipe(Effect.mapError(restate(`${envVariable([prefix, "dns"])}_*`)))
          return value.join.length === 0 ? dns : Effect.map(Effect.all([join, dns]), combine)
        }
      })
    })
  )

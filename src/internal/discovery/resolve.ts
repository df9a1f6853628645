import * as Dns from "node:dns"
import { isIP } from "node:net"
import { Effect, Either } from "effect"
import type { Address } from "../../Transport.js"
import { normalizeIp } from "./address.js"
import { DiscoveryError } from "./error.js"

/**
 * Error codes that mean "the name has no such records": NXDOMAIN and an
 * empty answer. They are an empty list, not a failure, because a fresh
 * cluster (or a headless service with no ready pod yet) has no peers to find.
 */
const emptyCodes: ReadonlySet<string> = new Set([Dns.NOTFOUND, Dns.NODATA])

const toError = (what: string, error: NodeJS.ErrnoException): DiscoveryError =>
  new DiscoveryError({
    reason: error.code === Dns.TIMEOUT ? "Timeout" : "ResolveFailed",
    message: `${what}: ${error.code ?? error.message}`,
    input: what,
    cause: error
  })

/** How a query reaches the network: the servers (undefined: the system's) and c-ares' own retry timing. */
export interface ResolverSettings {
  readonly servers: ReadonlyArray<string> | undefined
  /** Per-try timeout handed to c-ares; the caller bounds the whole discovery separately. */
  readonly tryTimeoutMillis: number
  readonly tries: number
}

/**
 * One DNS query on its own `Resolver`. A resolver per query (they are cheap
 * c-ares channels) is what makes interruption exact: `cancel()` aborts every
 * query of a resolver, so a shared one would abort its neighbours too.
 */
const query = <A>(
  settings: ResolverSettings,
  what: string,
  run: (resolver: Dns.Resolver, callback: (error: NodeJS.ErrnoException | null, result: ReadonlyArray<A>) => void) => void
): Effect.Effect<ReadonlyArray<A>, DiscoveryError> =>
  Effect.async<ReadonlyArray<A>, DiscoveryError>((resume) => {
    const resolver = new Dns.Resolver({ timeout: settings.tryTimeoutMillis, tries: settings.tries })
    try {
      if (settings.servers !== undefined) resolver.setServers(settings.servers)
    } catch (cause) {
      // Servers were validated when the layer was built; this is only a safety net.
      resume(Effect.fail(new DiscoveryError({ reason: "ResolveFailed", message: `${what}: bad servers`, cause })))
      return
    }
    run(resolver, (error, result) => {
      if (error === null) resume(Effect.succeed(result))
      else if (error.code !== undefined && emptyCodes.has(error.code)) resume(Effect.succeed([]))
      else resume(Effect.fail(toError(what, error)))
    })
    // Interrupted (by the discovery timeout or the caller): stop c-ares; the
    // callback then fires with ECANCELLED, which `resume` ignores.
    return Effect.sync(() => resolver.cancel())
  })

/** A records of `name`. */
export const resolve4 = (settings: ResolverSettings, name: string): Effect.Effect<ReadonlyArray<string>, DiscoveryError> =>
  query<string>(settings, `A ${name}`, (r, cb) => r.resolve4(name, cb))

/** AAAA records of `name`. */
export const resolve6 = (settings: ResolverSettings, name: string): Effect.Effect<ReadonlyArray<string>, DiscoveryError> =>
  query<string>(settings, `AAAA ${name}`, (r, cb) => r.resolve6(name, cb))

/** SRV records of `name`. */
export const resolveSrv = (
  settings: ResolverSettings,
  name: string
): Effect.Effect<ReadonlyArray<Dns.SrvRecord>, DiscoveryError> =>
  query<Dns.SrvRecord>(settings, `SRV ${name}`, (r, cb) => r.resolveSrv(name, cb))

/**
 * Runs lookups side by side and keeps what succeeded. One failed lookup among
 * several (an AAAA query a server refuses, one dead seed name) should not hide
 * the peers the others found: the join needs only one of them. Only when
 * nothing was found and something failed is the first failure returned, so
 * the caller can tell "no peers yet" from "could not ask".
 */
export const gather = <E extends DiscoveryError>(
  lookups: ReadonlyArray<Effect.Effect<ReadonlyArray<Address>, E>>
): Effect.Effect<ReadonlyArray<Address>, E> =>
  Effect.all(lookups.map(Effect.either), { concurrency: "unbounded" }).pipe(
    Effect.flatMap((results) => {
      const found = results.flatMap((r) => (Either.isRight(r) ? r.right : []))
      const failures = results.flatMap((r) => (Either.isLeft(r) ? [r.left] : []))
      const first = failures[0]
      if (first === undefined) return Effect.succeed(found)
      if (found.length === 0) return Effect.fail(first)
      return Effect.as(
        Effect.logWarning("discovery: some lookups failed; using the addresses the others found").pipe(
          Effect.annotateLogs({ failures: failures.map((f) => f.message).join("; ") })
        ),
        found
      )
    })
  )

/**
 * Addresses of a name through the operating system (`getaddrinfo`: /etc/hosts,
 * then DNS A/AAAA), as any program resolves a configured hostname; this is
 * what lets a static list name `localhost` or a host from /etc/hosts.
 * `getaddrinfo` cannot be cancelled: an interrupted lookup finishes on the
 * libuv pool and its result is dropped.
 */
export const lookupHost = (host: string, port: number): Effect.Effect<ReadonlyArray<Address>, DiscoveryError> =>
  Effect.async<ReadonlyArray<Address>, DiscoveryError>((resume) => {
    Dns.lookup(host, { all: true, verbatim: true }, (error, addresses) => {
      if (error === null) resume(Effect.succeed(addresses.map((a) => ({ host: normalizeIp(a.address), port }))))
      else if (error.code === "ENOTFOUND" || error.code === "ENODATA") resume(Effect.succeed([]))
      else resume(Effect.fail(toError(host, error)))
    })
  })

/** True for an IP literal, which needs no lookup (an SRV target may be one). */
export const isLiteral = (host: string): boolean => isIP(host.endsWith(".") ? host.slice(0, -1) : host) !== 0

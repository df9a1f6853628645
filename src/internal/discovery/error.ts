import { Data } from "effect"

/**
 * Why discovery failed:
 *
 * - `InvalidAddress`: a static entry or a resolver server is not `host:port`,
 *   `[v6]:port`, an IP literal or a hostname (found when the layer is built).
 * - `InvalidOptions`: a DNS option is out of range (port, timeout, name).
 * - `InvalidConfig`: the environment / `Config` could not be read.
 * - `ResolveFailed`: the resolver answered with an error (SERVFAIL, REFUSED,
 *   connection refused, ...). A name that does not exist, or has no records,
 *   is not a failure: it is an empty list.
 * - `Timeout`: no answer within `timeoutMillis`.
 * - `SourceFailed`: the source itself could not be used: the key-value store
 *   failed, a members file cannot be read, the multicast socket cannot be
 *   opened. `cause` holds the underlying error.
 */
export type DiscoveryErrorReason =
  | "InvalidAddress"
  | "InvalidOptions"
  | "InvalidConfig"
  | "ResolveFailed"
  | "Timeout"
  | "SourceFailed"

/** Discovery failed or was misconfigured; `reason` says which way. */
export class DiscoveryError extends Data.TaggedError("DiscoveryError")<{
  readonly reason: DiscoveryErrorReason
  readonly message: string
  /** The entry, name or server the error is about, when there is one. */
  readonly input?: string
  readonly cause?: unknown
}> {}

/**
 * The transport's error and the constructors the implementations share.
 *
 * The class lives here rather than in `src/Transport.ts` so that the
 * implementations can construct it without importing the public module
 * that imports them (an ESM cycle); `src/Transport.ts` re-exports it.
 *
 * @internal
 */
import { Data } from "effect"
import type { Address } from "../../Transport.js"
import { formatAddress } from "../swim/messages.js"

/** Why a transport operation failed. */
export class TransportError extends Data.TaggedError("TransportError")<{
  readonly reason: "BindFailed" | "SendFailed" | "ConnectFailed" | "Timeout" | "StreamFailed" | "Closed"
  readonly message: string
  readonly cause?: unknown
}> {}

const describe = (cause: unknown): string =>
  cause instanceof Error ? `: ${cause.message}` : cause === undefined ? "" : `: ${String(cause)}`

/** Binding `address` failed (busy port, address not on this host, ...). */
export const bindFailed = (address: Address, cause?: unknown): TransportError =>
  new TransportError({ reason: "BindFailed", message: `cannot bind ${formatAddress(address)}${describe(cause)}`, cause })

/** A datagram to `to` was refused by the operating system. */
export const sendFailed = (to: Address, cause?: unknown): TransportError =>
  new TransportError({ reason: "SendFailed", message: `cannot send a packet to ${formatAddress(to)}${describe(cause)}`, cause })

/** A stream to `to` could not be opened. */
export const connectFailed = (to: Address, cause?: unknown): TransportError =>
  new TransportError({ reason: "ConnectFailed", message: `cannot connect to ${formatAddress(to)}${describe(cause)}`, cause })

/** A stream to `to` was not opened within `millis`. */
export const connectTimeout = (to: Address, millis: number): TransportError =>
  new TransportError({ reason: "Timeout", message: `connecting to ${formatAddress(to)} timed out after ${millis} ms` })

/** An open stream with `remote` broke. */
export const streamFailed = (remote: Address, cause?: unknown): TransportError =>
  new TransportError({ reason: "StreamFailed", message: `stream with ${formatAddress(remote)} failed${describe(cause)}`, cause })

/** The stream or the transport was closed by this side. */
export const closed = (what: string): TransportError =>
  new TransportError({ reason: "Closed", message: `${what} is closed` })

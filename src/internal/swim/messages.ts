/**
 * The protocol messages the SWIM core reads and writes.
 *
 * They mirror HashiCorp memberlist's wire structs one to one (same fields,
 * same meaning) so the codec in `internal/wire` maps onto them without
 * translation. Addresses are kept as an IP string and a port here; the codec
 * turns the IP into the 4 or 16 raw bytes memberlist puts on the wire.
 *
 * @internal
 */

/** A host (an IPv4 or IPv6 literal) and a UDP/TCP port. */
export interface Address {
  readonly host: string
  readonly port: number
}

/** Renders an address as `host:port` (`[v6]:port` for IPv6). */
export const formatAddress = (address: Address): string =>
  address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`

/** Two addresses name the same endpoint. */
export const sameAddress = (a: Address, b: Address): boolean =>
  // Most calls (every alive a storm delivers) compare a record's address with the very object it came from.
  a === b || (a.host === b.host && a.port === b.port)

/** memberlist's node states, with its numeric values on the wire. */
export const NodeState = { Alive: 0, Suspect: 1, Dead: 2, Left: 3 } as const
/** A member's state as memberlist numbers it. */
export type NodeState = (typeof NodeState)[keyof typeof NodeState]

/**
 * Protocol and delegate version ranges, in memberlist's order:
 * `[pMin, pMax, pCur, dMin, dMax, dCur]`.
 */
export type Versions = readonly [number, number, number, number, number, number]

/** A direct probe. `node` names the intended target so a restarted process under a new name ignores it. */
export interface Ping {
  readonly _tag: "Ping"
  readonly seqNo: number
  readonly node: string
  readonly source?: { readonly address: Address; readonly node: string } | undefined
}

/** A request to probe `node` on the sender's behalf. */
export interface IndirectPing {
  readonly _tag: "IndirectPing"
  readonly seqNo: number
  readonly target: Address
  readonly node: string
  readonly nack: boolean
  readonly source?: { readonly address: Address; readonly node: string } | undefined
}

/** The answer to a ping (direct, relayed or over a stream). */
export interface Ack {
  readonly _tag: "Ack"
  readonly seqNo: number
  readonly payload: Uint8Array
}

/** A relay's report that it asked the target and heard nothing in time. */
export interface Nack {
  readonly _tag: "Nack"
  readonly seqNo: number
}

/** `from` suspects `node` at `incarnation`. */
export interface Suspect {
  readonly _tag: "Suspect"
  readonly incarnation: number
  readonly node: string
  readonly from: string
}

/** `node` is alive at `incarnation`, reachable at `address`, with metadata and versions. */
export interface Alive {
  readonly _tag: "Alive"
  readonly incarnation: number
  readonly node: string
  readonly address: Address
  readonly meta: Uint8Array
  readonly versions: Versions
}

/** `node` is dead at `incarnation`; when `from === node` it left on its own. */
export interface Dead {
  readonly _tag: "Dead"
  readonly incarnation: number
  readonly node: string
  readonly from: string
}

/** Opaque application bytes (memberlist's user message). */
export interface User {
  readonly _tag: "User"
  readonly payload: Uint8Array
}

/** An error relayed from the remote end of a stream. */
export interface ErrorResponse {
  readonly _tag: "ErrorResponse"
  readonly error: string
}

/** The messages that travel in UDP packets (possibly several in one compound packet). */
export type PacketMessage = Ping | IndirectPing | Ack | Nack | Suspect | Alive | Dead | User | ErrorResponse

/** One member's entry in a push/pull exchange. */
export interface PushNodeState {
  readonly name: string
  readonly address: Address
  readonly meta: Uint8Array
  readonly incarnation: number
  readonly state: NodeState
  readonly versions: Versions
}

/** A full-state exchange: sent by the initiator and answered in kind. */
export interface PushPull {
  readonly _tag: "PushPull"
  readonly join: boolean
  readonly states: ReadonlyArray<PushNodeState>
  readonly userState: Uint8Array
}

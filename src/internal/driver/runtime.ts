/**
 * What a driver needs from the world it runs in. The Node shell implements
 * it with sockets, the Effect clock and fibers; the simulator with virtual
 * time and a simulated network. Every method is synchronous: a method that
 * starts I/O (a stream exchange, a discovery) hands the result back later as
 * a new input to the same driver.
 *
 * @internal
 */
import type { MembershipEvent, Output, Timer } from "../swim/io.js"
import type { Address, PacketMessage, PushNodeState } from "../swim/messages.js"
import type { Observation } from "../swim/observation.js"

/** A packet the core wants sent. */
export type SendPacket = Extract<Output, { readonly _tag: "SendPacket" }>

/** An input the core rejected or could not use, with why. */
export type Dropped = Extract<Output, { readonly _tag: "Dropped" }>

/** The world a driver performs the core's outputs in. */
export interface Runtime {
  /** The current time in ms (real or virtual): the `now` of every step. */
  readonly now: () => number
  /** Sends one packet, best effort. */
  readonly send: (packet: SendPacket) => void
  /**
   * Pings `to` over a stream; an ack comes back as a `Received` input with
   * `via: "stream"`. Nothing comes back on failure or after `deadline`.
   */
  readonly streamPing: (to: Address, ping: PacketMessage, deadline: number) => void
  /**
   * Starts a push/pull with `to`; the answer comes back as a
   * `PushPullResponse` input, a failure as `PushPullFailed`, both with `token`.
   */
  readonly pushPull: (to: Address, join: boolean, states: ReadonlyArray<PushNodeState>, token: number) => void
  /** Hands `timer` back as a `TimerFired` input at time `at`. */
  readonly schedule: (at: number, timer: Timer) => void
  /** Publishes a membership event to the application. */
  readonly publish: (event: MembershipEvent) => void
  /** Delivers a user message to the application; `origin` names its broadcaster, `sender` the member that sent it, when known. */
  readonly deliver: (from: Address, payload: Uint8Array, origin: string | undefined, sender: string | undefined) => void
  /**
   * Hands a push/pull's application state to the application; nothing comes
   * back. The local state a push/pull sends is the runtime's to supply.
   */
  readonly mergeAppState: (state: Uint8Array, join: boolean) => void
  /** Asks discovery for addresses; the answer comes back as a `Discovered` input. */
  readonly discover: () => void
  /** An input the core ignored: count it, log it. */
  readonly dropped: (dropped: Dropped) => void
  /** A fact for telemetry (histograms, spans); a runtime that keeps none leaves this out. */
  readonly observe?: ((observation: Observation) => void) | undefined
}

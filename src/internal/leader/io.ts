/**
 * What goes into an election machine and what comes out of it. Like the
 * SWIM core, the machine is a state and a step function: no clock (each
 * step is given `now`), no sockets (it asks for messages to be sent), and
 * timers are data that come back as inputs; a timer whose token no longer
 * matches is ignored, so none is ever cancelled.
 *
 * @internal
 */
import type { ElectionMessage } from "./messages.js"

/** A timer the machine asked for. */
export type ElectionTimer =
  /** The election deadline may have passed (the machine checks and sets it again if not). */
  | { readonly _tag: "ElectionTimeout"; readonly token: number }
  /** A leader's next round of heartbeats. */
  | { readonly _tag: "HeartbeatTick"; readonly token: number }

/** Everything that can happen to an election machine. */
export type ElectionInput =
  /** Begin: arm the first election deadline. */
  | { readonly _tag: "Start" }
  | { readonly _tag: "TimerFired"; readonly timer: ElectionTimer }
  /** A message from the member named `from`. */
  | { readonly _tag: "Received"; readonly from: string; readonly message: ElectionMessage }
  /**
   * The members this one now sees alive and able to take part (suspects
   * included: they are not declared dead yet), itself included while it
   * takes part. Without itself, it stands for nothing and votes for no one.
   */
  | { readonly _tag: "ViewChanged"; readonly members: Iterable<string> }

/** What the machine asks of its shell. */
export type ElectionOutput =
  | { readonly _tag: "Send"; readonly to: string; readonly message: ElectionMessage }
  | { readonly _tag: "SetTimer"; readonly at: number; readonly timer: ElectionTimer }
  /** The leader this member knows changed: a name (itself, when it leads) or none, in `term`. */
  | { readonly _tag: "LeaderChanged"; readonly leader: string | undefined; readonly term: number }

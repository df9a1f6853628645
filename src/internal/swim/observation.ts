/**
 * Facts the core reports for telemetry only: when a probe started and how
 * it ended, how long a member that died had been suspected, how long a join
 * took to learn the cluster. They change nothing; the shell turns them into
 * histograms and spans, and a runtime that keeps no telemetry ignores them.
 * Times are differences of the `now`s the core was given, in ms.
 *
 * @internal
 */
import type { Address } from "./messages.js"
import type { Step } from "./state.js"

/** One fact. */
export type Observation =
  /** The round robin's probe of `target` sent its ping. One is in flight at a time. */
  | { readonly _tag: "ProbeStarted"; readonly seqNo: number; readonly target: string; readonly address: Address }
  /**
   * The probe `seqNo` ended: acked (by the first ack, whichever path brought
   * it) or failed (no ack by the next tick). `elapsed` runs from its ping;
   * `indirect` says whether the indirect probes had gone out by then.
   */
  | {
    readonly _tag: "ProbeEnded"
    readonly seqNo: number
    readonly target: string
    readonly acked: boolean
    readonly elapsed: number
    readonly indirect: boolean
  }
  /** A member this node held suspect was declared dead, `suspectedFor` after it became suspect here. */
  | { readonly _tag: "SuspectDied"; readonly node: string; readonly suspectedFor: number }
  /** The pending join merged its first seed's state, `elapsed` after the join started. */
  | { readonly _tag: "JoinMerged"; readonly elapsed: number }

/** Reports `observation`. */
export const observe = (step: Step, observation: Observation): void => {
  step.out.push({ _tag: "Observed", observation })
}

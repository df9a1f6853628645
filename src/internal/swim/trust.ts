/**
 * Where a claim about a member came from, and how far it is believed.
 *
 * @internal
 */
import type { Step } from "./state.js"

/**
 * Where a claim about a member came from:
 * - `self`: this node's own start;
 * - `own`: the member speaking for itself (a packet from its own address);
 * - `answer`: the answer to a push/pull this node started, with a peer it chose;
 * - `request`: a push/pull a peer opened with us;
 * - `relayed`: gossip passed on by another member.
 */
export type Origin = "self" | "own" | "answer" | "request" | "relayed"

/** A claim that was not taken at its word: counted (the shell's drop metric, reason `Unconfirmed`) and logged. */
export const reportUnconfirmed = (step: Step, detail: string, count = 1): void => {
  step.out.push({ _tag: "Dropped", reason: "Unconfirmed", detail, count })
}

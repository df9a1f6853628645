/**
 * Leader election as Raft runs it, without the log, over SWIM's view of
 * who is alive (zgroup's design): terms, one vote per term, randomised
 * election timeouts, a pre-vote before each election, heartbeats from the
 * leader, step-down on a higher term. `make` a state, `step` it with each
 * input and `now`, and perform the outputs. Pure and deterministic: no
 * clock, no sockets, randomness from the seed given to `make`.
 *
 * @internal
 */
import { handleInput } from "./dispatch.js"
import type { ElectionInput, ElectionOutput } from "./io.js"
import { currentLeader, type ElectionState, type Step } from "./state.js"

export { make } from "./state.js"
export type { ElectionState } from "./state.js"

/** Advances `state` by one input at time `now` (ms) and returns what to do. Mutates `state`. */
export const step = (state: ElectionState, input: ElectionInput, now: number): Array<ElectionOutput> => {
  const s: Step = { state, now, out: [] }
  handleInput(s, input)
  announce(s)
  return s.out
}

/** Tells the shell when the leader it would name, or the term, changed in this step. */
const announce = (step: Step): void => {
  const state = step.state
  const leader = currentLeader(state)
  if (leader === state.announcedLeader && state.term === state.announcedTerm) return
  state.announcedLeader = leader
  state.announcedTerm = state.term
  step.out.push({ _tag: "LeaderChanged", leader, term: state.term })
}

/** The leader this member names now and its term. */
export const leaderOf = (state: ElectionState): { readonly leader: string | undefined; readonly term: number } => ({
  leader: currentLeader(state),
  term: state.term
})

/**
 * Terms only go up. A member that sees a higher term than its own adopts
 * it and follows, with no vote cast and no leader known yet in it; a
 * leader or candidate of an older term steps down.
 *
 * @internal
 */
import { resetElectionDeadline } from "./deadlines.js"
import type { Step } from "./state.js"

/** Moves to `term` (above the current one) as a follower that knows no leader there. */
export const adoptTerm = (step: Step, term: number): void => {
  const state = step.state
  const wasLeader = state.role === "leader"
  state.term = term
  state.votedFor = undefined
  state.leader = undefined
  state.leaderHeardAt = -Infinity
  state.role = "follower"
  state.round = undefined
  if (wasLeader) resetElectionDeadline(step)
}

/** Adopts `term` when it is above ours; true when it did. */
export const noticeTerm = (step: Step, term: number): boolean => {
  if (term <= step.state.term) return false
  adoptTerm(step, term)
  return true
}

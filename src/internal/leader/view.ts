/**
 * The membership view, as SWIM keeps it, decides who may stand and vote:
 * only members seen alive. A follower whose leader leaves the view (left,
 * or declared dead) stops naming it and asks for an election soon, without
 * waiting out a whole timeout; a leader that no longer sees itself in its
 * view (it left) steps down.
 *
 * @internal
 */
import { drawTimeout, resetElectionDeadline, setElectionDeadline } from "./deadlines.js"
import { participates, type Step } from "./state.js"

/** The members seen alive are now `members`. */
export const onViewChanged = (step: Step, members: Iterable<string>): void => {
  const state = step.state
  state.view = new Set(members)
  if (state.role === "leader" && !participates(state)) {
    state.role = "follower"
    state.leader = undefined
    resetElectionDeadline(step)
    return
  }
  if (state.role === "follower" && state.leader !== undefined && !state.view.has(state.leader)) {
    state.leader = undefined
    state.leaderHeardAt = -Infinity
    // Spread over the timeouts' width, so the members that learn it together do not all stand at once.
    setElectionDeadline(step, step.now + drawTimeout(state) - state.config.electionTimeoutMin)
  }
}

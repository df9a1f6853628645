/**
 * Heartbeats: the leader tells every member it sees, every heartbeat
 * interval, that it leads its term. A member that hears one of its own
 * term or a later one follows the sender and puts its election deadline
 * off; one that hears an older term answers with its own, so a leader cut
 * off for a while learns it was replaced and steps down.
 *
 * @internal
 */
import { scheduleHeartbeat, resetElectionDeadline } from "./deadlines.js"
import { sendToOthers } from "./candidacy.js"
import type { Step } from "./state.js"
import { noticeTerm } from "./terms.js"

/** The heartbeat tick `token` fired. */
export const heartbeatTick = (step: Step, token: number): void => {
  const state = step.state
  if (token !== state.heartbeatToken || state.role !== "leader") return
  sendToOthers(step, { _tag: "Heartbeat", term: state.term })
  scheduleHeartbeat(step)
}

/** `from` says it leads `term`. */
export const onHeartbeat = (step: Step, from: string, term: number): void => {
  const state = step.state
  if (term < state.term) {
    step.out.push({ _tag: "Send", to: from, message: { _tag: "Stale", term: state.term } })
    return
  }
  noticeTerm(step, term)
  state.round = undefined
  if (state.role === "leader") {
    // Two leaders in one term (members that disagreed on who is alive): neither keeps it, and the next
    // election, in a higher term, settles it. The other may already have stepped down for the same reason.
    state.role = "follower"
    state.leader = undefined
    resetElectionDeadline(step)
    return
  }
  state.role = "follower"
  state.leader = from
  state.leaderHeardAt = step.now
  resetElectionDeadline(step)
}

/** `from` answered a heartbeat of ours with a later term. */
export const onStale = (step: Step, term: number): void => {
  noticeTerm(step, term)
}

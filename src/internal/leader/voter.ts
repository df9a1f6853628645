/**
 * Answering pre-votes and votes. A member grants only when it has not
 * heard from a leader within the shortest election timeout (a live leader
 * keeps its place: this also keeps a member that lost a few heartbeats
 * from unseating it), sees the asker alive, and sees no more members than
 * the asker does (an asker that knows fewer members would win with a
 * quorum too small). A vote, unlike a pre-vote, is given once per term.
 *
 * @internal
 */
import { resetElectionDeadline } from "./deadlines.js"
import type { ElectionMessage } from "./messages.js"
import { type ElectionState, participates, type Step } from "./state.js"
import { noticeTerm } from "./terms.js"

/** Whether a leader is live as far as this member knows: itself, or one heard within the shortest timeout. */
const leaderLive = (step: Step): boolean => {
  const state = step.state
  return state.role === "leader" || step.now - state.leaderHeardAt < state.config.electionTimeoutMin
}

/** Whether `candidate`, seeing `size` members, may have this member's support at all. */
const supports = (state: ElectionState, candidate: string, size: number): boolean =>
  participates(state) && state.view.has(candidate) && size >= state.view.size

/**
 * Answers `to`; a leader also tells it who leads, since an asker it does not
 * heartbeat (one it does not yet see alive: a newcomer, or a member back from
 * a partition) would otherwise wait until SWIM brings them together.
 */
const reply = (step: Step, to: string, message: ElectionMessage): void => {
  step.out.push({ _tag: "Send", to, message })
  const state = step.state
  if (state.role === "leader") step.out.push({ _tag: "Send", to, message: { _tag: "Heartbeat", term: state.term } })
}

/** `from` asks whether it could win `term + 1`. Changes nothing here. */
export const onPreVote = (step: Step, from: string, term: number, size: number): void => {
  const state = step.state
  const granted = term >= state.term && !leaderLive(step) && supports(state, from, size)
  reply(step, from, { _tag: "PreVoteReply", term: state.term, round: term, granted })
}

/** `from` asks for this member's vote in `term`. */
export const onVote = (step: Step, from: string, term: number, size: number): void => {
  const state = step.state
  // A member that hears a live leader neither moves to the asker's term nor votes.
  if (leaderLive(step)) {
    reply(step, from, { _tag: "VoteReply", term: state.term, granted: false })
    return
  }
  noticeTerm(step, term)
  const granted = term === state.term && (state.votedFor === undefined || state.votedFor === from) &&
    supports(state, from, size)
  if (granted) {
    // A pre-candidate that votes for another gives up its own round: it would only split the vote.
    state.votedFor = from
    state.role = "follower"
    state.round = undefined
    resetElectionDeadline(step)
  }
  reply(step, from, { _tag: "VoteReply", term: state.term, granted })
}

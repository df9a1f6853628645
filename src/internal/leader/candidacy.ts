/**
 * Standing for election. When its deadline passes, a member first asks
 * for a pre-vote at its current term; only with a majority of the members
 * it sees (itself included) does it move to the next term and ask for
 * real votes, and with a majority of those it leads. A round that has not
 * won by the next deadline starts over with a new pre-vote.
 *
 * @internal
 */
import { resetElectionDeadline, startHeartbeats } from "./deadlines.js"
import type { ElectionMessage } from "./messages.js"
import { participates, quorum, type Step } from "./state.js"
import { noticeTerm } from "./terms.js"

/** Sends `message` to every member of the view but this one. */
export const sendToOthers = (step: Step, message: ElectionMessage): void => {
  const { self, view } = step.state
  for (const member of view) if (member !== self) step.out.push({ _tag: "Send", to: member, message })
}

/** The deadline passed without a word from a leader: ask for a pre-vote. */
export const electionDue = (step: Step): void => {
  const state = step.state
  resetElectionDeadline(step)
  // A leader that went silent is no longer one this member can name.
  state.leader = undefined
  if (!participates(state)) return
  state.role = "precandidate"
  state.round = { size: state.view.size, granted: new Set([state.self]) }
  sendToOthers(step, { _tag: "PreVote", term: state.term, size: state.round.size })
  preVoteCounted(step)
}

/** A pre-vote answer from `from`. */
export const onPreVoteReply = (step: Step, from: string, term: number, round: number, granted: boolean): void => {
  const state = step.state
  if (noticeTerm(step, term)) return
  if (state.role !== "precandidate" || round !== state.term || !granted || !state.view.has(from)) return
  state.round?.granted.add(from)
  preVoteCounted(step)
}

const preVoteCounted = (step: Step): void => {
  const round = step.state.round
  if (round !== undefined && round.granted.size >= quorum(round.size)) startElection(step)
}

/** Moves to the next term and asks for votes. */
const startElection = (step: Step): void => {
  const state = step.state
  state.term++
  state.votedFor = state.self
  state.role = "candidate"
  state.leader = undefined
  state.leaderHeardAt = -Infinity
  state.round = { size: state.view.size, granted: new Set([state.self]) }
  resetElectionDeadline(step)
  sendToOthers(step, { _tag: "Vote", term: state.term, size: state.round.size })
  voteCounted(step)
}

/** A vote answer from `from`. */
export const onVoteReply = (step: Step, from: string, term: number, granted: boolean): void => {
  const state = step.state
  if (noticeTerm(step, term)) return
  if (state.role !== "candidate" || term !== state.term || !granted || !state.view.has(from)) return
  state.round?.granted.add(from)
  voteCounted(step)
}

const voteCounted = (step: Step): void => {
  const round = step.state.round
  if (round !== undefined && round.granted.size >= quorum(round.size)) becomeLeader(step)
}

const becomeLeader = (step: Step): void => {
  const state = step.state
  state.role = "leader"
  state.leader = state.self
  state.round = undefined
  sendToOthers(step, { _tag: "Heartbeat", term: state.term })
  startHeartbeats(step)
}

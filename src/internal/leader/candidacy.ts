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
import { participates, quorum, type Role, type Step } from "./state.js"
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
  openRound(step, { _tag: "PreVote", term: state.term, size: state.view.size }, startElection)
}

/** A pre-vote answer from `from`. */
export const onPreVoteReply = (step: Step, from: string, term: number, round: number, granted: boolean): void => {
  if (noticeTerm(step, term)) return
  if (granted && round === step.state.term) grant(step, from, "precandidate", startElection)
}

/** Moves to the next term and asks for votes. */
const startElection = (step: Step): void => {
  const state = step.state
  state.term++
  state.votedFor = state.self
  state.role = "candidate"
  state.leader = undefined
  state.leaderHeardAt = -Infinity
  resetElectionDeadline(step)
  openRound(step, { _tag: "Vote", term: state.term, size: state.view.size }, becomeLeader)
}

/** A vote answer from `from`. */
export const onVoteReply = (step: Step, from: string, term: number, granted: boolean): void => {
  if (noticeTerm(step, term)) return
  if (granted && term === step.state.term) grant(step, from, "candidate", becomeLeader)
}

/** Starts a round among the members seen now, with this member's own grant, and asks the others. */
const openRound = (step: Step, ask: ElectionMessage & { readonly size: number }, won: (step: Step) => void): void => {
  const state = step.state
  state.round = { size: ask.size, granted: new Set([state.self]) }
  sendToOthers(step, ask)
  tally(step, won)
}

/** Counts `from`'s grant in the round a member in `role` runs; only members it sees count. */
const grant = (step: Step, from: string, role: Role, won: (step: Step) => void): void => {
  const state = step.state
  if (state.role !== role || state.round === undefined || !state.view.has(from)) return
  state.round.granted.add(from)
  tally(step, won)
}

const tally = (step: Step, won: (step: Step) => void): void => {
  const round = step.state.round
  if (round !== undefined && round.granted.size >= quorum(round.size)) won(step)
}

const becomeLeader = (step: Step): void => {
  const state = step.state
  state.role = "leader"
  state.leader = state.self
  state.round = undefined
  sendToOthers(step, { _tag: "Heartbeat", term: state.term })
  startHeartbeats(step)
}

/**
 * Routes each input of a step to the handler that owns it.
 *
 * @internal
 */
import { electionDue, onPreVoteReply, onVoteReply } from "./candidacy.js"
import { electionTimerFired, resetElectionDeadline } from "./deadlines.js"
import type { ElectionInput } from "./io.js"
import { heartbeatTick, onHeartbeat, onStale } from "./leadership.js"
import type { ElectionMessage } from "./messages.js"
import type { Step } from "./state.js"
import { onViewChanged } from "./view.js"
import { onPreVote, onVote } from "./voter.js"

/** Handles one input. Inputs before `Start` other than a view change are ignored. */
export const handleInput = (step: Step, input: ElectionInput): void => {
  const state = step.state
  if (input._tag === "ViewChanged") return onViewChanged(step, input.members)
  if (input._tag === "Start") {
    if (state.started) return
    state.started = true
    return resetElectionDeadline(step)
  }
  if (!state.started) return
  if (input._tag === "TimerFired") {
    const timer = input.timer
    if (timer._tag === "HeartbeatTick") return heartbeatTick(step, timer.token)
    if (electionTimerFired(step, timer.token)) electionDue(step)
    return
  }
  if (input.from !== state.self) received(step, input.from, input.message)
}

const received = (step: Step, from: string, message: ElectionMessage): void => {
  switch (message._tag) {
    case "PreVote":
      return onPreVote(step, from, message.term, message.size)
    case "PreVoteReply":
      return onPreVoteReply(step, from, message.term, message.round, message.granted)
    case "Vote":
      return onVote(step, from, message.term, message.size)
    case "VoteReply":
      return onVoteReply(step, from, message.term, message.granted)
    case "Heartbeat":
      return onHeartbeat(step, from, message.term)
    case "Stale":
      return onStale(step, message.term)
  }
}

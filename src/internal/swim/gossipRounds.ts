/**
 * The periodic gossip round's timer. A round fires every `gossipInterval`
 * while something is queued to gossip; a round that finds both broadcast
 * queues empty sets no next round and parks instead, remembering when it
 * fired. The first step that leaves something queued sets the next round at
 * the next point of the same grid (the parked time plus a whole number of
 * intervals, later than now), which is where the rounds would have fired
 * had they kept running: the rounds that are skipped are exactly those that
 * would have sent nothing and drawn no randomness (`gossipRound` returns
 * before drawing targets when nothing is queued). An idle member then wakes
 * for its probes alone, not five more times a second on the lan preset.
 *
 * While a leave waits for its announcement the rounds never park: each
 * round also checks whether anyone is left to tell.
 *
 * @internal
 */
import { nothingToGossip } from "./dissemination.js"
import { newToken, setTimer, type Step } from "./state.js"

/** Sets the next gossip round at `at`, replacing any round set before (its token goes stale). */
export const setGossipRound = (step: Step, at: number): void => {
  const { state } = step
  state.gossipParkedAt = undefined
  state.gossipTickToken = newToken(state)
  setTimer(step, at, { _tag: "GossipTick", token: state.gossipTickToken })
}

/**
 * After a round fired at `step.now`: sets the next one, or parks when it would have nothing to send.
 * True when a round is set (the caller then gossips).
 */
export const nextGossipRound = (step: Step): boolean => {
  const { state, now } = step
  if (nothingToGossip(state) && !state.leaveWaiting) {
    state.gossipParkedAt = now
    state.gossipTickToken = newToken(state)
    return false
  }
  setGossipRound(step, now + state.config.gossipInterval)
  return true
}

/** At the end of a step: sets the next round on the parked grid if the step left something to gossip. */
export const resumeGossip = (step: Step): void => {
  const { state, now } = step
  const parkedAt = state.gossipParkedAt
  if (parkedAt === undefined || state.status === "idle") return
  if (nothingToGossip(state) && !state.leaveWaiting) return
  const interval = state.config.gossipInterval
  // A round due exactly now already ran before this step's input (timers due go first) and sent nothing.
  setGossipRound(step, parkedAt + (Math.floor((now - parkedAt) / interval) + 1) * interval)
}

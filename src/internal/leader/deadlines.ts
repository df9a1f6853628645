/**
 * The election deadline and the heartbeat clock. One election timer is in
 * flight at a time: moving the deadline later only records it (the timer,
 * when it fires early, sets itself again for the new deadline), and only
 * moving it earlier sends a new timer, whose fresh token makes the old one
 * stale. So a follower hearing a heartbeat a second asks for no timer at all.
 *
 * @internal
 */
import { nextFloat } from "../swim/random.js"
import type { ElectionState, Step } from "./state.js"

/** A fresh election timeout, uniform in [min, max), in whole ms. */
export const drawTimeout = (state: ElectionState): number => {
  const { electionTimeoutMax: max, electionTimeoutMin: min } = state.config
  return min + Math.floor(nextFloat(state.rng) * (max - min))
}

/** Asks for an election at `at` unless something resets the deadline first. */
export const setElectionDeadline = (step: Step, at: number): void => {
  const state = step.state
  state.electionAt = at
  if (at >= state.electionTimerAt) return
  state.electionToken++
  state.electionTimerAt = at
  step.out.push({ _tag: "SetTimer", at, timer: { _tag: "ElectionTimeout", token: state.electionToken } })
}

/** A new deadline one election timeout from now. */
export const resetElectionDeadline = (step: Step): void => setElectionDeadline(step, step.now + drawTimeout(step.state))

/**
 * The election timer `token` fired: true when the deadline has passed and
 * an election is due; otherwise the timer is set again for the deadline
 * (if it is still the live one and the deadline is still wanted).
 */
export const electionTimerFired = (step: Step, token: number): boolean => {
  const state = step.state
  if (token !== state.electionToken) return false
  state.electionTimerAt = Infinity
  // A leader needs no deadline; it gets a new one when it steps down.
  if (state.role === "leader") return false
  if (step.now >= state.electionAt) return true
  setElectionDeadline(step, state.electionAt)
  return false
}

/** Starts a new heartbeat clock (stale ticks of an earlier one are ignored). */
export const startHeartbeats = (step: Step): void => {
  const state = step.state
  state.heartbeatToken++
  scheduleHeartbeat(step)
}

/** The next heartbeat tick of the current clock. */
export const scheduleHeartbeat = (step: Step): void => {
  const state = step.state
  step.out.push({
    _tag: "SetTimer",
    at: step.now + state.config.heartbeatInterval,
    timer: { _tag: "HeartbeatTick", token: state.heartbeatToken }
  })
}

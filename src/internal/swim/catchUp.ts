/**
 * The catch-up after a join: the next periodic push/pull is brought
 * forward to the moment the gossip that was in flight when we joined has
 * run its course.
 *
 * A member that joins learns the cluster as its seed knew it then. Members
 * that join the seed just after it are announced by gossip, but while that
 * gossip is young most members do not know the newcomer yet and never pick
 * it as a target, so it can miss an announcement entirely and wait for a
 * periodic push/pull (up to `pushPullInterval`, 30 s on a LAN) to learn
 * of that member: the join storm's tail. One push/pull with a random
 * member, once every update queued at our join has been sent its last
 * time, closes the gap for the price of one exchange per join.
 *
 * In a storm larger than the admission budgets (trust.ts) a member turns
 * away claims about names it cannot hold yet, and the peer its catch-up
 * picks may itself still be catching up: a member that turned away claims
 * between its join and its catch-up does one more, a catch-up delay later
 * (at most `maxFollowUps` per join, so claims cannot keep it pulling).
 * A member that turns claims away with no catch-up armed (a storm's seed,
 * which never joined) arms one, at most once per push/pull interval.
 *
 * @internal
 */
import { transmitLimit } from "./dissemination.js"
import { nextInt } from "./random.js"
import { clusterSize, newToken, setTimer, type Step } from "./state.js"

/** How long an update stays in the gossip queues: one send per gossip round, `transmitLimit` of them. */
export const catchUpDelay = (step: Step): number => {
  const c = step.state.config
  return c.gossipInterval * transmitLimit(c, clusterSize(step.state))
}

/** Catch-ups one join may add after the first when claims were turned away meanwhile. */
export const maxFollowUps = 1

/** The catch-up armed: its tick's token, the turned-away count when it was armed, follow-ups left. */
export interface PendingCatchUp {
  readonly token: number
  readonly turnedAway: number
  readonly followUps: number
}

/** Re-arms the periodic push/pull to fire one catch-up delay from now (jittered by a gossip interval); it keeps its period after. */
export const scheduleCatchUp = (step: Step, followUps: number = maxFollowUps): void => {
  const { state, now } = step
  const c = state.config
  if (c.pushPullInterval <= 0 || state.status !== "alive") return
  state.pushPullTickToken = newToken(state)
  setTimer(step, now + catchUpDelay(step) + nextInt(state.rng, c.gossipInterval), {
    _tag: "PushPullTick",
    token: state.pushPullTickToken
  })
  state.catchUp = { token: state.pushPullTickToken, turnedAway: state.admission.turnedAway, followUps }
  state.catchUpArmedAt = now
}

/**
 * This step turned claims about unknown members away. With no catch-up
 * armed and none armed within the last push/pull interval, one is: under a
 * flood of forged names that is one push/pull with a member (and its
 * follow-up) per interval more, no more.
 */
export const catchUpAfterTurningAway = (step: Step): void => {
  const { state, now } = step
  // A catch-up whose tick was re-armed by something else (a restart) no longer counts as armed.
  const armed = state.catchUp !== undefined && state.catchUp.token === state.pushPullTickToken
  if (armed || state.status !== "alive" || state.join !== undefined) return
  if (state.catchUpArmedAt !== undefined && now - state.catchUpArmedAt < state.config.pushPullInterval) return
  scheduleCatchUp(step)
}

/**
 * The push/pull tick `token` fired and started its exchange. When it was
 * the catch-up and claims were turned away since it was armed, one more
 * follows (within the join's follow-ups).
 */
export const catchUpFired = (step: Step, token: number): void => {
  const pending = step.state.catchUp
  if (pending === undefined || pending.token !== token) return
  step.state.catchUp = undefined
  if (pending.followUps > 0 && step.state.admission.turnedAway > pending.turnedAway) {
    scheduleCatchUp(step, pending.followUps - 1)
  }
}

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

/** Re-arms the periodic push/pull to fire one catch-up delay from now (jittered by a gossip interval); it keeps its period after. */
export const scheduleCatchUp = (step: Step): void => {
  const { state, now } = step
  const c = state.config
  if (c.pushPullInterval <= 0 || state.status !== "alive") return
  state.pushPullTickToken = newToken(state)
  setTimer(step, now + catchUpDelay(step) + nextInt(state.rng, c.gossipInterval), {
    _tag: "PushPullTick",
    token: state.pushPullTickToken
  })
}

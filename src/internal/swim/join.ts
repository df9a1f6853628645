/**
 * The join in progress: which push/pulls it waits on, how many seeds
 * answered or failed, and its deadline. One pending join is shared by every
 * join started while it runs (the API's and discovery's alike); a single
 * `JoinCompleted` answers them all.
 *
 * @internal
 */
import { scheduleCatchUp } from "./catchUp.js"
import { aliveAboutSelf } from "./membership.js"
import type { MemberRecord } from "./member.js"
import { NodeState } from "./messages.js"
import { observe } from "./observation.js"
import { sampleDistinct } from "./random.js"
import { sendPacket } from "./send.js"
import { ownPerInterval } from "./trust.js"
import { newToken, type PendingJoin, selfRecord, setTimer, type Step } from "./state.js"

/**
 * Most members a newcomer greets in person when its join completes, in a
 * view larger than `ownPerInterval`. Past it, the rest learn of the
 * newcomer by gossip and admit it after it answers their ping (trust.ts).
 */
export const maxJoinGreetings = 128

/**
 * The pending join, opened now if there is none: then its `JoinDeadline`
 * is set `joinTimeout` from now. A join that extends a pending one keeps
 * that deadline, so joins arriving back to back cannot postpone the answer
 * for ever.
 */
export const openJoin = (step: Step): PendingJoin => {
  const { state, now } = step
  if (state.join !== undefined) return state.join
  const deadlineToken = newToken(state)
  state.join = { outstanding: new Set(), contacted: 0, failed: 0, startedAt: now, deadlineToken }
  setTimer(step, now + state.config.joinTimeout, { _tag: "JoinDeadline", token: deadlineToken })
  return state.join
}

const complete = (step: Step, pending: PendingJoin): void => {
  step.state.join = undefined
  if (pending.contacted > 0) {
    greetMembers(step)
    scheduleCatchUp(step)
  }
  step.out.push({ _tag: "JoinCompleted", contacted: pending.contacted, failed: pending.failed })
}

/**
 * The join merged a seed's view: tell live members we exist, each in a
 * packet from our own address. A member that hears our alive from us
 * admits us at once (the `own` door of trust.ts); one that hears it first
 * from the seed's gossip holds us as a candidate and pings us, which costs
 * a ping and an ack per member where this costs one packet, and arrives a
 * gossip round or more later. We greet every member when the view fits in
 * one probe interval's `own` budget: a member then gets at most one
 * greeting from each other member, all of which that budget admits. In a
 * larger view we greet a sample of `maxJoinGreetings`: the greetings of a
 * storm's newcomers together would overflow the receivers' budgets, and
 * the surplus would only become candidates.
 */
const greetMembers = (step: Step): void => {
  const { state } = step
  const self = selfRecord(state)
  const greeted = (m: MemberRecord) =>
    m.name !== self.name && (m.state === NodeState.Alive || m.state === NodeState.Suspect)
  // Copied by `forEach`, not `Array.from(values())`: a generator's step per member made the copy most of the
  // greetings' own cost in a fresh process (each newcomer does this once, in the step that merges its seed's view).
  const members: Array<MemberRecord> = []
  state.members.forEach((m) => {
    members.push(m)
  })
  const targets = members.length - 1 <= ownPerInterval
    ? members.filter(greeted)
    : sampleDistinct(state.rng, members, maxJoinGreetings, greeted)
  // One messages array for every target: the shell encodes a packet once for a run of sends that share it.
  const greeting = [aliveAboutSelf(self)]
  for (const m of targets) sendPacket(step, m.address, greeting)
}

/**
 * The push/pull `token` ended: `ok` when the seed answered with states we
 * merged. A push/pull the pending join no longer waits on (its deadline
 * passed, or it was never a join's) settles nothing.
 */
export const settleJoin = (step: Step, token: number, ok: boolean): void => {
  const pending = step.state.join
  if (pending === undefined || !pending.outstanding.delete(token)) return
  if (ok) {
    pending.contacted++
    if (pending.contacted === 1) observe(step, { _tag: "JoinMerged", elapsed: step.now - pending.startedAt })
  } else {
    pending.failed++
  }
  if (pending.outstanding.size === 0) complete(step, pending)
}

/**
 * The join's deadline came: every seed that has not answered counts as
 * failed and the join completes. A deadline of an earlier join is stale
 * and does nothing.
 */
export const joinDeadlinePassed = (step: Step, token: number): void => {
  const pending = step.state.join
  if (pending === undefined || pending.deadlineToken !== token) return
  pending.failed += pending.outstanding.size
  pending.outstanding.clear()
  complete(step, pending)
}

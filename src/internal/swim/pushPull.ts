/**
 * Push/pull: full state exchanges, started by a join, by the periodic tick
 * or by contact with a member we hold dead, and answered when another node
 * starts one. Remote state is merged only when its members' versions can
 * share a cluster with ours (memberlist's `verifyProtocol`).
 *
 * @internal
 */
import type { Address, PushNodeState } from "./messages.js"
import { NodeState } from "./messages.js"
import { mergeRemoteStates } from "./membership.js"
import { catchUpFired } from "./catchUp.js"
import { settleJoin } from "./join.js"
import { sampleDistinct } from "./random.js"
import { clusterSize, localStates, newToken, setTimer, type Step } from "./state.js"
import { invalidPushState } from "./validate.js"
import { describeIncompatibility, verifyProtocol } from "./versions.js"

/** memberlist scales the push/pull interval up beyond 32 members so full-state traffic stays flat. */
const pushPullScale = (interval: number, n: number): number => {
  const threshold = 32
  if (n <= threshold) return interval
  const multiplier = Math.ceil(Math.log2(n) - Math.log2(threshold)) + 1
  return interval * multiplier
}

/** Starts a push/pull with `to`; the answer comes back as PushPullResponse or PushPullFailed with the token. */
export const startPushPull = (step: Step, to: Address, join: boolean): number => {
  const { state } = step
  const token = newToken(state)
  state.pushPulls.set(token, { to, join })
  step.out.push({ _tag: "PushPullStart", to, join, states: localStates(state), token })
  return token
}

/** `states` without its malformed entries, each reported; `states` itself when all are valid (a full state is 10^4 entries at scale). */
const validStates = (step: Step, states: ReadonlyArray<PushNodeState>): ReadonlyArray<PushNodeState> => {
  const maxMetaSize = step.state.config.maxMetaSize
  let ok: Array<PushNodeState> | undefined
  for (let i = 0; i < states.length; i++) {
    const s = states[i] as PushNodeState
    const problem = invalidPushState(s, maxMetaSize)
    if (problem === undefined) {
      ok?.push(s)
      continue
    }
    ok ??= states.slice(0, i)
    step.out.push({ _tag: "Dropped", reason: "Malformed", detail: `push/pull entry: ${problem}` })
  }
  return ok ?? states
}

/** The merge filter's verdict on `states` (a filter that throws refuses: a broken policy admits no one). */
const mergeRefusal = (step: Step, states: ReadonlyArray<PushNodeState>, join: boolean): string | undefined => {
  const filter = step.state.config.filterMerge
  if (filter === undefined) return undefined
  try {
    return filter(states, join)
  } catch (error) {
    return `filterMerge threw: ${String(error)}`
  }
}

/** Hands non-empty application state to the application, within its bound. */
const mergeAppState = (step: Step, userState: Uint8Array | undefined, join: boolean): void => {
  if (!(userState instanceof Uint8Array) || userState.length === 0) return
  const limit = step.state.config.maxAppStateSize
  if (userState.length > limit) {
    step.out.push({ _tag: "Dropped", reason: "AppStateTooLarge", detail: `application state of ${userState.length} bytes, over ${limit}` })
    return
  }
  step.out.push({ _tag: "MergeAppState", state: userState, join })
}

/**
 * Merges remote states if every member, theirs and ours, can speak with
 * every other (memberlist's `verifyProtocol`) and the merge filter admits
 * them; otherwise merges nothing and reports it. Application state follows
 * the membership it came with. Returns whether they were merged.
 */
const mergeIfCompatible = (
  step: Step,
  states: ReadonlyArray<PushNodeState>,
  userState: Uint8Array | undefined,
  join: boolean,
  origin: "answer" | "request",
  peer: Address
): boolean => {
  const remote = validStates(step, states)
  const incompatible = verifyProtocol(step.state.members, remote)
  if (incompatible !== undefined) {
    step.out.push({ _tag: "Dropped", reason: "IncompatibleVersions", detail: describeIncompatibility(incompatible) })
    return false
  }
  const refused = mergeRefusal(step, remote, join)
  if (refused !== undefined) {
    step.out.push({ _tag: "Dropped", reason: "MergeRefused", detail: `push/pull of ${remote.length} states: ${refused}` })
    return false
  }
  // A newcomer's first view is its seed's, which that cluster already spreads: re-gossiping every entry
  // (what memberlist does) sent news to no one and filled its packets for the whole join phase. A member
  // that knew others before (a join that merges two clusters) spreads what it learns, as before.
  const firstView = join && origin === "answer" && step.state.members.size === 1
  mergeRemoteStates(step, remote, origin, peer, !firstView)
  mergeAppState(step, userState, join)
  return true
}

/** A remote node opened a push/pull: answer with our state (memberlist sends it before checking theirs), then merge theirs. */
export const pushPullRequested = (
  step: Step,
  states: ReadonlyArray<PushNodeState>,
  replyTo: number,
  join: boolean,
  userState: Uint8Array | undefined,
  from: Address
): void => {
  step.out.push({ _tag: "PushPullReply", replyTo, states: localStates(step.state) })
  mergeIfCompatible(step, states, userState, join, "request", from)
}

/**
 * Our push/pull got its answer. For a join, the seed counts as contacted
 * only if its states could be merged. An answer that comes after the join's
 * deadline is still merged, but settles nothing.
 */
export const pushPullAnswered = (
  step: Step,
  token: number,
  states: ReadonlyArray<PushNodeState>,
  userState: Uint8Array | undefined
): void => {
  const pending = step.state.pushPulls.get(token)
  if (pending === undefined) {
    step.out.push({ _tag: "Dropped", reason: "NotRunning", detail: "answer to an unknown push/pull" })
    return
  }
  step.state.pushPulls.delete(token)
  settleJoin(step, token, mergeIfCompatible(step, states, userState, pending.join, "answer", pending.to))
}

/** Our push/pull failed. */
export const pushPullFailed = (step: Step, token: number): void => {
  if (!step.state.pushPulls.delete(token)) return
  settleJoin(step, token, false)
}

/** The periodic push/pull with one random alive member. */
export const pushPullTick = (step: Step, token: number): void => {
  const { state, now } = step
  if (token !== state.pushPullTickToken || state.status !== "alive" || state.config.pushPullInterval <= 0) return
  state.pushPullTickToken = newToken(state)
  setTimer(step, now + pushPullScale(state.config.pushPullInterval, clusterSize(state)), {
    _tag: "PushPullTick",
    token: state.pushPullTickToken
  })
  const [peer] = sampleDistinct(state.rng, state.probeOrder, 1, (m) =>
    m.name !== state.config.name && m.state === NodeState.Alive)
  if (peer !== undefined) startPushPull(step, peer.address, false)
  catchUpFired(step, token)
}

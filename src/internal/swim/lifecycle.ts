/**
 * A node's life: start, join (and rejoin), push/pull state exchange, leave,
 * metadata updates, and the periodic gossip and push/pull ticks.
 *
 * @internal
 */
import { broadcastMembership, broadcastUser, completeLeave, gossipRound } from "./dissemination.js"
import type { Address, PushNodeState } from "./messages.js"
import { NodeState, sameAddress } from "./messages.js"
import { announceSelf, handleAlive, mergeRemoteStates } from "./membership.js"
import { toMember } from "./member.js"
import { nextInt, sampleDistinct } from "./random.js"
import {
  clusterSize,
  type CoreState,
  emit,
  localStates,
  newToken,
  selfRecord,
  setTimer,
  type Step
} from "./state.js"
import { decodeEnvelope, encodeEnvelope, markSeen } from "./userBroadcast.js"
import { invalidPushState } from "./validate.js"

/** memberlist scales the push/pull interval up beyond 32 members so full-state traffic stays flat. */
export const pushPullScale = (interval: number, n: number): number => {
  const threshold = 32
  if (n <= threshold) return interval
  const multiplier = Math.ceil(Math.log2(n) - Math.log2(threshold)) + 1
  return interval * multiplier
}

/** (Re)starts the periodic timers, each at a random offset within its period so nodes do not tick in step. */
const scheduleTicks = (step: Step): void => {
  const { state, now } = step
  const c = state.config
  state.probeTickToken = newToken(state)
  setTimer(step, now + nextInt(state.rng, c.probeInterval), { _tag: "ProbeTick", token: state.probeTickToken })
  state.gossipTickToken = newToken(state)
  setTimer(step, now + nextInt(state.rng, c.gossipInterval), { _tag: "GossipTick", token: state.gossipTickToken })
  if (c.pushPullInterval > 0) {
    state.pushPullTickToken = newToken(state)
    setTimer(step, now + nextInt(state.rng, c.pushPullInterval), { _tag: "PushPullTick", token: state.pushPullTickToken })
  }
}

/** Start: this node is alive at incarnation 1 and its timers run. */
export const start = (step: Step): void => {
  const { state, now } = step
  if (state.status !== "idle") {
    step.out.push({ _tag: "Dropped", reason: "Rejected", detail: "already started" })
    return
  }
  const c = state.config
  state.status = "alive"
  handleAlive(step, {
    _tag: "Alive",
    incarnation: 1,
    node: c.name,
    address: c.address,
    meta: c.meta,
    versions: c.versions
  }, true)
  selfRecord(state).stateChangedAt = now
  scheduleTicks(step)
  emit(step, { _tag: "LocalStatus", status: "alive", incarnation: 1, cause: "started" })
}

/** Starts a push/pull with `to`; the answer comes back as PushPullResponse or PushPullFailed with the token. */
export const startPushPull = (step: Step, to: Address, join: boolean): number => {
  const { state } = step
  const token = newToken(state)
  state.pushPulls.set(token, { to, join })
  step.out.push({ _tag: "PushPullStart", to, join, states: localStates(state), token })
  return token
}

/** Join (or, after a leave, rejoin) through the seeds: a full state exchange with each. */
export const join = (step: Step, seeds: ReadonlyArray<Address>): void => {
  const { state, now } = step
  if (state.status === "idle") {
    step.out.push({ _tag: "Dropped", reason: "NotRunning", detail: "join before start" })
    return
  }
  if (state.status === "leaving" || state.status === "left") {
    // Rejoin: come back above the incarnation we left at, so everyone takes it over the leave.
    const self = selfRecord(state)
    state.status = "alive"
    state.leaveWaiting = false
    self.incarnation = Math.min(self.incarnation + 1, 0xffffffff)
    self.state = NodeState.Alive
    self.stateChangedAt = now
    announceSelf(step)
    scheduleTicks(step)
    emit(step, { _tag: "LocalStatus", status: "alive", incarnation: self.incarnation, cause: "rejoined" })
  }
  const targets = seeds.filter((s) => !sameAddress(s, state.config.address))
  if (targets.length === 0) {
    step.out.push({ _tag: "JoinCompleted", contacted: 0, failed: 0 })
    return
  }
  // A join while another is pending extends it: one JoinCompleted answers both.
  const pending = state.join ?? { outstanding: new Set<number>(), contacted: 0, failed: 0 }
  state.join = pending
  for (const seed of targets) pending.outstanding.add(startPushPull(step, seed, true))
}

const settleJoin = (step: Step, token: number, ok: boolean): void => {
  const pending = step.state.join
  if (pending === undefined || !pending.outstanding.delete(token)) return
  if (ok) pending.contacted++
  else pending.failed++
  if (pending.outstanding.size === 0) {
    step.state.join = undefined
    step.out.push({ _tag: "JoinCompleted", contacted: pending.contacted, failed: pending.failed })
  }
}

const validStates = (step: Step, states: ReadonlyArray<PushNodeState>): ReadonlyArray<PushNodeState> => {
  const ok: Array<PushNodeState> = []
  for (const s of states) {
    const problem = invalidPushState(s, step.state.config.maxMetaSize)
    if (problem === undefined) ok.push(s)
    else step.out.push({ _tag: "Dropped", reason: "Malformed", detail: `push/pull entry: ${problem}` })
  }
  return ok
}

/** A remote node opened a push/pull: answer with our state, then merge theirs. */
export const pushPullRequested = (step: Step, states: ReadonlyArray<PushNodeState>, replyTo: number): void => {
  step.out.push({ _tag: "PushPullReply", replyTo, states: localStates(step.state) })
  mergeRemoteStates(step, validStates(step, states))
}

/** Our push/pull got its answer. */
export const pushPullAnswered = (step: Step, token: number, states: ReadonlyArray<PushNodeState>): void => {
  if (!step.state.pushPulls.delete(token)) {
    step.out.push({ _tag: "Dropped", reason: "NotRunning", detail: "answer to an unknown push/pull" })
    return
  }
  mergeRemoteStates(step, validStates(step, states))
  settleJoin(step, token, true)
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
}

/** The periodic gossip round. Keeps running while leaving, to spread the leave. */
export const gossipTick = (step: Step, token: number): void => {
  const { state, now } = step
  if (token !== state.gossipTickToken || state.status === "idle") return
  state.gossipTickToken = newToken(state)
  setTimer(step, now + state.config.gossipInterval, { _tag: "GossipTick", token: state.gossipTickToken })
  // Everyone else left or died while we waited to announce our leave: there is no one left to tell.
  if (state.leaveWaiting && !anyoneElseAlive(state)) {
    completeLeave(step)
    return
  }
  gossipRound(step)
}

const anyoneElseAlive = (state: CoreState): boolean => {
  for (const m of state.members.values()) {
    if (m.name !== state.config.name && (m.state === NodeState.Alive || m.state === NodeState.Suspect)) return true
  }
  return false
}

/** Leave: announce it (a dead message from ourselves), stop probing, and report once it has been sent. */
export const leave = (step: Step): void => {
  const { state, now } = step
  if (state.status !== "alive") {
    step.out.push({ _tag: "Dropped", reason: "NotRunning", detail: `leave while ${state.status}` })
    return
  }
  const self = selfRecord(state)
  state.status = "leaving"
  state.probe = undefined
  self.state = NodeState.Left
  self.stateChangedAt = now
  emit(step, { _tag: "LocalStatus", status: "leaving", incarnation: self.incarnation, cause: "leaving" })
  if (!anyoneElseAlive(state)) {
    completeLeave(step)
    return
  }
  state.leaveWaiting = true
  broadcastMembership(step, self.name, {
    _tag: "Dead",
    incarnation: self.incarnation,
    node: self.name,
    from: self.name
  }, true)
}

/** Replace our metadata: a new incarnation carries it. */
export const updateMetadata = (step: Step, meta: Uint8Array): void => {
  const { state } = step
  if (state.status !== "alive") {
    step.out.push({ _tag: "Dropped", reason: "NotRunning", detail: `metadata update while ${state.status}` })
    return
  }
  if (!(meta instanceof Uint8Array) || meta.length > state.config.maxMetaSize) {
    step.out.push({ _tag: "Dropped", reason: "Rejected", detail: `metadata over ${state.config.maxMetaSize} bytes` })
    return
  }
  const self = selfRecord(state)
  self.incarnation = Math.min(self.incarnation + 1, 0xffffffff)
  self.meta = meta
  announceSelf(step)
  emit(step, { _tag: "MemberUpdated", member: toMember(self) })
  emit(step, { _tag: "LocalStatus", status: "alive", incarnation: self.incarnation, cause: "metadata" })
}

/** Queue a user broadcast, if it can ever fit in a packet. */
export const broadcast = (step: Step, body: Uint8Array, key: string | undefined): void => {
  const { state } = step
  if (!(body instanceof Uint8Array)) {
    step.out.push({ _tag: "Dropped", reason: "Rejected", detail: "broadcast payload is not bytes" })
    return
  }
  const seq = (state.broadcastSeq + 1) >>> 0
  const payload = encodeEnvelope(state.config.name, seq, body)
  const message = { _tag: "User", payload } as const
  const room = state.config.packetBudget - 4
  if (state.sizeOf(message) + 2 > room) {
    step.out.push({ _tag: "Dropped", reason: "Rejected", detail: "broadcast larger than one packet; send it reliably instead" })
    return
  }
  if (state.status === "idle" || state.status === "left") {
    step.out.push({ _tag: "Dropped", reason: "NotRunning", detail: `broadcast while ${state.status}` })
    return
  }
  state.broadcastSeq = seq
  markSeen(state.seenBroadcasts, `${state.config.name}/${seq}`)
  broadcastUser(step, message, key)
}

/**
 * A user message arrived: a broadcast seen for the first time is delivered
 * and gossiped on; an echo is ignored; anything else is delivered as is.
 */
export const receiveUserMessage = (step: Step, from: Address, payload: Uint8Array): void => {
  const envelope = decodeEnvelope(payload)
  if (envelope === undefined) {
    step.out.push({ _tag: "UserMessage", from, payload, origin: undefined })
    return
  }
  if (!markSeen(step.state.seenBroadcasts, `${envelope.origin}/${envelope.seq}`)) return
  step.out.push({ _tag: "UserMessage", from, payload: envelope.body, origin: envelope.origin })
  if (step.state.status === "alive" || step.state.status === "leaving") {
    broadcastUser(step, { _tag: "User", payload }, undefined)
  }
}

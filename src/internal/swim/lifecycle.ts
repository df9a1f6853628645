/**
 * A node's life: start, join (and rejoin), leave, metadata updates, user
 * broadcasts, and the periodic gossip tick. Push/pull is in `pushPull.ts`,
 * the pending join in `join.ts`, rediscovery in `rediscovery.ts`.
 *
 * @internal
 */
import { discoverTickInterval } from "./config.js"
import { broadcastMembership, broadcastUser, completeLeave, gossipRound } from "./dissemination.js"
import { nextIncarnation, startIncarnation } from "./incarnation.js"
import { openJoin } from "./join.js"
import type { Address, PacketMessage } from "./messages.js"
import { NodeState, sameAddress } from "./messages.js"
import { announceSelf, handleAlive } from "./membership.js"
import { toMember } from "./member.js"
import { startPushPull } from "./pushPull.js"
import { decodeSenderEnvelope, memberAt } from "./sender.js"
import { nextGossipRound, setGossipRound } from "./gossipRounds.js"
import { nextInt } from "./random.js"
import { anyoneElseAlive, type CoreState, emit, newToken, selfRecord, setTimer, type Step } from "./state.js"
import { decodeEnvelope, encodeEnvelope, keyedId, markLatest, markSeen, maxBroadcastKeyBytes } from "./userBroadcast.js"

const utf8 = new TextEncoder()

/** (Re)starts the periodic timers, each at a random offset within its period so nodes do not tick in step. */
const scheduleTicks = (step: Step): void => {
  const { state, now } = step
  const c = state.config
  state.probeTickToken = newToken(state)
  setTimer(step, now + nextInt(state.rng, c.probeInterval), { _tag: "ProbeTick", token: state.probeTickToken })
  setGossipRound(step, now + nextInt(state.rng, c.gossipInterval))
  if (c.pushPullInterval > 0) {
    state.pushPullTickToken = newToken(state)
    setTimer(step, now + nextInt(state.rng, c.pushPullInterval), { _tag: "PushPullTick", token: state.pushPullTickToken })
  }
  // Starting or rejoining is a join of its own: the next periodic rediscovery is measured from here.
  state.discoverTickToken = newToken(state)
  state.lastDiscoverAt = now
  state.discoverAskedAt = undefined
  setTimer(step, now + nextInt(state.rng, discoverTickInterval(c)), { _tag: "DiscoverTick", token: state.discoverTickToken })
}

/** Start: this node is alive (at the clock's seconds, see `startIncarnation`) and its timers run. */
export const start = (step: Step): void => {
  const { state, now } = step
  if (state.status !== "idle") {
    step.out.push({ _tag: "Dropped", reason: "Rejected", detail: "already started" })
    return
  }
  const c = state.config
  state.status = "alive"
  const incarnation = startIncarnation(now)
  handleAlive(step, {
    _tag: "Alive",
    incarnation,
    node: c.name,
    address: c.address,
    meta: c.meta,
    versions: c.versions
  }, "self")
  selfRecord(state).stateChangedAt = now
  // A node that just started has not been cut off from anything.
  state.lastHeardAt = now
  scheduleTicks(step)
  emit(step, { _tag: "LocalStatus", status: "alive", incarnation, cause: "started" })
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
    self.incarnation = nextIncarnation(self.incarnation)
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
  const pending = openJoin(step)
  for (const seed of targets) pending.outstanding.add(startPushPull(step, seed, true))
}

/** The periodic gossip round. Keeps running while leaving, to spread the leave. */
export const gossipTick = (step: Step, token: number): void => {
  const { state } = step
  if (token !== state.gossipTickToken || state.status === "idle") return
  // Nothing queued and no leave waiting: park until something is (gossipRounds.ts).
  if (!nextGossipRound(step)) return
  // Everyone else left or died while we waited to announce our leave: there is no one left to tell.
  if (state.leaveWaiting && !anyoneElseAlive(state)) {
    completeLeave(step)
    return
  }
  gossipRound(step)
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
  self.incarnation = nextIncarnation(self.incarnation)
  self.meta = meta
  announceSelf(step)
  emit(step, { _tag: "MemberUpdated", member: toMember(self) })
  emit(step, { _tag: "LocalStatus", status: "alive", incarnation: self.incarnation, cause: "metadata" })
}

/** The room a user broadcast `message` takes in a gossip packet (with its framing), and the most there is. */
const sizeInGossip = (state: CoreState, message: Extract<PacketMessage, { readonly _tag: "User" }>) => ({
  size: state.sizeOf(message) + 2,
  limit: state.config.packetBudget - 4
})

/** What a broadcast of `body` would take in a gossip packet, and the most that fits (for the caller's error). */
export const broadcastSize = (state: CoreState, body: Uint8Array): { readonly size: number; readonly limit: number } =>
  sizeInGossip(state, { _tag: "User", payload: encodeEnvelope(state.config.name, 0, body) })

/** Queue a user broadcast, if it can ever fit in a packet. */
export const broadcast = (step: Step, body: Uint8Array, key: string | undefined): void => {
  const { state } = step
  if (!(body instanceof Uint8Array)) {
    step.out.push({ _tag: "Dropped", reason: "Rejected", detail: "broadcast payload is not bytes" })
    return
  }
  if (key !== undefined && (typeof key !== "string" || utf8.encode(key).length > maxBroadcastKeyBytes)) {
    step.out.push({ _tag: "Dropped", reason: "Rejected", detail: `broadcast key longer than ${maxBroadcastKeyBytes} bytes` })
    return
  }
  const seq = (state.broadcastSeq + 1) >>> 0
  const payload = encodeEnvelope(state.config.name, seq, body, key)
  const message = { _tag: "User", payload } as const
  const { size, limit } = sizeInGossip(state, message)
  if (size > limit) {
    step.out.push({ _tag: "Dropped", reason: "Rejected", detail: "broadcast larger than one packet; send it reliably instead" })
    return
  }
  if (state.status === "idle" || state.status === "left") {
    step.out.push({ _tag: "Dropped", reason: "NotRunning", detail: `broadcast while ${state.status}` })
    return
  }
  state.broadcastSeq = seq
  markSeen(state.seenBroadcasts, `${state.config.name}/${seq}`)
  const id = key === undefined ? undefined : keyedId(state.config.name, key)
  if (id !== undefined) markLatest(state.seenBroadcasts, id, seq)
  broadcastUser(step, message, id, { _tag: "User", payload: body })
}

/**
 * A user message arrived: a broadcast seen for the first time is delivered
 * and gossiped on; an echo is ignored; anything else is delivered as is.
 * A message that names its sender (a reliable one from one of ours) is
 * delivered with that name; any other with the name of the member at its
 * source address, if any (a broadcast: the member that relayed it to us).
 */
export const receiveUserMessage = (step: Step, from: Address, payload: Uint8Array): void => {
  const named = decodeSenderEnvelope(payload)
  if (named !== undefined) {
    step.out.push({ _tag: "UserMessage", from, payload: named.body, origin: undefined, sender: named.sender })
    return
  }
  const sender = memberAt(step.state, from)
  const envelope = decodeEnvelope(payload)
  if (envelope === undefined) {
    step.out.push({ _tag: "UserMessage", from, payload, origin: undefined, sender })
    return
  }
  if (!markSeen(step.state.seenBroadcasts, `${envelope.origin}/${envelope.seq}`)) return
  // An older value of a key arriving after a newer one is stale: it is neither delivered nor spread.
  const id = envelope.key === undefined ? undefined : keyedId(envelope.origin, envelope.key)
  if (id !== undefined && !markLatest(step.state.seenBroadcasts, id, envelope.seq)) return
  step.out.push({ _tag: "UserMessage", from, payload: envelope.body, origin: envelope.origin, sender })
  if (step.state.status === "alive" || step.state.status === "leaving") {
    broadcastUser(step, { _tag: "User", payload }, id)
  }
}

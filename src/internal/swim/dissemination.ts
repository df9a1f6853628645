/**
 * Infection-style dissemination: queueing updates, piggybacking them on
 * every packet, and the periodic gossip round.
 *
 * User broadcasts live in their own queue and get a reserved share of each
 * packet's spare room, so a burst of membership churn in a big cluster
 * cannot starve them (memberlist's single queue can).
 *
 * A user broadcast leaves in the form its destination reads, chosen here as
 * each packet is filled: our envelope (origin, sequence, key) to members
 * that advertise it, and, from the node that made it, the plain bytes, once,
 * to any other member - exactly what a Go memberlist broadcaster sends. A
 * member that does not read the envelope never gets a relayed copy, so it
 * hears each broadcast once, from its origin.
 *
 * @internal
 */
import {
  compoundHeaderOverhead,
  compoundPartOverhead,
  maxCompoundParts
} from "./config.js"
import {
  type BroadcastQueue,
  enqueueBroadcast,
  type Finished,
  pruneOverLimit,
  type QueuedBroadcast,
  type Selection,
  takeBroadcasts
} from "./broadcastQueue.js"
import type { Address, PacketMessage } from "./messages.js"
import { formatAddress, NodeState } from "./messages.js"
import { sampleDistinct } from "./random.js"
import { sendPacket, type SendOptions } from "./send.js"
import { clusterSize, type CoreState, emit, selfRecord, type Step } from "./state.js"
import { readsBroadcastEnvelope } from "./userBroadcast.js"

/** memberlist's count of sends per update: retransmitMult x ceil(log10(n + 1)). */
const retransmitLimit = (retransmitMult: number, n: number): number =>
  retransmitMult * Math.ceil(Math.log10(n + 1))

/**
 * The fewest sends that reach every member with high probability. When every
 * informed member sends an update L times to random members, each member
 * misses it with probability about e^-L, so the whole cluster is covered
 * with probability about 1 - n*e^-L; L = ln(100*n) keeps a miss under 1%.
 * memberlist's formula falls short of this with small multipliers (its
 * local preset sends 4 times at 50 nodes: about one member in the cluster
 * misses each update and waits for the next push/pull).
 */
const coverageTransmits = (n: number): number => Math.ceil(Math.log(100 * Math.max(n, 1)))

/**
 * User broadcasts have no anti-entropy behind them (push/pull carries
 * membership only), so a miss is final: they aim at a 0.01% chance that
 * anyone misses one, ln(10,000 n) sends, instead of 1%.
 */
const userTransmitLimit = (
  config: { readonly retransmitMult: number; readonly coverageFloor: boolean },
  n: number
): number =>
  config.coverageFloor
    ? Math.max(retransmitLimit(config.retransmitMult, n), Math.ceil(Math.log(10_000 * Math.max(n, 1))))
    : retransmitLimit(config.retransmitMult, n)

/** How many times each update is sent in a cluster of `n`. */
export const transmitLimit = (config: { readonly retransmitMult: number; readonly coverageFloor: boolean }, n: number) =>
  config.coverageFloor
    ? Math.max(retransmitLimit(config.retransmitMult, n), coverageTransmits(n))
    : retransmitLimit(config.retransmitMult, n)

/** Our leave has been told (or there is no one left to tell): report it and stand as left. */
export const completeLeave = (step: Step): void => {
  const { state } = step
  state.leaveWaiting = false
  state.status = "left"
  step.out.push({ _tag: "LeaveCompleted" })
  emit(step, { _tag: "LocalStatus", status: "left", incarnation: selfRecord(state).incarnation, cause: "left" })
}

const finishBroadcasts = (step: Step, finished: ReadonlyArray<Finished>): void => {
  for (let i = 0; i < finished.length; i++) {
    const f = finished[i] as Finished
    // Only the leave announcement is waited on. A replacement means we rejoined before it went out.
    if (f.message._tag === "Dead" && step.state.leaveWaiting && f.how !== "replaced") completeLeave(step)
  }
}

/** Queues a membership update about `node`, replacing any older one about it. */
export const broadcastMembership = (step: Step, node: string, message: PacketMessage, notify = false): void => {
  const { state } = step
  finishBroadcasts(step, enqueueBroadcast(state.membershipQueue, message, state.sizeOf(message), node, notify))
}

/**
 * Queues a user broadcast: `message` in our envelope and, for one this node
 * made, `plain`, its bare bytes for members that do not read the envelope.
 */
export const broadcastUser = (
  step: Step,
  message: PacketMessage,
  key: string | undefined,
  plain?: PacketMessage
): void => {
  const { state } = step
  const queueKey = key === undefined ? undefined : `user:${key}`
  finishBroadcasts(step, enqueueBroadcast(state.userQueue, message, state.sizeOf(message), queueKey, false, plain))
}

const unknownDestination = (): Selection => "skip"

/**
 * What `to` gets of each queued user broadcast: the envelope when it reads
 * it; else the plain form, once, of the broadcasts we made (later ones count
 * as sent: it has what it needs); nothing of those we relay, nor anything at
 * all for an address that is no member (it may be either kind).
 */
const userSelection = (state: CoreState, to: Address): ((item: QueuedBroadcast) => Selection) | undefined => {
  const where = formatAddress(to)
  const peer = state.byAddress.get(where)
  if (peer === undefined) return unknownDestination
  if (readsBroadcastEnvelope(peer.versions)) return undefined
  return (item) => {
    const plain = item.alternate
    if (plain === undefined) return "skip"
    if (plain.sentTo.has(where)) return "covered"
    plain.sentTo.add(where)
    return plain.message
  }
}

/**
 * The user queue is taken from twice per packet (its reserved share, then
 * what membership updates left): an item taken the first time moved to the
 * next bucket and must not go into the same packet again.
 */
const onceEach = (select: ((item: QueuedBroadcast) => Selection) | undefined) => {
  const seen = new Set<QueuedBroadcast>()
  return (item: QueuedBroadcast): Selection => {
    if (seen.has(item)) return "skip"
    const selected = select === undefined ? item.message : select(item)
    if (selected !== "skip") seen.add(item)
    return selected
  }
}

const take = (
  queue: BroadcastQueue,
  budget: number,
  limit: number,
  taken: Array<PacketMessage>,
  finished: Array<Finished>,
  select?: (item: QueuedBroadcast) => Selection
): number =>
  budget <= 0 ? 0 : takeBroadcasts(queue, budget, compoundPartOverhead, maxCompoundParts, limit, taken, finished, select)

/**
 * Fills `room` bytes of a packet to `to` with queued broadcasts: user
 * broadcasts up to their reserved share first, then membership updates,
 * then more user broadcasts in whatever is left.
 */
const collectBroadcasts = (step: Step, to: Address, room: number, taken: Array<PacketMessage>): void => {
  const { state } = step
  const n = clusterSize(state)
  const limit = transmitLimit(state.config, n)
  const userLimit = userTransmitLimit(state.config, n)
  const finished: Array<Finished> = []
  pruneOverLimit(state.membershipQueue, limit, finished)
  pruneOverLimit(state.userQueue, userLimit, finished)
  const reserved = Math.floor(room * state.config.userBroadcastShare)
  const select = state.userQueue.size === 0 ? undefined : onceEach(userSelection(state, to))
  let used = take(state.userQueue, reserved, userLimit, taken, finished, select)
  used += take(state.membershipQueue, room - used, limit, taken, finished)
  take(state.userQueue, room - used, userLimit, taken, finished, select)
  finishBroadcasts(step, finished)
}

/** Sends `primary` to `to`, with as many queued broadcasts piggybacked as the packet budget allows. */
export const sendWithPiggyback = (
  step: Step,
  to: Address,
  primary: ReadonlyArray<PacketMessage>,
  options: SendOptions = {}
): void => {
  const { state } = step
  let room = state.config.packetBudget - compoundHeaderOverhead
  for (const m of primary) room -= state.sizeOf(m) + compoundPartOverhead
  const messages = [...primary]
  collectBroadcasts(step, to, room, messages)
  sendPacket(step, to, messages, options)
}

/**
 * Members worth gossiping to: alive, suspect, or dead recently enough to
 * still learn it - except while we are leaving: then every send carries our
 * leave, and one spent on a dead member is one a live member misses.
 */
const gossipTarget = (state: CoreState, now: number) => (m: { name: string; state: number; stateChangedAt: number }) =>
  m.name !== state.config.name &&
  (m.state === NodeState.Alive || m.state === NodeState.Suspect ||
    (m.state === NodeState.Dead && state.status !== "leaving" &&
      now - m.stateChangedAt <= state.config.gossipToTheDeadTime))

/** Both broadcast queues are empty: a gossip round would send nothing. */
export const nothingToGossip = (state: CoreState): boolean => state.membershipQueue.size === 0 && state.userQueue.size === 0

/** One gossip round: queued broadcasts to a few random members, one packet each. */
export const gossipRound = (step: Step): void => {
  const { state, now } = step
  // Nothing queued: no packet would go out, so skip drawing targets.
  if (nothingToGossip(state)) return
  const targets = sampleDistinct(state.rng, state.probeOrder, state.config.gossipNodes, gossipTarget(state, now))
  for (const target of targets) {
    const messages: Array<PacketMessage> = []
    collectBroadcasts(step, target.address, state.config.packetBudget - compoundHeaderOverhead, messages)
    // Another target may still get something: what one gets depends on what it reads.
    if (messages.length === 0) continue
    sendPacket(step, target.address, messages)
  }
}

/**
 * The SWIM + Lifeguard protocol core: `make` a state, then `step` it with
 * inputs and the current time; perform the outputs. Pure and deterministic:
 * no sockets, no clock, no global randomness - the same seed, config and
 * inputs always give the same outputs.
 *
 * @internal
 */
import { addressClaimAcked, addressClaimTimedOut, makeAddressClaims } from "./addressChange.js"
import { makeBroadcastQueue } from "./broadcastQueue.js"
import type { CoreConfig, MessageSizer } from "./config.js"
import { noticeConnectivity } from "./connectivity.js"
import { noteHeard } from "./isolation.js"
import { estimateSize } from "./estimateSize.js"
import type { Input, Output, Timer } from "./io.js"
import { joinDeadlinePassed } from "./join.js"
import { probeNotSent } from "./localFailure.js"
import { resumeGossip } from "./gossipRounds.js"
import { broadcast, gossipTick, join, leave, receiveUserMessage, start, updateMetadata } from "./lifecycle.js"
import { type Address, NodeState, type PacketMessage, sameAddress } from "./messages.js"
import { addressKey } from "./addressKey.js"
import { type Member, toMember } from "./member.js"
import { handleAlive, handleDead, handleSuspect, suspicionExpired } from "./membership.js"
import { noteHeardFrom } from "./inTouch.js"
import { handleAck, handleIndirectPing, handleNack, handlePing, probeTick, probeTimedOut, relayTimedOut } from "./probe.js"
import { pushPullAnswered, pushPullFailed, pushPullRequested, pushPullTick, startPushPull } from "./pushPull.js"
import { copyRng, makeRng } from "./random.js"
import { discovered, discoverTick } from "./rediscovery.js"
import type { CoreState, Step } from "./state.js"
import { makeSeenBroadcasts } from "./userBroadcast.js"
import { invalidAddress, invalidMessage, invalidVersions } from "./validate.js"
import { confirmCandidate, sweepCandidates } from "./admission.js"
import { capPings } from "./reflection.js"
import { flushUnconfirmed, makeAdmission } from "./trust.js"
import { memberAddresses, memberNames, MemberTable } from "./memberTable.js"
import { HeardTimes } from "./heardTimes.js"

/** How many user broadcast ids a node remembers to suppress echoes. */
const seenBroadcastCapacity = 8192

/** What `make` needs. */
export interface MakeOptions {
  readonly config: CoreConfig
  /** Seeds every random choice this node makes. */
  readonly seed: number
  /** The exact encoded size of a message; defaults to a safe upper bound. */
  readonly sizeOf?: MessageSizer | undefined
}

/** Why a config cannot run, or undefined. */
export const invalidConfig = (c: CoreConfig): string | undefined => {
  if (typeof c.name !== "string" || c.name.length === 0) return "name must not be empty"
  const address = invalidAddress(c.address)
  if (address !== undefined) return `address: ${address}`
  const versions = invalidVersions(c.versions)
  if (versions !== undefined) return `versions: ${versions}`
  if (c.meta.length > c.maxMetaSize) return `meta is ${c.meta.length} bytes, over ${c.maxMetaSize}`
  const positive: Array<keyof CoreConfig> = [
    "probeInterval", "probeTimeout", "gossipInterval", "suspicionMult", "suspicionMaxTimeoutMult",
    "retransmitMult", "awarenessMaxMultiplier", "packetBudget", "maxMembershipQueue", "maxUserQueue", "joinTimeout"
  ]
  for (const key of positive) {
    const v = c[key]
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) return `${key} must be a positive number`
  }
  if (c.probeTimeout >= c.probeInterval) return "probeTimeout must be shorter than probeInterval"
  if (c.packetBudget < 128) return "packetBudget below 128 bytes cannot carry the protocol"
  if (c.incarnationWindow !== undefined && !(Number.isInteger(c.incarnationWindow) && c.incarnationWindow > 0)) {
    return "incarnationWindow must be a positive integer"
  }
  if (!(c.userBroadcastShare >= 0 && c.userBroadcastShare <= 1)) return "userBroadcastShare must be in [0, 1]"
  const nonNegative = [
    "indirectChecks", "gossipNodes", "pushPullInterval", "gossipToTheDeadTime", "deadNodeReclaimTime", "rediscoverInterval",
    "maxAppStateSize"
  ] as const
  for (const key of nonNegative) {
    if (!Number.isFinite(c[key]) || c[key] < 0) return `${key} must not be negative`
  }
  for (const key of ["filterJoin", "filterMerge"] as const) {
    if (c[key] !== undefined && typeof c[key] !== "function") return `${key} must be a function`
  }
  return undefined
}

/** A new, not yet started node. Throws on an invalid config: validate with `invalidConfig` at the edge. */
export const make = (options: MakeOptions): CoreState => {
  const problem = invalidConfig(options.config)
  if (problem !== undefined) throw new Error(`invalid core config: ${problem}`)
  return {
    config: options.config,
    sizeOf: options.sizeOf ?? estimateSize,
    rng: makeRng(options.seed),
    status: "idle",
    members: new MemberTable(memberNames),
    byAddress: new MemberTable(memberAddresses),
    heardAt: new HeardTimes(memberNames),
    contactPushPulls: new Map(),
    probeOrder: [],
    probeIndex: 0,
    probeSelf: 0,
    probeSortedSize: 0,
    probeCursor: 0,
    seqNo: 0,
    awareness: 0,
    connected: false,
    lastHeardAt: 0,
    reconnectedAt: -Infinity,
    probe: undefined,
    nackWait: undefined,
    relays: new Map(),
    suspicions: new Map(),
    membershipQueue: makeBroadcastQueue(options.config.maxMembershipQueue),
    userQueue: makeBroadcastQueue(options.config.maxUserQueue),
    nextToken: 0,
    probeTickToken: 0,
    gossipTickToken: 0,
    gossipParkedAt: undefined,
    pushPullTickToken: 0,
    catchUp: undefined,
    catchUpArmedAt: undefined,
    pushPulls: new Map(),
    join: undefined,
    discoverTickToken: 0,
    discoverAskedAt: undefined,
    lastDiscoverAt: 0,
    leaveWaiting: false,
    broadcastSeq: 0,
    seenBroadcasts: makeSeenBroadcasts(seenBroadcastCapacity),
    addressClaims: makeAddressClaims(),
    admission: makeAdmission()
  }
}

/**
 * A packet from a member: we are in touch with it (inTouch.ts). And a
 * packet from a member we hold dead means it is alive after all and we
 * missed its refutation (after a partition heals, hundreds of refutations
 * are in flight and some node misses one). memberlist waits for the next
 * periodic push/pull; we start one with it now, at most once per ten probe
 * intervals per member.
 */
const noticeContact = (step: Step, from: Address): void => {
  const { state, now } = step
  if (state.status !== "alive") return
  const sender = state.byAddress.get(addressKey(from))
  if (sender === undefined || sender.name === state.config.name) return
  noteHeardFrom(state, sender, now)
  if (sender.state !== NodeState.Dead) return
  const last = state.contactPushPulls.get(sender.name)
  if (last !== undefined && now - last < 10 * state.config.probeInterval) return
  state.contactPushPulls.set(sender.name, now)
  startPushPull(step, sender.address, false)
}

const isPing = (message: unknown): boolean =>
  typeof message === "object" && message !== null && (message as { readonly _tag?: unknown })._tag === "Ping"

/** Handles one message; returns whether it was well formed. */
const receive = (step: Step, from: Address, message: PacketMessage, replyTo: number | undefined): boolean => {
  const problem = invalidMessage(message, step.state.config.maxMetaSize)
  if (problem !== undefined) {
    const reason = problem === "unknown message" ? "UnknownMessage" : problem.startsWith("protocol") ? "BadVersions" : "Malformed"
    step.out.push({ _tag: "Dropped", reason, detail: problem })
    return false
  }
  if (step.state.status === "idle") {
    step.out.push({ _tag: "Dropped", reason: "NotRunning", detail: `${message._tag} before start` })
    return true
  }
  dispatch(step, from, message, replyTo)
  return true
}

const dispatch = (step: Step, from: Address, message: PacketMessage, replyTo: number | undefined): void => {
  switch (message._tag) {
    case "Ping":
      return handlePing(step, from, message, replyTo)
    case "IndirectPing":
      return handleIndirectPing(step, from, message)
    case "Ack":
      if (addressClaimAcked(step, from, message)) return
      if (confirmCandidate(step, from, message.seqNo)) return
      return handleAck(step, message)
    case "Nack":
      return handleNack(step, message)
    case "Alive":
      return handleAlive(step, message, sameAddress(from, message.address) ? "own" : "relayed", from)
    case "Suspect":
      return handleSuspect(step, message)
    case "Dead":
      return handleDead(step, message)
    case "User":
      return receiveUserMessage(step, from, message.payload)
    case "ErrorResponse":
      step.out.push({ _tag: "Dropped", reason: "UnknownMessage", detail: `remote error: ${message.error}` })
      return
  }
}

/**
 * Advances `state` by one input at time `now` (ms) and returns what to do.
 * Mutates `state` in place. Never throws on any input value: a malformed
 * or unknown input is reported as a `Dropped` output and changes nothing.
 * The outputs go into `out` (an empty array the caller may reuse from step
 * to step), which is returned.
 */
export const step = (state: CoreState, input: Input, now: number, out: Array<Output> = []): Array<Output> => {
  const s: Step = { state, now, out }
  if (input === null || typeof input !== "object") {
    s.out.push({ _tag: "Dropped", reason: "UnknownMessage", detail: "not an input" })
    return s.out
  }
  switch (input._tag) {
    case "Start":
      start(s)
      break
    case "Received":
      if (!Array.isArray(input.messages) || invalidAddress(input.from) !== undefined) {
        s.out.push({ _tag: "Dropped", reason: "Malformed", detail: "received input without messages or sender" })
        break
      }
      let anyWellFormed = false
      const messages = capPings(s, input.messages)
      // Pings last: the ack then carries what the rest of the packet made us say - above all our
      // refutation of the accusation a prober sends with its ping of a suspect.
      // Indexed, as every loop on this path: an iterator per loop and packet was a steady share of garbage.
      for (let i = 0; i < messages.length; i++) {
        const message = messages[i] as PacketMessage
        if (!isPing(message)) anyWellFormed = receive(s, input.from, message, input.replyTo) || anyWellFormed
      }
      for (let i = 0; i < messages.length; i++) {
        const message = messages[i] as PacketMessage
        if (isPing(message)) anyWellFormed = receive(s, input.from, message, input.replyTo) || anyWellFormed
      }
      if (anyWellFormed && state.status !== "idle") noteHeard(state, now)
      // After the messages: a refutation in the same packet already settles it.
      if (input.via === "packet" && anyWellFormed) noticeContact(s, input.from)
      break
    case "TimerFired":
      fireTimer(s, input.timer)
      break
    case "SendFailed":
      probeNotSent(s, input.seqNo)
      break
    case "PushPullRequest":
      if (state.status === "idle") {
        s.out.push({ _tag: "Dropped", reason: "NotRunning", detail: "push/pull before start" })
        break
      }
      noteHeard(state, now)
      pushPullRequested(s, Array.isArray(input.states) ? input.states : [], input.replyTo, input.join === true, input.userState, input.from)
      break
    case "PushPullResponse":
      if (state.status !== "idle") noteHeard(state, now)
      pushPullAnswered(s, input.token, Array.isArray(input.states) ? input.states : [], input.userState)
      break
    case "PushPullFailed":
      pushPullFailed(s, input.token)
      break
    case "Join":
      join(s, Array.isArray(input.seeds) ? input.seeds.filter((a) => invalidAddress(a) === undefined) : [])
      break
    case "Leave":
      leave(s)
      break
    case "Broadcast":
      broadcast(s, input.payload, input.key)
      break
    case "UpdateMetadata":
      updateMetadata(s, input.meta)
      break
    case "Discovered":
      discovered(s, Array.isArray(input.addresses) ? input.addresses : [])
      break
    default:
      s.out.push({ _tag: "Dropped", reason: "UnknownMessage", detail: "unknown input" })
  }
  noticeConnectivity(s)
  flushUnconfirmed(s)
  resumeGossip(s)
  return s.out
}

const fireTimer = (s: Step, timer: Timer): void => {
  if (timer === null || typeof timer !== "object") {
    s.out.push({ _tag: "Dropped", reason: "UnknownMessage", detail: "not a timer" })
    return
  }
  switch (timer._tag) {
    case "ProbeTick":
      sweepCandidates(s)
      return probeTick(s, timer.token)
    case "ProbeTimeout":
      return probeTimedOut(s, timer.seqNo)
    case "RelayTimeout":
      return relayTimedOut(s, timer.seqNo)
    case "SuspicionTimeout":
      return suspicionExpired(s, timer.node, timer.token)
    case "GossipTick":
      return gossipTick(s, timer.token)
    case "PushPullTick":
      return pushPullTick(s, timer.token)
    case "JoinDeadline":
      return joinDeadlinePassed(s, timer.token)
    case "DiscoverTick":
      return discoverTick(s, timer.token)
    case "AddressClaimTimeout":
      return addressClaimTimedOut(s, timer.node, timer.token)
    default:
      s.out.push({ _tag: "Dropped", reason: "UnknownMessage", detail: "unknown timer" })
  }
}

/** Every member this node knows (itself included), as read-only snapshots. */
export const members = (state: CoreState): Array<Member> => Array.from(state.members.values(), toMember)

/** One member by name. */
export const member = (state: CoreState, name: string): Member | undefined => {
  const record = state.members.get(name)
  return record === undefined ? undefined : toMember(record)
}

/** This node's local health score (0 is healthy). */
export const healthScore = (state: CoreState): number => state.awareness

/** Queue depths, for metrics. */
export const queueDepths = (state: CoreState): { readonly membership: number; readonly user: number } => ({
  membership: state.membershipQueue.size,
  user: state.userQueue.size
})

/**
 * A deep, comparable copy of everything observable in the state - used by
 * tests to assert that an input changed nothing.
 */
export const snapshot = (state: CoreState): unknown => ({
  status: state.status,
  members: members(state).map((m) => ({ ...m, meta: Array.from(m.meta) })),
  probeOrder: state.probeOrder.map((m) => m.name),
  probeIndex: state.probeIndex,
  seqNo: state.seqNo,
  awareness: state.awareness,
  connected: state.connected,
  // Not lastHeardAt/reconnectedAt: a well-formed message that changes nothing else was still heard.
  probe: state.probe === undefined ? undefined : { ...state.probe },
  nackWait: state.nackWait === undefined ? undefined : { ...state.nackWait },
  relays: Array.from(state.relays.entries()),
  suspicions: Array.from(state.suspicions.entries()).map(([k, v]) => [k, { ...v, accusers: [...v.accusers] }]),
  membershipQueue: state.membershipQueue.buckets.map((b) => b.map((i) => [i.id, i.transmits])),
  userQueue: state.userQueue.buckets.map((b) => b.map((i) => [i.id, i.transmits])),
  nextToken: state.nextToken,
  gossipParkedAt: state.gossipParkedAt,
  rng: copyRng(state.rng),
  pushPulls: Array.from(state.pushPulls.entries()),
  contactPushPulls: Array.from(state.contactPushPulls.entries()),
  join: state.join === undefined ? undefined : { ...state.join, outstanding: [...state.join.outstanding] },
  discoverTickToken: state.discoverTickToken,
  discoverAskedAt: state.discoverAskedAt,
  lastDiscoverAt: state.lastDiscoverAt,
  leaveWaiting: state.leaveWaiting,
  broadcastSeq: state.broadcastSeq,
  seenBroadcasts: [...state.seenBroadcasts.ids],
  latestKeyed: [...state.seenBroadcasts.latest.entries()],
  addressClaims: {
    pending: Array.from(state.addressClaims.pending.entries()).map(([k, v]) => [k, { ...v }]),
    refused: [...state.addressClaims.refused.entries()],
    rivals: [...state.addressClaims.rivals.entries()],
    moves: [...state.addressClaims.moves.entries()]
  },
  candidates: Array.from(state.admission.candidates.entries())
})

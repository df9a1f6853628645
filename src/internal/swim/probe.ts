/**
 * Failure detection: the probe cycle (direct ping, then indirect pings
 * through k members and a stream fallback), answering pings, and relaying
 * pings for others with Lifeguard's nacks.
 *
 * @internal
 */
import { fnv1a } from "../fnv1a.js"
import { applyAwarenessDelta, scaleByAwareness } from "./awareness.js"
import { sendWithPiggyback } from "./dissemination.js"
import type { Ack, Address, IndirectPing, Nack, PacketMessage, Ping } from "./messages.js"
import { formatAddress, NodeState, sameAddress } from "./messages.js"
import type { MemberRecord } from "./member.js"
import { handleSuspect } from "./membership.js"
import { observe } from "./observation.js"
import { sampleDistinct, shuffleInPlace } from "./random.js"
import { sortIntoRing } from "./ringOrder.js"
import { sendPacket } from "./send.js"
import { maxVerificationsPerTick, type Suspicion, verificationSpacing } from "./suspicion.js"
import {
  type CoreState,
  maxRelays,
  newSeqNo,
  type Probe,
  newToken,
  setTimer,
  type Step
} from "./state.js"

/** Reaps long-dead members and reshuffles the probe order, as memberlist does when the probe index wraps. */
const resetProbeOrder = (step: Step): void => {
  const { state, now } = step
  const order = state.probeOrder
  let w = 0
  for (const m of order) {
    const gone = (m.state === NodeState.Dead || m.state === NodeState.Left) &&
      m.name !== state.config.name &&
      now - m.stateChangedAt > state.config.gossipToTheDeadTime
    if (gone) {
      state.members.delete(m.name)
      state.heardAt.delete(m.name)
      state.contactPushPulls.delete(m.name)
      const key = formatAddress(m.address)
      if (state.byAddress.get(key) === m) state.byAddress.delete(key)
      state.suspicions.delete(m.name)
    } else {
      order[w++] = m
    }
  }
  order.length = w
  if (state.config.alignedProbing) sortIntoRing(order)
  else shuffleInPlace(state.rng, order)
  state.probeSortedSize = w
}

// The aligned probe ring (ringOrder.ts) is ordered by a hash of the names rather than by name, so that
// members that fail together because they are named together (web-01 and web-02 in one rack) are not
// each other's probers in consecutive slots.

/**
 * Aligned probing sorts again this often (in ticks) while members are being
 * added, rather than waiting a whole round: a new cluster lines up within
 * seconds, and a join storm costs one nearly-sorted sort per few ticks.
 */
const alignedResortTicks = 4

const selfSource = (state: CoreState) => ({ address: state.config.address, node: state.config.name })

/** Can be probed: neither this node, nor dead, nor left. */
const probeable = (state: CoreState, m: MemberRecord): boolean =>
  m.name !== state.config.name && m.state !== NodeState.Dead && m.state !== NodeState.Left

/**
 * Aligned probing (our addition). With memberlist's shuffled round robin
 * each member picks its target on its own, so in one interval a member is
 * probed by no one 40% of the time (90 probers, 99 targets), and a failed
 * member waits for its first probe, and so its suspicion, five intervals
 * or more in one case in a hundred.
 * Instead every member keeps its order sorted into one ring, the same
 * order everywhere once views agree, and in probe interval number `slot`
 * (counted from time zero, so shared as far as clocks agree) probes the
 * member `1 + hash(slot) mod (n - 1)` places after itself. For one slot
 * this is a permutation: each member has exactly one prober, and a dead
 * one is probed in the first interval unless its prober is dead too, so
 * every member is probed every interval rather than once per round by
 * each prober. The offset is hashed, not `slot mod (n - 1)`: while a
 * cluster grows by about a member per interval, as in a join storm, the
 * latter stays put, and each member would probe the same neighbour over
 * and over (a 1,000-member join took three times as long to converge).
 * Where views differ (joins, reaping) the offsets no longer line up and
 * probing is as random as the shuffled order, never worse.
 */
const alignedProbeTarget = (step: Step): MemberRecord | undefined => {
  const { state, now } = step
  const grown = state.probeOrder.length !== state.probeSortedSize &&
    (state.probeIndex >= alignedResortTicks || state.probeSortedSize === 0)
  if (grown || state.probeIndex >= state.probeOrder.length) {
    resetProbeOrder(step)
    state.probeIndex = 0
  }
  const order = state.probeOrder
  if (order.length < 2) return undefined
  // Counts the ticks since the order was last sorted: a wrap reaps and sorts again.
  state.probeIndex++
  if (order[state.probeSelf]?.name !== state.config.name) {
    state.probeSelf = Math.max(0, order.findIndex((m) => m.name === state.config.name))
  }
  // Slowed by local health, a member probes in few slots and is out of line with the others anyway:
  // it goes round the ring from its last target, so it still reaches every member within n - 1 ticks.
  if (state.awareness === 0) {
    const slot = Math.floor(now / state.config.probeInterval)
    const at = (state.probeSelf + 1 + (fnv1a(String(slot)) % (order.length - 1))) % order.length
    const aligned = order[at] as MemberRecord
    if (probeable(state, aligned)) {
      state.probeCursor = at
      return aligned
    }
  }
  // The slot's member is dead or left: its turn goes to the next live member after our last target.
  // Given to whoever follows the dead one in the ring, the turns of a run of dead members would all
  // fall to one member, and the member before that run would be probed only in its own slot.
  for (let i = 0; i < order.length; i++) {
    state.probeCursor = (state.probeCursor + 1) % order.length
    const candidate = order[state.probeCursor] as MemberRecord
    if (probeable(state, candidate)) return candidate
  }
  return undefined
}

/** The next member to probe, round robin over the shuffled order, skipping self, dead and left. */
const nextProbeTarget = (step: Step): MemberRecord | undefined => {
  const { state } = step
  if (state.config.alignedProbing) return alignedProbeTarget(step)
  for (let checked = 0; checked <= state.probeOrder.length; checked++) {
    if (state.probeIndex >= state.probeOrder.length) {
      resetProbeOrder(step)
      state.probeIndex = 0
      if (state.probeOrder.length === 0) return undefined
    }
    const candidate = state.probeOrder[state.probeIndex++] as MemberRecord
    if (probeable(state, candidate)) return candidate
  }
  return undefined
}

/** A ping of `target`; a suspect one is also told it is suspected, so it can refute even if gossip missed it. */
const pingMessages = (state: CoreState, seqNo: number, target: MemberRecord): Array<PacketMessage> => {
  const ping: Ping = { _tag: "Ping", seqNo, node: target.name, source: selfSource(state) }
  if (target.state !== NodeState.Suspect) return [ping]
  return [ping, { _tag: "Suspect", incarnation: target.incarnation, node: target.name, from: state.config.name }]
}

/**
 * Verification (our addition to SWIM): each suspect we hold a suspicion
 * about gets a ping of its own every `verificationSpacing` while the
 * suspicion lasts - besides the round robin's probe, never instead of it,
 * and at most `maxVerificationsPerTick` per probe tick, the longest waiting
 * first. The ping carries the accusation, and a live suspect answers it
 * after applying the rest of the packet, so the ack brings its refutation
 * to a node that missed it, before that node's timeout expires. It is one
 * bare packet (no gossip piggybacked: the suspect may well be dead), with
 * no indirect probe and no stream ping; an unanswered one changes nothing -
 * it is no confirmation and costs no local health - since only the round
 * robin's full probes accuse. Off with `verifySuspects: false`.
 */
const verifySuspects = (step: Step, roundRobinTarget: MemberRecord | undefined): void => {
  const { state, now } = step
  let sent = 0
  while (sent < maxVerificationsPerTick) {
    let name: string | undefined
    let due: Suspicion | undefined
    for (const [n, suspicion] of state.suspicions) {
      if (now < suspicion.nextVerificationAt) continue
      if (due === undefined || suspicion.nextVerificationAt < due.nextVerificationAt) {
        name = n
        due = suspicion
      }
    }
    if (due === undefined || name === undefined) return
    due.nextVerificationAt = now + verificationSpacing(due)
    const record = state.members.get(name)
    if (record === undefined || record.state !== NodeState.Suspect) continue
    due.verifications++
    // The round robin's probe of it, this tick, carries the accusation already.
    if (record === roundRobinTarget) continue
    sendPacket(step, record.address, pingMessages(state, newSeqNo(state), record), { probe: true })
    sent++
  }
}

/**
 * Ends the previous probe (a probe with no ack by now has failed), starts
 * the next one in the round robin, and verifies the suspects that are due.
 * The next tick and the probe's deadline are both one probe interval away,
 * scaled by local health.
 */
export const probeTick = (step: Step, token: number): void => {
  const { state, now } = step
  if (token !== state.probeTickToken || state.status !== "alive") return
  finishProbe(step)

  const interval = scaleByAwareness(state.config.probeInterval, state.awareness)
  state.probeTickToken = newToken(state)
  setTimer(step, now + interval, { _tag: "ProbeTick", token: state.probeTickToken })

  const target = nextProbeTarget(step)
  if (state.config.verifySuspects) verifySuspects(step, target)
  if (target === undefined) return
  const seqNo = newSeqNo(state)
  sendWithPiggyback(step, target.address, pingMessages(state, seqNo, target), { probe: true })
  state.probe = {
    seqNo,
    target: target.name,
    address: target.address,
    incarnation: target.incarnation,
    startedAt: now,
    deadline: now + interval,
    acked: false,
    indirectAt: undefined,
    expectedNacks: 0,
    nacks: 0
  }
  observe(step, { _tag: "ProbeStarted", seqNo, target: target.name, address: target.address })
  setTimer(step, now + scaleByAwareness(state.config.probeTimeout, state.awareness), {
    _tag: "ProbeTimeout",
    seqNo
  })
}

const probeEnded = (step: Step, probe: Probe, acked: boolean) => ({
  _tag: "ProbeEnded" as const,
  seqNo: probe.seqNo,
  target: probe.target,
  acked,
  elapsed: step.now - probe.startedAt,
  indirect: probe.indirectAt !== undefined
})

/** A failed probe raises a suspicion, and counts against local health unless the relays' nacks show the fault is not ours. */
const finishProbe = (step: Step): void => {
  const { state } = step
  const probe = state.probe
  state.probe = undefined
  if (probe === undefined || probe.acked) return
  observe(step, probeEnded(step, probe, false))
  // A ping the local socket refused is no evidence against the target (localFailure.ts).
  if (probe.unsent === true) return
  if (state.members.has(probe.target)) {
    handleSuspect(step, {
      _tag: "Suspect",
      incarnation: probe.incarnation,
      node: probe.target,
      from: state.config.name
    })
  }
  judgeLater(step, probe)
}

/**
 * When a relay's nack may still be on its way: a relay nacks `probeTimeout`
 * after our request reached it (memberlist's rule), and we allow one more
 * `probeTimeout` for the two trips. With the LAN timings the request leaves
 * half-way through the probe, so at full health the nacks are due after the
 * probe ends.
 */
const nacksDueAt = (state: CoreState, probe: Probe): number =>
  probe.indirectAt === undefined ? probe.deadline : probe.indirectAt + 2 * state.config.probeTimeout

/**
 * Judges local health on a failed probe, once its relays' nacks are in or
 * cannot come any more. memberlist judges when the probe ends, before the
 * nacks of a healthy node's relays have come back, so every failed probe at
 * full health counts as every nack missed (+3 with three relays): a node
 * that probes a dead member slows its probing down fourfold.
 */
const judgeLater = (step: Step, probe: Probe): void => {
  const { state, now } = step
  if (state.nackWait !== undefined) judgeHealth(step, state.nackWait)
  state.nackWait = undefined
  const due = nacksDueAt(state, probe)
  if (probe.nacks < probe.expectedNacks && now < due) {
    state.nackWait = probe
    setTimer(step, due, { _tag: "ProbeTimeout", seqNo: probe.seqNo })
    return
  }
  judgeHealth(step, probe)
}

/** A failed probe's toll on local health: one per nack missed, or one when no relay was asked for nacks. */
const judgeHealth = (step: Step, probe: Probe): void => {
  const { state } = step
  const delta = probe.expectedNacks > 0 ? Math.max(probe.expectedNacks - probe.nacks, 0) : 1
  state.awareness = applyAwarenessDelta(state.awareness, delta, state.config.awarenessMaxMultiplier)
}

/**
 * No direct ack in time: ping the target directly once more (unless
 * `repeatDirectPing` is off), ask k members to probe it for us, and try a
 * stream ping. (The same timer, set again,
 * says a failed probe's nacks are due.)
 */
export const probeTimedOut = (step: Step, seqNo: number): void => {
  const { state, now } = step
  const waiting = state.nackWait
  if (waiting !== undefined && waiting.seqNo === seqNo) {
    state.nackWait = undefined
    judgeHealth(step, waiting)
    return
  }
  const probe = state.probe
  if (probe === undefined || probe.seqNo !== seqNo || probe.acked || probe.indirectAt !== undefined) return
  if (probe.unsent === true) return
  probe.indirectAt = now
  // Our addition: the direct ping again, bare and with the same seqNo. A lost ping or ack is the usual
  // reason for no ack, and the direct path (two packets) is likelier to get through than any one
  // indirect path (four). Not flagged as a probe: it is the same probe.
  const record = state.members.get(probe.target)
  if (record !== undefined && state.config.repeatDirectPing) sendPacket(step, probe.address, pingMessages(state, probe.seqNo, record))
  const relays = sampleDistinct(
    state.rng,
    state.probeOrder,
    state.config.indirectChecks,
    (m) => m.name !== state.config.name && m.name !== probe.target && m.state === NodeState.Alive
  )
  for (const relay of relays) {
    // Only members speaking protocol 4 or later send nacks.
    const nack = relay.versions[1] >= 4
    if (nack) probe.expectedNacks++
    const request: IndirectPing = {
      _tag: "IndirectPing",
      seqNo: probe.seqNo,
      target: probe.address,
      node: probe.target,
      nack,
      source: selfSource(state)
    }
    sendWithPiggyback(step, relay.address, [request])
  }
  // No stream ping to a member we already suspect: it could only keep our failed probe from confirming
  // a mistaken accusation, which the suspect's refutation answers anyway (and verification brings it);
  // when the member is dead, as it mostly is by then, each is a refused or timed-out dial.
  if (
    state.config.tcpPingFallback && record !== undefined && record.versions[1] >= 3 &&
    record.state !== NodeState.Suspect
  ) {
    step.out.push({
      _tag: "StreamPing",
      to: probe.address,
      ping: { _tag: "Ping", seqNo: probe.seqNo, node: probe.target, source: selfSource(state) },
      deadline: probe.deadline
    })
  }
}

/** An ack's empty payload, shared: a length-0 array holds nothing to change, and a new one cost two objects per ping. */
const noPayload = new Uint8Array(0)

/** Answers a ping addressed to us (on its stream when it came on one: `replyTo`). */
export const handlePing = (step: Step, from: Address, ping: Ping, replyTo: number | undefined): void => {
  const { state } = step
  if (ping.node !== "" && ping.node !== state.config.name) {
    const over = replyTo === undefined ? "ping" : "stream ping"
    step.out.push({ _tag: "Dropped", reason: "NotForUs", detail: `${over} for ${ping.node}` })
    return
  }
  const ack: Ack = { _tag: "Ack", seqNo: ping.seqNo, payload: noPayload }
  // A stream ping is answered on its stream, a packet ping by packet (with gossip piggybacked).
  if (replyTo !== undefined) step.out.push({ _tag: "StreamReply", replyTo, messages: [ack] })
  else if (ping.source === undefined || sameAddress(ping.source.address, from)) sendWithPiggyback(step, from, [ack])
  // Elsewhere than the packet came from: bare, so a forged source gets no amplified packet (reflection.ts).
  else sendPacket(step, ping.source.address, [ack])
}

/** Pings the target on a requester's behalf, remembering whom to answer. */
export const handleIndirectPing = (step: Step, from: Address, request: IndirectPing): void => {
  const { state, now } = step
  if (state.relays.size >= maxRelays) {
    step.out.push({ _tag: "Dropped", reason: "Rejected", detail: "too many relayed pings in flight" })
    return
  }
  const seqNo = newSeqNo(state)
  state.relays.set(seqNo, { requester: request.source?.address ?? from, seqNo: request.seqNo, nack: request.nack })
  sendWithPiggyback(step, request.target, [
    { _tag: "Ping", seqNo, node: request.node, source: selfSource(state) }
  ])
  // Lifeguard: answer before the requester gives up, so a silence means something.
  setTimer(step, now + state.config.probeTimeout, { _tag: "RelayTimeout", seqNo })
}

/** The relayed ping got no ack in time: say so, if the requester asked. */
export const relayTimedOut = (step: Step, seqNo: number): void => {
  const relay = step.state.relays.get(seqNo)
  if (relay === undefined) return
  step.state.relays.delete(seqNo)
  if (relay.nack) {
    const nack: Nack = { _tag: "Nack", seqNo: relay.seqNo }
    sendWithPiggyback(step, relay.requester, [nack])
  }
}

/** An ack: ends our probe, or is passed back to whoever asked us to relay. */
export const handleAck = (step: Step, ack: Ack): void => {
  const { state } = step
  const probe = state.probe
  if (probe !== undefined && probe.seqNo === ack.seqNo) {
    if (!probe.acked) {
      probe.acked = true
      observe(step, probeEnded(step, probe, true))
      state.awareness = applyAwarenessDelta(state.awareness, -1, state.config.awarenessMaxMultiplier)
    }
    return
  }
  const relay = state.relays.get(ack.seqNo)
  if (relay !== undefined) {
    state.relays.delete(ack.seqNo)
    sendWithPiggyback(step, relay.requester, [{ _tag: "Ack", seqNo: relay.seqNo, payload: ack.payload }])
  }
}

/** A relay's nack: counted, so missed nacks can be told from our own trouble. */
export const handleNack = (step: Step, nack: Nack): void => {
  const { state } = step
  const probe = state.probe
  if (probe !== undefined && probe.seqNo === nack.seqNo && !probe.acked) {
    probe.nacks++
    return
  }
  const waiting = state.nackWait
  if (waiting !== undefined && waiting.seqNo === nack.seqNo) {
    waiting.nacks++
    if (waiting.nacks >= waiting.expectedNacks) {
      state.nackWait = undefined
      judgeHealth(step, waiting)
    }
  }
}

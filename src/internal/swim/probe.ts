/**
 * Failure detection: the probe cycle (direct ping, then indirect pings
 * through k members and a stream fallback), answering pings, and relaying
 * pings for others with Lifeguard's nacks.
 *
 * @internal
 */
import { applyAwarenessDelta, scaleByAwareness } from "./awareness.js"
import { sendWithPiggyback } from "./dissemination.js"
import type { Ack, Address, IndirectPing, Nack, PacketMessage, Ping } from "./messages.js"
import { formatAddress, NodeState } from "./messages.js"
import type { MemberRecord } from "./member.js"
import { handleSuspect } from "./membership.js"
import { sampleDistinct, shuffleInPlace } from "./random.js"
import { maxVerifications } from "./suspicion.js"
import {
  type CoreState,
  maxRelays,
  newSeqNo,
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
      state.contactPushPulls.delete(m.name)
      const key = formatAddress(m.address)
      if (state.byAddress.get(key) === m) state.byAddress.delete(key)
      state.suspicions.delete(m.name)
    } else {
      order[w++] = m
    }
  }
  order.length = w
  shuffleInPlace(state.rng, order)
}

/**
 * A suspect we hold a suspicion about and have not probed ourselves lately
 * (at most `maxVerifications` times, spaced over the min timeout). Probing
 * it out of turn (our addition to SWIM) lets a refutation we missed reach us
 * on the ack before the suspicion expires, and turns a real failure into an
 * independent confirmation sooner.
 */
const unverifiedSuspect = (state: CoreState, now: number): MemberRecord | undefined => {
  for (const [name, suspicion] of state.suspicions) {
    if (suspicion.verifications >= maxVerifications || now < suspicion.nextVerificationAt) continue
    suspicion.verifications++
    suspicion.nextVerificationAt = now + Math.floor(suspicion.min / maxVerifications)
    const record = state.members.get(name)
    if (record !== undefined && record.state === NodeState.Suspect) return record
  }
  return undefined
}

/** The next member to probe, round robin over the shuffled order, skipping self, dead and left. */
const nextProbeTarget = (step: Step): MemberRecord | undefined => {
  const { state } = step
  // Alternate with the round robin so suspicions cannot starve it.
  if (!state.lastProbeOutOfTurn) {
    const suspect = unverifiedSuspect(state, step.now)
    if (suspect !== undefined) {
      state.lastProbeOutOfTurn = true
      return suspect
    }
  }
  state.lastProbeOutOfTurn = false
  for (let checked = 0; checked <= state.probeOrder.length; checked++) {
    if (state.probeIndex >= state.probeOrder.length) {
      resetProbeOrder(step)
      state.probeIndex = 0
      if (state.probeOrder.length === 0) return undefined
    }
    const candidate = state.probeOrder[state.probeIndex++] as MemberRecord
    if (candidate.name === state.config.name) continue
    if (candidate.state === NodeState.Dead || candidate.state === NodeState.Left) continue
    return candidate
  }
  return undefined
}

const selfSource = (state: CoreState) => ({ address: state.config.address, node: state.config.name })

/**
 * Ends the previous probe (a probe with no ack by now has failed) and starts
 * the next one. The next tick and the probe's deadline are both one probe
 * interval away, scaled by local health.
 */
export const probeTick = (step: Step, token: number): void => {
  const { state, now } = step
  if (token !== state.probeTickToken || state.status !== "alive") return
  finishProbe(step)

  const interval = scaleByAwareness(state.config.probeInterval, state.awareness)
  state.probeTickToken = newToken(state)
  setTimer(step, now + interval, { _tag: "ProbeTick", token: state.probeTickToken })

  const target = nextProbeTarget(step)
  if (target === undefined) return
  const ping: Ping = { _tag: "Ping", seqNo: newSeqNo(state), node: target.name, source: selfSource(state) }
  const messages: Array<PacketMessage> = [ping]
  // Tell a suspect member it is suspected, so it can refute even if gossip missed it.
  if (target.state === NodeState.Suspect) {
    messages.push({ _tag: "Suspect", incarnation: target.incarnation, node: target.name, from: state.config.name })
  }
  // A probe whether round robin or verifying a suspect: the shell counts it as one.
  sendWithPiggyback(step, target.address, messages, { probe: true })
  state.probe = {
    seqNo: ping.seqNo,
    target: target.name,
    address: target.address,
    incarnation: target.incarnation,
    deadline: now + interval,
    acked: false,
    indirect: false,
    expectedNacks: 0,
    nacks: 0
  }
  setTimer(step, now + scaleByAwareness(state.config.probeTimeout, state.awareness), {
    _tag: "ProbeTimeout",
    seqNo: ping.seqNo
  })
}

/** A failed probe counts against local health (unless the relays' nacks show the fault is not ours) and raises a suspicion. */
const finishProbe = (step: Step): void => {
  const { state } = step
  const probe = state.probe
  state.probe = undefined
  if (probe === undefined || probe.acked) return
  const missedNacks = probe.expectedNacks > 0 ? Math.max(probe.expectedNacks - probe.nacks, 0) : 1
  state.awareness = applyAwarenessDelta(state.awareness, missedNacks, state.config.awarenessMaxMultiplier)
  const target = state.members.get(probe.target)
  if (target === undefined) return
  handleSuspect(step, {
    _tag: "Suspect",
    incarnation: probe.incarnation,
    node: probe.target,
    from: state.config.name
  })
}

/** No direct ack in time: ask k members to probe for us, and try a stream ping. */
export const probeTimedOut = (step: Step, seqNo: number): void => {
  const { state } = step
  const probe = state.probe
  if (probe === undefined || probe.seqNo !== seqNo || probe.acked || probe.indirect) return
  probe.indirect = true
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
  const target = state.members.get(probe.target)
  if (state.config.tcpPingFallback && target !== undefined && target.versions[1] >= 3) {
    step.out.push({
      _tag: "StreamPing",
      to: probe.address,
      ping: { _tag: "Ping", seqNo: probe.seqNo, node: probe.target, source: selfSource(state) },
      deadline: probe.deadline
    })
  }
}

/** Answers a ping addressed to us (on its stream when it came on one: `replyTo`). */
export const handlePing = (step: Step, from: Address, ping: Ping, replyTo: number | undefined): void => {
  const { state } = step
  if (ping.node !== "" && ping.node !== state.config.name) {
    const over = replyTo === undefined ? "ping" : "stream ping"
    step.out.push({ _tag: "Dropped", reason: "NotForUs", detail: `${over} for ${ping.node}` })
    return
  }
  const ack: Ack = { _tag: "Ack", seqNo: ping.seqNo, payload: new Uint8Array(0) }
  // A stream ping is answered on its stream, a packet ping by packet (with gossip piggybacked).
  if (replyTo !== undefined) step.out.push({ _tag: "StreamReply", replyTo, messages: [ack] })
  else sendWithPiggyback(step, ping.source?.address ?? from, [ack])
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
  const probe = step.state.probe
  if (probe !== undefined && probe.seqNo === nack.seqNo && !probe.acked) probe.nacks++
}

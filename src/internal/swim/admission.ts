/**
 * The doors of the member table (see trust.ts for the rules): admitting a
 * name now, holding it as a candidate and pinging it, admitting it when it
 * answers, and forgetting candidates that never do.
 *
 * @internal
 */
import { isNewer } from "./incarnation.js"
import { handleAlive } from "./membership.js"
import type { Address, Alive } from "./messages.js"
import { formatAddress, NodeState, sameAddress } from "./messages.js"
import { sendPacket } from "./send.js"
import { newSeqNo, type Step } from "./state.js"
import { budgetOf, type Candidate, candidateLifetime, maxCandidates, type Origin, relayedPerSource, spend } from "./trust.js"

/**
 * Whether an alive about a name we do not know is admitted now. When it is
 * not, it may have become a candidate, pinged at once.
 */
export const admitNew = (step: Step, a: Alive, origin: Origin, source: Address | undefined): boolean => {
  const budget = budgetOf(origin, source)
  if (budget === undefined) return true
  if ((origin === "own" || origin === "request") && spend(step, budget.key, budget.limit)) return true
  propose(step, a, source)
  return false
}

/** Holds `a` as a candidate and pings it by name, within the table and the source's budget. */
const propose = (step: Step, a: Alive, source: Address | undefined): void => {
  const { state, now } = step
  const admission = state.admission
  const existing = admission.candidates.get(a.node)
  if (existing !== undefined) {
    // A newer claim at the same address replaces the one the answer will admit; nothing else does.
    const newer = isNewer(a.incarnation, existing.alive.incarnation) && sameAddress(a.address, existing.alive.address)
    const candidate = newer ? { ...existing, alive: a } : existing
    if (newer) admission.candidates.set(a.node, candidate)
    pingAgain(step, candidate, source)
    return
  }
  const holder = state.byAddress.get(formatAddress(a.address))
  const taken = holder !== undefined && (holder.state === NodeState.Alive || holder.state === NodeState.Suspect)
  if (taken || admission.candidates.size >= maxCandidates || !spend(step, relayedKey(source), relayedPerSource)) {
    admission.unreported++
    return
  }
  const seqNo = newSeqNo(state)
  admission.candidates.set(a.node, { alive: a, seqNo, since: now, pingedAt: now })
  admission.pings.set(seqNo, a.node)
  pingCandidate(step, a, seqNo)
}

const pingCandidate = (step: Step, a: Alive, seqNo: number): void => {
  const config = step.state.config
  sendPacket(step, a.address, [{ _tag: "Ping", seqNo, node: a.node, source: { address: config.address, node: config.name } }])
}

/**
 * A further claim about a candidate that has not answered: its ping or the
 * ack may have been lost, so once a probe timeout has passed since the last
 * one, it is pinged again (same sequence number). Each ping spends the
 * claiming source's budget as a new candidate would, so claims cannot draw
 * more pings than before, only stop a lost packet from leaving a real
 * member out until the next push/pull.
 */
const pingAgain = (step: Step, candidate: Candidate, source: Address | undefined): void => {
  const { state, now } = step
  if (now - candidate.pingedAt < state.config.probeTimeout) return
  if (!spend(step, relayedKey(source), relayedPerSource)) {
    state.admission.unreported++
    return
  }
  state.admission.candidates.set(candidate.alive.node, { ...candidate, pingedAt: now })
  pingCandidate(step, candidate.alive, candidate.seqNo)
}

const relayedKey = (source: Address | undefined): string => budgetOf("relayed", source)?.key ?? "relayed"

/**
 * An ack: when it answers a candidate's ping and comes from the candidate's
 * address, the candidate is admitted. Returns whether the ack was one of
 * ours for a candidate (then it is not a probe's).
 */
export const confirmCandidate = (step: Step, from: Address, seqNo: number): boolean => {
  const admission = step.state.admission
  const name = admission.pings.get(seqNo)
  if (name === undefined) return false
  const candidate = admission.candidates.get(name)
  if (candidate === undefined || !sameAddress(from, candidate.alive.address)) return true
  admission.pings.delete(seqNo)
  admission.candidates.delete(name)
  handleAlive(step, candidate.alive, "confirmed")
  return true
}

/** Forgets candidates that have not answered for `candidateLifetime` probe intervals. */
export const sweepCandidates = (step: Step): void => {
  const { state, now } = step
  const admission = state.admission
  const lifetime = candidateLifetime * state.config.probeInterval
  for (const [name, candidate] of admission.candidates) {
    if (now - candidate.since < lifetime) continue
    admission.candidates.delete(name)
    admission.pings.delete(candidate.seqNo)
  }
}

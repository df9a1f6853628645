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
import { budgetOf, candidateLifetime, maxCandidates, type Origin, relayedPerSource, spend } from "./trust.js"

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
    if (isNewer(a.incarnation, existing.alive.incarnation) && sameAddress(a.address, existing.alive.address)) {
      admission.candidates.set(a.node, { ...existing, alive: a })
    }
    return
  }
  const holder = state.byAddress.get(formatAddress(a.address))
  const taken = holder !== undefined && (holder.state === NodeState.Alive || holder.state === NodeState.Suspect)
  if (taken || admission.candidates.size >= maxCandidates || !spend(step, relayedKey(source), relayedPerSource)) {
    admission.unreported++
    return
  }
  const seqNo = newSeqNo(state)
  admission.candidates.set(a.node, { alive: a, seqNo, since: now })
  admission.pings.set(seqNo, a.node)
  sendPacket(step, a.address, [
    { _tag: "Ping", seqNo, node: a.node, source: { address: state.config.address, node: state.config.name } }
  ])
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

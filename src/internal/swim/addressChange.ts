/**
 * A member's name claimed from a new address: a restarted process (a
 * Kubernetes pod back under a new IP) or a forgery. One rule serves both:
 * the name moves only when the member does not answer at its old address
 * for a whole probe while the claimant answers at the new one.
 *
 * - A claim (an alive message naming a known member at another address)
 *   starts a check: a ping to the old address and one to the new, both
 *   naming the member. At the probe timeout, the old address is pinged
 *   again, directly and through `indirectChecks` relays; at the end of the
 *   probe (a probe interval, scaled by local health) the check decides.
 * - The old address answered (at any point): the member keeps its name and
 *   address. `NameConflict` is published once per claimant, the claimant is
 *   remembered as refused while the member stays where it is, and the claim
 *   is passed to the member itself, so it refutes and the refused claimant
 *   hears the higher incarnation and sees the conflict too.
 * - Only the new address answered: the name moves. The claim is gossiped
 *   on and `MemberUpdated` (with the previous address) or, for a member
 *   held dead or left, `MemberJoined` is published.
 * - Neither answered: the claim is dropped (a counted `Dropped`).
 *
 * A dead or left member gets the same check: a leave can be forged and a
 * death can be wrong, and the check costs only one probe. Traffic to a
 * member that still answers therefore never moves, however the claim is
 * dressed up; the only window is a member that fails a whole probe (as it
 * would to be suspected) while someone else answers for it.
 *
 * A member that lost its name this way (it missed a whole probe) takes it
 * back with its refutation: for `gossipToTheDeadTime` after a move, a claim
 * from the address the member moved from wins once it answers, whatever the
 * current address says, and the address it had moved to is refused.
 *
 * A member that hears itself claimed at another address refutes once per
 * address (a stale view of its previous life, or a forgery); if that address
 * comes back above the refutation, another process holds the name: it
 * publishes `NameConflict` once and stops bumping, so two processes with one
 * name do not race their incarnations up.
 *
 * @internal
 */
import { isNewer, isOlder } from "./incarnation.js"
import { scaleByAwareness } from "./awareness.js"
import { broadcastMembership } from "./dissemination.js"
import type { Address, Alive, Ack } from "./messages.js"
import { formatAddress, NodeState, sameAddress } from "./messages.js"
import { type MemberRecord, takeAlive, toMember } from "./member.js"
import { sampleDistinct } from "./random.js"
import { sendPacket } from "./send.js"
import { emit, newSeqNo, newToken, selfRecord, setTimer, type Step } from "./state.js"
import { storedAddressKey } from "./addressKey.js"
import { ownRecord } from "./sharedRecord.js"

/** A claim being checked. */
export interface PendingClaim {
  readonly token: number
  /** The claimant's latest alive message (the highest incarnation heard). */
  claim: Alive
  /** Where the member was when the check began; the check is void if it moves meanwhile. */
  readonly from: Address
  readonly oldSeqNo: number
  readonly newSeqNo: number
  oldAnswered: boolean
  newAnswered: boolean
  /** The old address was pinged again (at the probe timeout). */
  retried: boolean
  readonly deadline: number
  /** The claimant is where the member was before its last move: an answer at the old address does not refuse it. */
  readonly takingBack: boolean
}

/** A member's last move: where it was, and until when an answer from there takes the name back. */
export interface Move {
  readonly previous: Address
  readonly until: number
}

/** What a node remembers about claims: those in progress, those refused, and rivals for its own name. */
export interface AddressClaims {
  /** Checks in progress, by member name. */
  readonly pending: Map<string, PendingClaim>
  /** Claimants refused, by `name` + claimant address, with the address the member kept. */
  readonly refused: Map<string, Address>
  /** Other addresses that claimed this node's own name: refuted once, then reported once. */
  readonly rivals: Map<string, "refuted" | "reported">
  /** Recent moves, by member name (see `takeBack`). */
  readonly moves: Map<string, Move>
}

/** Most checks at once; a claim beyond is dropped (it comes back with the next gossip or push/pull). */
export const maxPendingClaims = 16
/** Most refused claimants remembered; the oldest is forgotten (and may be checked, and reported, again). */
export const maxRefusedClaims = 256
/** Most rival addresses for our own name remembered; the oldest is forgotten. */
export const maxRivals = 64
/** Most recent moves remembered; the oldest is forgotten (its member can no longer take its name back). */
export const maxMoves = 64

/** An empty claim table. */
export const makeAddressClaims = (): AddressClaims => ({
  pending: new Map(),
  refused: new Map(),
  rivals: new Map(),
  moves: new Map()
})

const refusedKey = (name: string, claimant: Address): string => `${name}\n${formatAddress(claimant)}`

/** Adds to a bounded map; when full, the oldest entry is forgotten, and that is a counted `Dropped`. */
const remember = <V>(step: Step, map: Map<string, V>, key: string, value: V, limit: number, what: string): void => {
  map.delete(key)
  if (map.size >= limit) {
    const oldest = map.keys().next().value
    if (oldest !== undefined) map.delete(oldest)
    step.out.push({ _tag: "Dropped", reason: "Rejected", detail: `forgot the oldest ${what} (${limit} kept)` })
  }
  map.set(key, value)
}

/**
 * Whether a claim's incarnation may be considered: above the member's, as
 * for any alive message; or any, for a member that left or has been dead
 * longer than `deadNodeReclaimTime` (memberlist's reclaim), since a fresh
 * process starts again from a low incarnation.
 */
const incarnationAdmits = (step: Step, record: MemberRecord, a: Alive): boolean => {
  if (isNewer(a.incarnation, record.incarnation)) return true
  if (record.state === NodeState.Left) return true
  const reclaim = step.state.config.deadNodeReclaimTime
  return record.state === NodeState.Dead && reclaim > 0 && step.now - record.stateChangedAt > reclaim
}

const pingFor = (step: Step, to: Address, seqNo: number, node: string): void => {
  const { config } = step.state
  sendPacket(step, to, [{ _tag: "Ping", seqNo, node, source: { address: config.address, node: config.name } }])
}

/** An alive message names `record` (not this node) at another address: check the claim, or ignore it. */
export const claimAddress = (step: Step, record: MemberRecord, a: Alive): void => {
  const { state, now } = step
  const claims = state.addressClaims
  if (!incarnationAdmits(step, record, a)) return
  if (sameAddress(a.address, state.config.address)) return
  const keptAt = claims.refused.get(refusedKey(a.node, a.address))
  if (
    keptAt !== undefined && sameAddress(keptAt, record.address) &&
    (record.state === NodeState.Alive || record.state === NodeState.Suspect)
  ) return

  const pending = claims.pending.get(a.node)
  if (pending !== undefined) {
    // One claimant at a time; the same one may raise its incarnation meanwhile.
    if (sameAddress(pending.claim.address, a.address) && isNewer(a.incarnation, pending.claim.incarnation)) pending.claim = a
    return
  }
  if (claims.pending.size >= maxPendingClaims) {
    step.out.push({ _tag: "Dropped", reason: "Rejected", detail: `address claim for ${a.node}: ${maxPendingClaims} checks in progress` })
    return
  }
  const check: PendingClaim = {
    token: newToken(state),
    claim: a,
    from: record.address,
    oldSeqNo: newSeqNo(state),
    newSeqNo: newSeqNo(state),
    oldAnswered: false,
    newAnswered: false,
    retried: false,
    deadline: now + scaleByAwareness(state.config.probeInterval, state.awareness),
    takingBack: takeBack(step, a)
  }
  claims.pending.set(a.node, check)
  pingFor(step, record.address, check.oldSeqNo, a.node)
  pingFor(step, a.address, check.newSeqNo, a.node)
  setTimer(step, now + scaleByAwareness(state.config.probeTimeout, state.awareness), {
    _tag: "AddressClaimTimeout",
    node: a.node,
    token: check.token
  })
}

/**
 * An ack that answers a check's ping, if any: returns whether it was one.
 * The new address's answer counts only from the new address itself.
 */
export const addressClaimAcked = (step: Step, from: Address, ack: Ack): boolean => {
  for (const [name, check] of step.state.addressClaims.pending) {
    if (ack.seqNo === check.oldSeqNo) {
      check.oldAnswered = true
      if (!check.takingBack) refuse(step, name, check)
      return true
    }
    if (ack.seqNo === check.newSeqNo) {
      if (sameAddress(from, check.claim.address)) check.newAnswered = true
      return true
    }
  }
  return false
}

/** A check's timer: at the probe timeout, ping the old address again (also through relays); at the deadline, decide. */
export const addressClaimTimedOut = (step: Step, name: string, token: number): void => {
  const { state, now } = step
  const check = state.addressClaims.pending.get(name)
  if (check === undefined || check.token !== token) return
  if (!check.retried) {
    check.retried = true
    pingFor(step, check.from, check.oldSeqNo, name)
    if (!check.newAnswered) pingFor(step, check.claim.address, check.newSeqNo, name)
    const relays = sampleDistinct(
      state.rng,
      state.probeOrder,
      state.config.indirectChecks,
      (m) => m.name !== state.config.name && m.name !== name && m.state === NodeState.Alive
    )
    for (const relay of relays) {
      sendPacket(step, relay.address, [{
        _tag: "IndirectPing",
        seqNo: check.oldSeqNo,
        target: check.from,
        node: name,
        nack: false,
        source: { address: state.config.address, node: state.config.name }
      }])
    }
    setTimer(step, Math.max(check.deadline, now), { _tag: "AddressClaimTimeout", node: name, token })
    return
  }
  decide(step, name, check)
}

const decide = (step: Step, name: string, check: PendingClaim): void => {
  const { state } = step
  state.addressClaims.pending.delete(name)
  const record = state.members.get(name)
  const claim = check.claim
  const claimant = formatAddress(claim.address)
  if (record === undefined || !sameAddress(record.address, check.from)) return
  if (!check.newAnswered) {
    step.out.push({ _tag: "Dropped", reason: "Rejected", detail: `address claim for ${name} from ${claimant}: no answer there` })
    return
  }
  if (!incarnationAdmits(step, record, claim)) return
  moveMember(step, record, claim)
  if (check.takingBack) {
    // Back where it was: the address it was taken to is refused from now on, so it cannot take it again.
    state.addressClaims.moves.delete(name)
    remember(step, state.addressClaims.refused, refusedKey(name, check.from), claim.address, maxRefusedClaims, "refused address claim")
  }
}

/**
 * Whether `a` comes from where its member was before its last move, soon
 * enough after it: the member lost one probe (packet loss, a stall) and its
 * name went to an address that answered for it; its refutation takes the
 * name back as soon as it answers again, whether or not the address it was
 * taken to still answers.
 */
const takeBack = (step: Step, a: Alive): boolean => {
  const move = step.state.addressClaims.moves.get(a.node)
  return move !== undefined && step.now < move.until && sameAddress(move.previous, a.address)
}

/** The old address still answers: it keeps the name. Reported once; the member itself is told, so it refutes. */
const refuse = (step: Step, name: string, check: PendingClaim): void => {
  const { state } = step
  state.addressClaims.pending.delete(name)
  const record = state.members.get(name)
  if (record === undefined || !sameAddress(record.address, check.from)) return
  remember(step, state.addressClaims.refused, refusedKey(name, check.claim.address), record.address, maxRefusedClaims, "refused address claim")
  emit(step, { _tag: "NameConflict", existing: toMember(record), claimant: check.claim.address })
  sendPacket(step, record.address, [check.claim])
}

/** The check passed: the member is at the claimant's address from now on, and everyone is told. */
const moveMember = (step: Step, known: MemberRecord, claim: Alive): void => {
  const { state, now } = step
  const record = ownRecord(state, known)
  const previousAddress = record.address
  const oldState = record.state
  state.suspicions.delete(record.name)
  broadcastMembership(step, record.name, claim)
  const oldKey = formatAddress(previousAddress)
  if (state.byAddress.get(oldKey) === record) state.byAddress.delete(oldKey)
  state.byAddress.set(storedAddressKey(claim.address), record)
  record.address = claim.address
  takeAlive(record, claim, now)
  const move = { previous: previousAddress, until: now + state.config.gossipToTheDeadTime }
  remember(step, state.addressClaims.moves, record.name, move, maxMoves, "address move")
  if (oldState === NodeState.Dead || oldState === NodeState.Left) {
    emit(step, { _tag: "MemberJoined", member: toMember(record) })
  } else {
    emit(step, { _tag: "MemberUpdated", member: toMember(record), previousAddress })
  }
}

/**
 * This node heard itself alive at another address. Returns whether to
 * refute: the first time an address claims us at or above our incarnation.
 * The second time (it came back above our refutation) another process holds
 * our name: reported once, and no more refutations from us.
 */
export const claimedElsewhere = (step: Step, a: Alive): boolean => {
  const { state } = step
  const self = selfRecord(state)
  if (isOlder(a.incarnation, self.incarnation)) return false
  const key = formatAddress(a.address)
  const seen = state.addressClaims.rivals.get(key)
  if (seen === undefined) {
    remember(step, state.addressClaims.rivals, key, "refuted", maxRivals, "rival for our name")
    return true
  }
  if (seen === "refuted") {
    state.addressClaims.rivals.set(key, "reported")
    emit(step, { _tag: "NameConflict", existing: toMember(self), claimant: a.address })
  }
  return false
}

/**
 * The membership rules: how alive, suspect and dead updates change a
 * member, with SWIM's incarnation precedence and memberlist's refinements.
 *
 * - alive with a higher incarnation wins; suspect beats alive at the same
 *   incarnation; dead and left win over both;
 * - a node that hears itself suspected or declared dead refutes at once with
 *   a higher incarnation, unless it is leaving;
 * - a suspicion becomes a death after a Lifeguard timeout that shrinks with
 *   independent confirmations.
 *
 * @internal
 */
import { claimAddress, claimedElsewhere } from "./addressChange.js"
import { applyAwarenessDelta } from "./awareness.js"
import { broadcastMembership } from "./dissemination.js"
import type { Address, Alive, Dead, PushNodeState, Suspect } from "./messages.js"
import { formatAddress, NodeState, sameAddress } from "./messages.js"
import { makeRecord, type MemberRecord, recordOfAlive, takeAlive, toMember } from "./member.js"
import { nextInt } from "./random.js"
import { observe } from "./observation.js"
import { clusterSize, type CoreState, emit, newToken, selfRecord, setTimer, type Step } from "./state.js"
import {
  confirmSuspicion,
  expectedConfirmations,
  type Suspicion,
  suspicionMinTimeout,
  verificationSpacing
} from "./suspicion.js"
import { inTouchWith } from "./inTouch.js"
import { formedWhileIsolated, isIsolated } from "./isolation.js"
import { above, beyondWindow, incarnationWindow, isNewer, isOlder } from "./incarnation.js"
import { type Origin, pushPullEntryOrigin, reportUnconfirmed } from "./trust.js"
import { admitNew } from "./admission.js"
import { storedAddressKey } from "./addressKey.js"
import { ownRecord } from "./sharedRecord.js"

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** This node's alive at its current incarnation. */
export const aliveAboutSelf = (self: MemberRecord): Alive => ({
  _tag: "Alive",
  incarnation: self.incarnation,
  node: self.name,
  address: self.address,
  meta: self.meta,
  versions: self.versions
})

/** Announces this node alive at its current incarnation. */
export const announceSelf = (step: Step): void => {
  const self = selfRecord(step.state)
  broadcastMembership(step, self.name, aliveAboutSelf(self))
}

/**
 * Answers an accusation about this node: an incarnation above both ours and
 * the accusation's, announced to everyone. Having to refute also counts
 * against local health (Lifeguard): we were slow enough to be suspected.
 */
export const refute = (step: Step, accusedIncarnation: number): void => {
  const { state } = step
  const self = selfRecord(state)
  self.incarnation = above(self.incarnation, accusedIncarnation)
  state.awareness = applyAwarenessDelta(state.awareness, 1, state.config.awarenessMaxMultiplier)
  announceSelf(step)
  emit(step, { _tag: "LocalStatus", status: "alive", incarnation: self.incarnation, cause: "refuted" })
}

/**
 * An accusation about us at an incarnation we already refuted means its
 * sender missed the refutation. memberlist ignores it; we queue our alive
 * again, so it rides on the very reply (the ack to that sender's probe) and
 * the stale accuser does not go on to declare us dead.
 */
const answerStaleAccusation = (step: Step, node: string): void => {
  if (node === step.state.config.name && step.state.status === "alive") announceSelf(step)
}

const insertNewMember = (step: Step, a: Alive): MemberRecord =>
  // Created dead, so the update below applies and reports a join.
  placeRecord(step.state, recordOfAlive(a, NodeState.Dead, step.now))

/**
 * Adds a record for a member the table does not hold, in `nodeState`, changed
 * at `now` (see `placeRecord`).
 */
export const insertRecord = (
  state: CoreState,
  fields: Pick<MemberRecord, "name" | "address" | "meta" | "incarnation" | "versions">,
  nodeState: NodeState,
  now: number
): MemberRecord => placeRecord(state, makeRecord(fields, nodeState, now))

/**
 * Puts `record`, of a member the table does not hold, in the tables, and in
 * the probe order at a random position drawn from the core's generator (a
 * random position keeps the expected time to its first probe low). The one
 * place a record enters the table.
 */
export const placeRecord = (state: CoreState, record: MemberRecord): MemberRecord => {
  state.members.set(record.name, record)
  state.byAddress.set(storedAddressKey(record.address), record)
  const order = state.probeOrder
  const offset = nextInt(state.rng, order.length + 1)
  order.push(record)
  const swapped = order[offset] as MemberRecord
  order[offset] = record
  order[order.length - 1] = swapped
  return record
}

/**
 * Whether the join filter refuses `a` (reported as a drop). Asked only of an
 * alive message that could change what we know - about a node we do not
 * know, or at a higher incarnation, or from another address - so a stale
 * echo of an admitted member costs nothing. A filter that throws refuses.
 */
const refusedByFilter = (step: Step, a: Alive, record: MemberRecord | undefined): boolean => {
  const filter = step.state.config.filterJoin
  if (filter === undefined) return false
  if (record !== undefined && !isNewer(a.incarnation, record.incarnation) && sameAddress(record.address, a.address)) return false
  let reason: string | undefined
  try {
    reason = filter({ name: a.node, address: a.address, meta: a.meta, versions: a.versions })
  } catch (error) {
    reason = `filterJoin threw: ${String(error)}`
  }
  if (reason === undefined) return false
  step.out.push({ _tag: "Dropped", reason: "JoinRefused", detail: `${a.node} (${formatAddress(a.address)}): ${reason}` })
  return true
}

/**
 * Applies an alive message; `origin` says who vouches for it (this node
 * itself on start), `source` is the address it came from. A name we do not
 * know is admitted only as trust.ts allows. What it changes is queued for
 * gossip unless `regossip` is false (a join's merge of its seed's view).
 */
export const handleAlive = (step: Step, a: Alive, origin: Origin, source?: Address, regossip = true): void => {
  const { state, now } = step
  const bootstrap = origin === "self"
  const isSelf = a.node === state.config.name
  if (isSelf && state.status !== "alive" && !bootstrap) return

  let record = state.members.get(a.node)
  if (!isSelf && refusedByFilter(step, a, record)) return
  let isNew = false
  if (record === undefined) {
    if (!admitNew(step, a, origin, source)) return
    record = insertNewMember(step, a)
    isNew = true
  } else if (!sameAddress(record.address, a.address)) {
    // A name from another address moves only after a check (addressChange.ts); about us, we refute.
    if (!isSelf) claimAddress(step, record, a)
    else if (!bootstrap && claimedElsewhere(step, a)) refute(step, a.incarnation)
    return
  }

  if (!isNew && !isSelf) {
    if (!isNewer(a.incarnation, record.incarnation)) return
    if (origin !== "own" && beyondWindow(a.incarnation, record.incarnation, incarnationWindow(state.config))) {
      reportUnconfirmed(step, `alive of ${a.node} at ${a.incarnation}, far above ${record.incarnation}, not from itself`)
      return
    }
  }
  if (isSelf && isOlder(a.incarnation, record.incarnation)) return

  state.suspicions.delete(a.node)
  const oldState = record.state
  const oldMeta = record.meta

  if (isSelf && !bootstrap) {
    // Our own alive echoed back unchanged needs nothing; anything else about us is stale or forged.
    if (a.incarnation === record.incarnation && sameBytes(a.meta, record.meta)) return
    refute(step, a.incarnation)
    return
  }

  if (regossip) broadcastMembership(step, a.node, a)
  record = ownRecord(state, record)
  takeAlive(record, a, now)

  if (isNew || oldState === NodeState.Dead || oldState === NodeState.Left) {
    emit(step, { _tag: "MemberJoined", member: toMember(record) })
  } else if (!sameBytes(oldMeta, record.meta)) {
    emit(step, { _tag: "MemberUpdated", member: toMember(record) })
  } else if (oldState === NodeState.Suspect) {
    emit(step, { _tag: "MemberRecovered", member: toMember(record) })
  }
}

/** Applies a suspicion. */
export const handleSuspect = (step: Step, accusation: Suspect): void => {
  const { state, now } = step
  const record = state.members.get(accusation.node)
  if (record === undefined) return
  if (isOlder(accusation.incarnation, record.incarnation)) {
    answerStaleAccusation(step, accusation.node)
    return
  }
  const s = withinWindow(step, accusation, record)

  const existing = state.suspicions.get(s.node)
  if (existing !== undefined) {
    // An independent confirmation shortens the timeout and is worth passing on.
    if (confirmSuspicion(existing, s.from)) {
      setTimer(step, existing.deadline, { _tag: "SuspicionTimeout", node: s.node, token: existing.token })
      broadcastMembership(step, s.node, s)
    }
    return
  }
  if (record.state !== NodeState.Alive) return

  if (s.node === state.config.name) {
    refute(step, s.incarnation)
    return
  }

  broadcastMembership(step, s.node, s)
  const suspected = ownRecord(state, record)
  suspected.incarnation = s.incarnation
  suspected.state = NodeState.Suspect
  suspected.stateChangedAt = now

  const n = clusterSize(state)
  const min = suspicionMinTimeout(state.config.suspicionMult, n, state.config.probeInterval)
  const max = state.config.suspicionMaxTimeoutMult * min
  const expected = expectedConfirmations(state.config.suspicionMult, n)
  const suspicion: Suspicion = {
    token: newToken(state),
    startedAt: now,
    expected,
    min,
    max,
    accusers: new Set([s.from]),
    deadline: now + (expected < 1 ? min : max),
    verifications: 0,
    // Our own accusation is verified at once (the suspect learns of it straight away and its ack
    // brings the refutation, usually before our gossip has spread the accusation); others' at a
    // random point of the first spacing, so the members that hear of it do not all ping at once.
    nextVerificationAt: s.from === state.config.name ? now : now + nextInt(state.rng, verificationSpacing({ min }))
  }
  state.suspicions.set(s.node, suspicion)
  setTimer(step, suspicion.deadline, { _tag: "SuspicionTimeout", node: s.node, token: suspicion.token })
  emit(step, { _tag: "MemberSuspected", member: toMember(suspected), from: s.from })
}

/**
 * An accusation about another member far above the incarnation we hold
 * for it is taken at the incarnation we hold: it starts a suspicion our
 * probes check and the member can refute, and it cannot move the member
 * out of reach of its refutations. About this node itself it stands: the
 * refutation goes above it (after a restart, the cluster may rightly hold
 * us far above where we start).
 */
const withinWindow = (step: Step, s: Suspect, record: MemberRecord): Suspect => {
  const { state } = step
  if (s.node === state.config.name || !beyondWindow(s.incarnation, record.incarnation, incarnationWindow(state.config))) {
    return s
  }
  reportUnconfirmed(step, `accusation of ${s.node} at ${s.incarnation}, far above ${record.incarnation}: taken at ${record.incarnation}`)
  return { ...s, incarnation: record.incarnation }
}

/** A suspicion timer fired: if it is still the live suspicion and its deadline has come, the member is dead. */
export const suspicionExpired = (step: Step, node: string, token: number): void => {
  const { state, now } = step
  const suspicion = state.suspicions.get(node)
  if (suspicion === undefined || suspicion.token !== token) return
  // Confirmations may have moved the deadline; only the timer for the current one counts.
  if (now < suspicion.deadline) return
  const record = state.members.get(node)
  if (
    record !== undefined && record.state === NodeState.Suspect && suspicion.restarted !== true &&
    formedWhileIsolated(state, suspicion.startedAt)
  ) {
    startSuspicionOver(step, node, suspicion)
    return
  }
  state.suspicions.delete(node)
  if (record === undefined || record.state !== NodeState.Suspect) return
  // Cut off, our verdict holds for us alone: spreading it would fail a healthy member everywhere.
  handleDead(step, { _tag: "Dead", incarnation: record.incarnation, node, from: state.config.name }, !isIsolated(state, now))
}

/**
 * A suspicion formed before this node came back from isolation: look again,
 * from now, for the min timeout. Once only, so a node that hears its peers
 * seldom (a small cluster slowed down by Lifeguard) still reaches a verdict.
 */
const startSuspicionOver = (step: Step, node: string, old: Suspicion): void => {
  const { state, now } = step
  const suspicion: Suspicion = {
    ...old,
    token: newToken(state),
    startedAt: now,
    accusers: new Set([state.config.name]),
    deadline: now + old.min,
    verifications: 0,
    nextVerificationAt: now,
    restarted: true
  }
  state.suspicions.set(node, suspicion)
  setTimer(step, suspicion.deadline, { _tag: "SuspicionTimeout", node, token: suspicion.token })
}

/** Applies a death (or, when `from === node`, a graceful leave); `spread: false` keeps it from gossip. */
export const handleDead = (step: Step, d: Dead, spread = true): void => {
  const { state, now } = step
  let record = state.members.get(d.node)
  if (record === undefined) return
  if (isOlder(d.incarnation, record.incarnation)) {
    answerStaleAccusation(step, d.node)
    return
  }
  if (d.node !== state.config.name && beyondWindow(d.incarnation, record.incarnation, incarnationWindow(state.config))) {
    // Not believed on its sender's word: looked at as a suspicion, which the member refutes if it lives.
    handleSuspect(step, { _tag: "Suspect", incarnation: d.incarnation, node: d.node, from: d.from })
    return
  }
  if (
    d.from !== d.node && d.from !== state.config.name &&
    (record.state === NodeState.Alive || record.state === NodeState.Suspect) && inTouchWith(state, record, now)
  ) {
    step.out.push({ _tag: "Dropped", reason: "InTouch", detail: `dead ${d.node} from ${d.from}: heard from it lately, suspected instead` })
    handleSuspect(step, { _tag: "Suspect", incarnation: d.incarnation, node: d.node, from: d.from })
    return
  }
  state.suspicions.delete(d.node)
  if (record.state === NodeState.Dead || record.state === NodeState.Left) return

  if (d.node === state.config.name) {
    // A running node is never dead in its own view: it refutes. (Its own leave is handled by Leave.)
    refute(step, d.incarnation)
    return
  }

  if (spread) broadcastMembership(step, d.node, d)
  // While suspect, `stateChangedAt` is when the suspicion began (a suspicion started over keeps it).
  const suspectedAt = record.state === NodeState.Suspect ? record.stateChangedAt : undefined
  record = ownRecord(state, record)
  record.incarnation = d.incarnation
  record.state = d.node === d.from ? NodeState.Left : NodeState.Dead
  record.stateChangedAt = now
  if (record.state === NodeState.Left) {
    emit(step, { _tag: "MemberLeft", member: toMember(record) })
  } else {
    emit(step, { _tag: "MemberFailed", member: toMember(record), from: d.from })
    if (suspectedAt !== undefined) observe(step, { _tag: "SuspectDied", node: d.node, suspectedFor: now - suspectedAt })
  }
}

/**
 * Whether an alive entry about another member tells us nothing: we hold the
 * member at the same address and at least that incarnation. `handleAlive`
 * returns such an alive before doing anything (the join filter is not asked
 * either), so skipping it changes no decision.
 */
const knownAlready = (step: Step, r: PushNodeState, position: number): boolean => {
  // The very record we hold (a converged view's shared one, sent as it is) is known by definition; two converged
  // views list their members in nearly the same order, so it is found by its position without a lookup by name.
  if (step.state.members.holdsNear(r as MemberRecord, position)) return true
  const record = step.state.members.get(r.name)
  if (record === r) return true
  return record !== undefined && sameAddress(record.address, r.address) && !isNewer(r.incarnation, record.incarnation)
}

/**
 * Merges a remote node's full state as memberlist does: alive entries as
 * alive messages, left as a leave, and dead as a mere suspicion here - the
 * remote view may be stale, so we let our own probes and the suspicion
 * timeout decide. With `regossipAlives` false, the alive entries taken are
 * not queued for gossip (see `pushPull.ts`, the join's answer).
 */
export const mergeRemoteStates = (
  step: Step,
  states: ReadonlyArray<PushNodeState>,
  origin: "answer" | "request",
  peer: Address,
  regossipAlives = true
): void => {
  const self = step.state.config.name
  for (let i = 0; i < states.length; i++) {
    const r = states[i] as PushNodeState
    switch (r.state) {
      case NodeState.Alive:
        // What we already know: `handleAlive` would return at once, so build no alive message for it.
        if (r.name !== self && knownAlready(step, r, i)) break
        handleAlive(step, {
          _tag: "Alive",
          incarnation: r.incarnation,
          node: r.name,
          address: r.address,
          meta: r.meta,
          versions: r.versions
        }, pushPullEntryOrigin(r.address, origin, peer), peer, regossipAlives)
        break
      case NodeState.Left:
        handleDead(step, { _tag: "Dead", incarnation: r.incarnation, node: r.name, from: r.name })
        break
      case NodeState.Dead:
      case NodeState.Suspect:
        handleSuspect(step, { _tag: "Suspect", incarnation: r.incarnation, node: r.name, from: self })
        break
    }
  }
}

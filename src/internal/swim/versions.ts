/**
 * Protocol and delegate version ranges (`Vsn`: pMin, pMax, pCur, dMin, dMax,
 * dCur) and memberlist's rules about them: which peers get CRC-framed
 * packets, which alive messages carry a sane range, and which versions may
 * share a cluster (state.go `verifyProtocol`, run before merging a
 * push/pull).
 *
 * The cluster rule: over every *alive* member, local and remote, take the
 * highest minimum and the lowest maximum of the protocol and delegate
 * ranges; then every remote member's current protocol and delegate versions
 * (all members' in the local pass) must lie within those bounds. A member
 * whose versions are all zero has no `Vsn` on the wire: it is left out of
 * the bounds but its current versions (zero) are still checked, exactly as
 * memberlist does.
 *
 * @internal
 */
import type { NodeState, Versions } from "./messages.js"

/** The lowest protocol version memberlist understands. */
export const PROTOCOL_VERSION_MIN = 1
/** The highest protocol version memberlist understands (5 adds the packet CRC). */
export const PROTOCOL_VERSION_MAX = 5

/**
 * The delegate maximum version by which an effect-memberlist member says it
 * reads our envelopes (sender and broadcast). We advertise delegate range
 * 0..1 at current 0: Go memberlist advertises 0..0, accepts it, and a
 * current version of 0 keeps every member within the common range.
 */
export const ENVELOPE_DELEGATE_VERSION = 1

/** A member as `verifyProtocol` sees it. */
export interface VersionedMember {
  readonly name: string
  readonly state: NodeState
  readonly versions: Versions
}

/** Why a cluster cannot be joined or merged. */
export interface VersionIncompatibility {
  readonly _tag: "VersionIncompatibility"
  readonly kind: "protocol" | "delegate"
  /** The member whose current version falls outside the common range. */
  readonly node: string
  readonly current: number
  /** The common range every alive member understands. */
  readonly min: number
  readonly max: number
}

/** Builds a Vsn array from its six parts. */
export const makeVersions = (
  pMin: number,
  pMax: number,
  pCur: number,
  dMin: number,
  dMax: number,
  dCur: number
): Versions => [pMin, pMax, pCur, dMin, dMax, dCur]

/** True when `v` stands for a missing Vsn (memberlist's `len(Vsn) == 0`). */
export const versionsMissing = (v: Versions): boolean => {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false
  return true
}

/**
 * memberlist's check of an alive message's protocol range: pMin and pMax
 * non-zero and ordered (a missing Vsn passes, as in `aliveNode`).
 */
export const validAliveVersions = (v: Versions): boolean => versionsMissing(v) || (v[0] > 0 && v[1] > 0 && v[0] <= v[1])

/**
 * Whether packets to a peer with these versions carry a CRC: only when it
 * understands protocol 5 (memberlist: `node.PMax >= 5`); an older peer would
 * not recognise the CRC frame.
 */
export const peerWantsCrc = (peer: Versions): boolean => peer[1] >= 5

/**
 * Members visited until a predicate holds: an array, or a member table
 * (so a view of 10^4 members is not copied into an array per push/pull).
 */
export interface VisitableMembers {
  readonly some: (predicate: (member: VersionedMember) => boolean) => boolean
}

/**
 * `verifyProtocol`: may the remote members (from a push/pull) and the local
 * view (all members we know, ourselves included) form one cluster? Returns
 * `undefined` when they may, else the first incompatibility found (remote
 * members first, then local ones, as memberlist checks them).
 */
export const verifyProtocol = (
  local: VisitableMembers,
  remote: ReadonlyArray<VersionedMember>
): VersionIncompatibility | undefined => {
  const bounds = new Bounds()
  for (let i = 0; i < remote.length; i++) {
    const m = remote[i] as VersionedMember
    if (m.state === 0 && !versionsMissing(m.versions)) bounds.widen(m.versions)
  }
  // Local members always carry versions (Node's PMin etc. are plain fields, zero if unknown).
  local.some((m) => {
    if (m.state === 0) bounds.widen(m.versions)
    return false
  })
  // memberlist checks every remote member and every local member, whatever their state.
  for (let i = 0; i < remote.length; i++) {
    const m = remote[i] as VersionedMember
    if (bounds.outside(m.versions)) return bounds.incompatibility(m)
  }
  let found: VersionIncompatibility | undefined
  local.some((m) => {
    if (!bounds.outside(m.versions)) return false
    found = bounds.incompatibility(m)
    return true
  })
  return found
}

/**
 * The common range of `verifyProtocol`, and its checks. Nearly every member of a cluster holds the same
 * versions tuple (the wire decoder hands out one array per distinct tuple), so a tuple just taken in, or
 * just found within the range, is not looked at again: a push/pull of k entries costs a few comparisons
 * of references instead of 2k range updates and checks.
 */
class Bounds {
  maxPMin = 0
  minPMax = 255
  maxDMin = 0
  minDMax = 255
  private lastWidened: Versions | undefined = undefined
  /** The tuple last found within the range: `outside` is asked only after every member has widened it, so it stays within. */
  private lastWithin: Versions | undefined = undefined

  widen(v: Versions): void {
    if (v === this.lastWidened) return
    this.lastWidened = v
    this.maxPMin = Math.max(this.maxPMin, v[0])
    this.minPMax = Math.min(this.minPMax, v[1])
    this.maxDMin = Math.max(this.maxDMin, v[3])
    this.minDMax = Math.min(this.minDMax, v[4])
  }

  outside(v: Versions): boolean {
    if (v === this.lastWithin) return false
    const pCur = v[2]
    const dCur = v[5]
    if (pCur < this.maxPMin || pCur > this.minPMax || dCur < this.maxDMin || dCur > this.minDMax) return true
    this.lastWithin = v
    return false
  }

  incompatibility(m: VersionedMember): VersionIncompatibility {
    const pCur = m.versions[2]
    if (pCur < this.maxPMin || pCur > this.minPMax) {
      return { _tag: "VersionIncompatibility", kind: "protocol", node: m.name, current: pCur, min: this.maxPMin, max: this.minPMax }
    }
    const dCur = m.versions[5]
    return { _tag: "VersionIncompatibility", kind: "delegate", node: m.name, current: dCur, min: this.maxDMin, max: this.minDMax }
  }
}

/** A one-line account of an incompatibility, naming the member and the range (memberlist's wording, nearly). */
export const describeIncompatibility = (e: VersionIncompatibility): string =>
  `member '${e.node}' ${e.kind === "protocol" ? "protocol" : "delegate protocol"} version ${e.current} is outside ` +
  `${e.min}..${e.max}, the range every alive member understands`

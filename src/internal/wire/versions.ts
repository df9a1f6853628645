/**
 * Protocol and delegate version ranges (`Vsn`: pMin, pMax, pCur, dMin, dMax,
 * dCur) and memberlist's rule for which versions a cluster may speak
 * (state.go `verifyProtocol`, run before merging a push/pull).
 *
 * The rule: over every *alive* member, local and remote, take the highest
 * minimum and the lowest maximum of the protocol and delegate ranges; then
 * every remote member's current protocol and delegate versions (all members'
 * in the local pass) must lie within those bounds. A member whose versions
 * are all zero has no `Vsn` on the wire: it is left out of the bounds but
 * its current versions (zero) are still checked, exactly as memberlist does.
 *
 * @internal
 */
import type { NodeState, Versions } from "../swim/messages.js"

/** The lowest protocol version memberlist understands. */
export const PROTOCOL_VERSION_MIN = 1
/** The highest protocol version memberlist understands (5 adds the packet CRC). */
export const PROTOCOL_VERSION_MAX = 5

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
export const versionsMissing = (v: Versions): boolean => v.every((x) => x === 0)

/**
 * memberlist's check of an alive message's protocol range: pMin and pMax
 * non-zero and ordered (a missing Vsn passes, as in `aliveNode`).
 */
export const validAliveVersions = (v: Versions): boolean => versionsMissing(v) || (v[0] > 0 && v[1] > 0 && v[0] <= v[1])

/**
 * The version of the packet pipeline to use towards a peer: CRC frames only
 * when the peer understands protocol 5 (`node.PMax >= 5`).
 */
export const peerWantsCrc = (peer: Versions): boolean => peer[1] >= 5

/** Encryption version memberlist uses at a protocol version: 0 for protocol 1, else 1. */
export const encryptionVersionFor = (protocolVersion: number): 0 | 1 => (protocolVersion <= 1 ? 0 : 1)

/**
 * `verifyProtocol`: may the remote members (from a push/pull) and the local
 * view (all members we know, ourselves included) form one cluster? Returns
 * `undefined` when they may, else the first incompatibility found (remote
 * members first, then local ones, as memberlist checks them).
 */
export const verifyProtocol = (
  local: ReadonlyArray<VersionedMember>,
  remote: ReadonlyArray<VersionedMember>
): VersionIncompatibility | undefined => {
  let maxPMin = 0
  let minPMax = 255
  let maxDMin = 0
  let minDMax = 255
  const widen = (v: Versions): void => {
    maxPMin = Math.max(maxPMin, v[0])
    minPMax = Math.min(minPMax, v[1])
    maxDMin = Math.max(maxDMin, v[3])
    minDMax = Math.min(minDMax, v[4])
  }
  for (const m of remote) if (m.state === 0 && !versionsMissing(m.versions)) widen(m.versions)
  // Local members always carry versions (Node's PMin etc. are plain fields, zero if unknown).
  for (const m of local) if (m.state === 0) widen(m.versions)
  const check = (m: VersionedMember): VersionIncompatibility | undefined => {
    const pCur = m.versions[2]
    const dCur = m.versions[5]
    if (pCur < maxPMin || pCur > minPMax) {
      return { _tag: "VersionIncompatibility", kind: "protocol", node: m.name, current: pCur, min: maxPMin, max: minPMax }
    }
    if (dCur < maxDMin || dCur > minDMax) {
      return { _tag: "VersionIncompatibility", kind: "delegate", node: m.name, current: dCur, min: maxDMin, max: minDMax }
    }
    return undefined
  }
  // memberlist checks every remote member and every local member, whatever their state.
  for (const m of remote) {
    const e = check(m)
    if (e !== undefined) return e
  }
  for (const m of local) {
    const e = check(m)
    if (e !== undefined) return e
  }
  return undefined
}

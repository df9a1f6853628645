/**
 * Lifeguard's suspicion timeouts. A suspicion starts at the max timeout and
 * each independent confirmation (another member also suspects the node)
 * shrinks it toward the min, logarithmically, so a truly failed node is
 * declared dead quickly while a lone, possibly mistaken accuser waits long.
 *
 * @internal
 */

/** The min suspicion timeout: mult x max(1, log10(n)) x probeInterval, in whole ms. */
export const suspicionMinTimeout = (suspicionMult: number, clusterSize: number, probeInterval: number): number => {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, clusterSize)))
  return Math.floor(suspicionMult * nodeScale * probeInterval)
}

/**
 * How many independent confirmations to expect: suspicionMult - 2, or none
 * in a cluster too small to supply them.
 */
export const expectedConfirmations = (suspicionMult: number, clusterSize: number): number => {
  const k = suspicionMult - 2
  return clusterSize - 2 < k ? 0 : Math.max(k, 0)
}

/**
 * The total timeout after `confirmations` of `expected`: from `max` down to
 * `min` as log(n + 1) / log(k + 1), never below `min`, in whole ms.
 */
export const suspicionTimeout = (confirmations: number, expected: number, min: number, max: number): number => {
  if (expected < 1) return min
  const fraction = Math.log(confirmations + 1) / Math.log(expected + 1)
  const raw = max - fraction * (max - min)
  return Math.max(Math.floor(raw), min)
}

/** A live suspicion of one member. */
export interface Suspicion {
  /** Distinguishes this suspicion's timers from those of an earlier one about the same node. */
  readonly token: number
  readonly startedAt: number
  readonly expected: number
  readonly min: number
  readonly max: number
  /** Who has accused, the first accuser included; confirmations are the others. */
  readonly accusers: Set<string>
  /** When the current deadline falls. */
  deadline: number
  /** Started over once already because it was formed while this node was cut off (see isolation.ts). */
  readonly restarted?: true
  /** How often this node has pinged the suspect to verify the suspicion. */
  verifications: number
  /** When this node verifies it next. */
  nextVerificationAt: number
}

/**
 * Time between verification pings of one suspect: a third of the min
 * timeout, so even a suspicion that ends at the min sees three, each a
 * chance to catch a refutation we missed.
 */
export const verificationSpacing = (suspicion: Pick<Suspicion, "min">): number => Math.max(1, Math.floor(suspicion.min / 3))

/** Most verification pings in one probe tick, besides the round robin's probe. */
export const maxVerificationsPerTick = 2

/** Confirmations received so far (accusers other than the first). */
export const confirmations = (suspicion: Suspicion): number => suspicion.accusers.size - 1

/**
 * Records an accusation from `from`. Returns true when it is a new,
 * independent confirmation that moved the deadline (and so is worth
 * re-gossiping), false for a repeat or once enough were seen.
 */
export const confirmSuspicion = (suspicion: Suspicion, from: string): boolean => {
  if (confirmations(suspicion) >= suspicion.expected) return false
  if (suspicion.accusers.has(from)) return false
  suspicion.accusers.add(from)
  suspicion.deadline = suspicion.startedAt +
    suspicionTimeout(confirmations(suspicion), suspicion.expected, suspicion.min, suspicion.max)
  return true
}

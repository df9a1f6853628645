/**
 * Lifeguard's local health multiplier: a score in [0, max - 1] that grows
 * when this node has reason to think it is the slow one (failed probes,
 * missed nacks, having to refute an accusation) and shrinks with every
 * successful probe. Probe interval and probe timeout are scaled by score + 1,
 * so a struggling node slows down before it accuses healthy peers.
 *
 * @internal
 */

/** The score after applying `delta`, clamped to [0, max - 1]. */
export const applyAwarenessDelta = (score: number, delta: number, max: number): number =>
  Math.min(Math.max(score + delta, 0), Math.max(max - 1, 0))

/** `timeout` scaled by the health score. */
export const scaleByAwareness = (timeout: number, score: number): number => timeout * (score + 1)

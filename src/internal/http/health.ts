/**
 * Readiness: whether a load balancer or an orchestrator should count on this
 * member now, and if not, why.
 *
 * @internal
 */

/** What readiness looks at. */
export interface ReadinessInput {
  /** This member's own status: alive, leaving or left. */
  readonly status: string
  /** Members alive in this member's view, itself included. */
  readonly alive: number
  readonly minMembers: number
  readonly notReadyWhileSuspected: boolean
  /** When this member last refuted an accusation of itself (undefined: never). */
  readonly refutedAt: number | undefined
  /** The longest a suspicion may last: after it, every accusation of this member is over. */
  readonly maxSuspicionTimeout: number
  readonly now: number
}

/** Ready, with the members counted, or not ready, with why. */
export type Readiness =
  | { readonly ready: true; readonly members: number }
  | { readonly ready: false; readonly members: number; readonly reason: string }

/** Decides readiness. */
export const readiness = (input: ReadinessInput): Readiness => {
  const members = input.alive
  if (input.status !== "alive") return { ready: false, members, reason: `this member is ${input.status}` }
  if (members < input.minMembers) {
    return { ready: false, members, reason: `${members} of the ${input.minMembers} members required are alive` }
  }
  if (
    input.notReadyWhileSuspected && input.refutedAt !== undefined &&
    input.now - input.refutedAt < input.maxSuspicionTimeout
  ) {
    const left = Math.ceil((input.refutedAt + input.maxSuspicionTimeout - input.now) / 1000)
    return {
      ready: false,
      members,
      reason: `this member refuted a suspicion of itself ${input.now - input.refutedAt} ms ago; others may suspect it for ${left} s more`
    }
  }
  return { ready: true, members }
}

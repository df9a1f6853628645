/**
 * Read-only views of what a core knows about suspicions, for observers (the
 * HTTP cluster view, health checks). Nothing here changes the state.
 *
 * @internal
 */
import { suspicionMinTimeout } from "./suspicion.js"
import { clusterSize, type CoreState } from "./state.js"

/** One suspicion this node holds of another member. */
export interface SuspicionView {
  readonly suspect: string
  /** Everyone who accused it, the first accuser first; the rest are confirmations. */
  readonly accusers: ReadonlyArray<string>
  readonly startedAt: number
  /** When the suspect is declared dead unless it refutes first. */
  readonly deadline: number
  /** How many confirmations would bring the deadline down to the minimum. */
  readonly expectedConfirmations: number
}

/** The suspicions this node holds now, oldest first. */
export const suspicions = (state: CoreState): Array<SuspicionView> =>
  Array.from(state.suspicions, ([suspect, s]) => ({
    suspect,
    accusers: [...s.accusers],
    startedAt: s.startedAt,
    deadline: s.deadline,
    expectedConfirmations: s.expected
  })).sort((a, b) => a.startedAt - b.startedAt)

/**
 * The longest a suspicion formed now may last before the suspect is declared
 * dead: Lifeguard's max timeout for the cluster's current size, in ms.
 */
export const maxSuspicionTimeout = (state: CoreState): number =>
  state.config.suspicionMaxTimeoutMult *
  suspicionMinTimeout(state.config.suspicionMult, clusterSize(state), state.config.probeInterval)

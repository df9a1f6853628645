/**
 * A node cut off from the cluster is not a witness. While it hears from no
 * one, every peer looks dead to it; if it spread those verdicts, healthy
 * members would be marked failed everywhere the moment its link came back
 * (the host fault suite saw it on every cut). So:
 *
 * - a node that has heard from no other member for `isolationGap` is
 *   isolated: a suspicion that expires then makes the member dead in its own
 *   view only (it can still find itself alone and rediscover), and the
 *   verdict is not gossiped;
 * - a suspicion formed before the node last came back from isolation is
 *   started over (once) when it expires: the node looks at the suspect again
 *   (its verification pings carry the accusation, so a healthy suspect
 *   refutes) instead of declaring on evidence gathered while it could not hear.
 *
 * A member of a cluster hears every probe interval: acks to its own probes,
 * the others' probes of it, gossip. Three quiet intervals mean it is cut off.
 * A node that is merely slow to hear (a small cluster slowed by Lifeguard)
 * only keeps a verdict to itself, or reaches it one min timeout later.
 *
 * @internal
 */
import type { CoreConfig } from "./config.js"
import type { CoreState } from "./state.js"

/** Hearing from no one for this long means this node is cut off: three probe intervals. */
export const isolationGap = (config: Pick<CoreConfig, "probeInterval">): number => 3 * config.probeInterval

/** Something well formed arrived from another member at `now`. */
export const noteHeard = (state: CoreState, now: number): void => {
  if (now - state.lastHeardAt >= isolationGap(state.config)) state.reconnectedAt = now
  state.lastHeardAt = now
}

/** Whether this node has heard from no one for `isolationGap`. */
export const isIsolated = (state: CoreState, now: number): boolean => now - state.lastHeardAt >= isolationGap(state.config)

/** Whether evidence gathered since `since` may predate this node's return from isolation. */
export const formedWhileIsolated = (state: CoreState, since: number): boolean => since < state.reconnectedAt

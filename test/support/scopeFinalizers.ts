/**
 * How many finalizers an open scope holds: each one a member or transport
 * registers keeps a snapshot of fiber refs and a few closures until the
 * scope closes. Read from the scope's own table (an Effect internal, which
 * this checks is there, so a change in Effect fails loudly instead of
 * counting nothing).
 */
import type { Scope } from "effect"

/** Finalizers now registered in `scope`. */
export const finalizersIn = (scope: Scope.Scope): number => {
  const state = (scope as unknown as { readonly state: { readonly _tag: string; readonly finalizers?: Map<unknown, unknown> } }).state
  if (state._tag !== "Open" || !(state.finalizers instanceof Map)) throw new Error("an open scope keeps its finalizers in a map")
  return state.finalizers.size
}

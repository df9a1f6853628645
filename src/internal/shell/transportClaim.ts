/**
 * One transport, one member. Two members on one transport would share an
 * address and each read only some of its packets and streams: they would
 * never see each other, and nothing would say why. That happens without
 * anyone meaning it: Effect builds a layer value once per layer graph, so
 * members merged in one graph, each given `Transport.layerNode`, get the
 * same one. A member claims its transport for as long as it runs; a second
 * claim fails at once, naming the address and the member holding it.
 * While claimed, the transport's counters carry the member's name.
 *
 * @internal
 */
import { Effect, type Scope } from "effect"
import { TransportInUse } from "../../Memberlist.js"
import type { TransportShape } from "../../Transport.js"
import { assignMember } from "../transport/metrics.js"

/** The member each running transport serves; a transport that is gone is forgotten with it. */
const claims = new WeakMap<TransportShape, string>()

/** Claims `transport` for member `name` until the scope closes, or fails when another member holds it. */
export const claimTransport = (transport: TransportShape, name: string): Effect.Effect<void, TransportInUse, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.suspend(() => {
      const holder = claims.get(transport)
      if (holder !== undefined) return Effect.fail(new TransportInUse({ address: transport.boundAddress, member: holder }))
      claims.set(transport, name)
      assignMember(transport, name)
      return Effect.void
    }),
    () =>
      Effect.sync(() => {
        claims.delete(transport)
        assignMember(transport, undefined)
      })
  )

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
import { TransportInUse } from "../../Memberlist.js"
import type { TransportShape } from "../../Transport.js"
import { assignMember } from "../transport/metrics.js"

/** The member each running transport serves; a transport that is gone is forgotten with it. */
const claims = new WeakMap<TransportShape, string>()

/**
 * Claims `transport` for member `name`: the function that gives it back, or the error when another
 * member holds it. The caller releases it when the member stops (see `lifetime.ts`).
 */
export const claimTransport = (transport: TransportShape, name: string): TransportInUse | (() => void) => {
  const holder = claims.get(transport)
  if (holder !== undefined) return new TransportInUse({ address: transport.boundAddress, member: holder })
  claims.set(transport, name)
  assignMember(transport, name)
  return () => {
    claims.delete(transport)
    assignMember(transport, undefined)
  }
}

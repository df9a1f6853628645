/**
 * Helpers for the admission tests (trust.test.ts, candidateRetry.test.ts):
 * a member with three answering peers, the pings it sends to a candidate,
 * and an ack.
 */
import type { PacketMessage } from "../../../src/internal/swim/messages.js"
import { CoreDriver } from "./driver.js"

/** A member that knows a, b and relay, all of which answer its probes. */
export const memberWithPeers = (seed: number): CoreDriver => {
  const d = new CoreDriver({ seed })
  d.addMembers(["a", "b", "relay"])
  for (const n of ["a", "b", "relay"]) d.responders.add(n)
  return d
}

/** The pings sent by name to `name` at its own address since `since`. */
export const candidatePings = (d: CoreDriver, name: string, since: number) =>
  d.sent("Ping", since).filter((p) => p.message.node === name && p.packet.toName === name)

/** An ack of `seqNo`. */
export const ack = (seqNo: number): PacketMessage => ({ _tag: "Ack", seqNo, payload: new Uint8Array(0) })

/**
 * Where the member's packets come in. When the transport has a fast path
 * (the Node transport), each packet is decoded and run in the socket's
 * callback: straight through the parked driver loop, else into the bounded
 * command mailbox, and when that is full dropped and counted by the
 * transport as a full queue. No fiber wakes for a packet. What the
 * transport queued before the fast path was taken is handed over when it is
 * taken; the transport's stream is read, by a fiber of its own, only when it
 * has no fast path.
 *
 * A packet's source is swapped for the canonical copy of its address when
 * one was decoded before (a member's, from its alive; wire/canonical.ts):
 * the member tables already hold that object's `host:port` key, so the rate
 * limit and the core find the sender without building the key again.
 *
 * @internal
 */
import { Effect, Stream } from "effect"
import type { Address, TransportShape } from "../../Transport.js"
import * as FastPath from "../transport/fastPath.js"
import * as Canonical from "../wire/canonical.js"
import type { PacketOutcome } from "./inbound.js"
import type { Command } from "./nodeRuntime.js"

/**
 * Reads the transport's packets until the member stops. With a fast path the callback is
 * registered at once and its release handed to `onStop`; without one a fiber reads the
 * transport's stream. Nothing here is an effect: it runs within the member's start, which reads
 * the log level once for everything (an `acquireRelease` and a fiber-ref read of its own took 17
 * interpreter steps of each start; docs/performance.md, "Start and join, the Effect runtime").
 */
export const receivePackets = (options: {
  readonly transport: TransportShape
  /** Decodes and guards one packet. */
  readonly admit: (from: Address, bytes: Uint8Array) => PacketOutcome
  /** Runs or queues a command without waiting; false when there is no room. */
  readonly submitNow: (command: Command) => boolean
  /** Submits a command, waiting for room. */
  readonly submit: (command: Command) => Effect.Effect<void>
  /** Runs an effect in the background (a drop's log line, the stream reader). */
  readonly fork: (effect: Effect.Effect<void>) => unknown
  /** Whether debug lines are logged: a drop's log line is forked only then. */
  readonly debugLogged: boolean
  /** Takes what stops the fast path's callback, run when the member stops. */
  readonly onStop: (release: () => void) => void
}): void => {
  const { fork, submit, submitNow, transport } = options
  // The drops' log lines are at debug level: when that level is filtered out (the default), a bad
  // packet costs its count alone, not a fiber forked to log nothing. `fork` runs with the member's refs.
  const commandOf = inboundCommand(options.admit, options.debugLogged ? fork : undefined)
  const fast = FastPath.of(transport)
  // The fast path hands over what was queued before it was taken, so nothing is left to read: a fiber
  // parked on the stream, or one only holding a scope open for the callback, would live as long as the
  // member and cost its stack for nothing.
  if (fast !== undefined) {
    options.onStop(fast.receive(({ bytes, from }) => {
      const command = commandOf(Canonical.knownAddress(from), bytes)
      return command === undefined || submitNow(command)
    }))
    return
  }
  fork(Stream.runForEach(transport.packets, ({ bytes, from }) => {
    const command = commandOf(Canonical.knownAddress(from), bytes)
    return command === undefined ? Effect.void : submit(command)
  }))
}

/**
 * What an inbound packet's outcome means, in one place for both paths: the
 * command to hand to the driver, if any. A drop worth a log line is logged
 * in the background through `fork` (none: debug lines are filtered out); a
 * drop already counted asks for nothing.
 */
export const inboundCommand = (
  admit: (from: Address, bytes: Uint8Array) => PacketOutcome,
  fork: ((effect: Effect.Effect<void>) => unknown) | undefined
) =>
(from: Address, bytes: Uint8Array): Command | undefined => {
  const outcome = admit(from, bytes)
  if (outcome === undefined || typeof outcome === "function") return outcome
  if (fork !== undefined) fork(Effect.logDebug(...outcome.log))
  return undefined
}

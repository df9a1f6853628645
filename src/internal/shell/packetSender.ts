/**
 * Where a member's packets leave. With the transport's fast path (the Node
 * transport), a packet offered while nothing waits before it is handed to
 * the socket at once, inside the step that made it: no fiber wakes to send
 * it, and the kernel's confirmation comes back in a callback that counts it.
 * Otherwise (no fast path, packets already waiting, a batch still being
 * sent, or `maxSendsInFlight` unconfirmed) it joins the bounded outbox,
 * which a drain fiber, forked when the outbox is used and ending when it
 * is empty, sends in order, so no packet overtakes another. No fiber waits
 * for an outbox that stays empty.
 *
 * A failed send is counted; when it carried a ping the core is told
 * (`SendFailed`) through a command, never within the step that sent it: a
 * failure on this host is no evidence against the peer.
 *
 * @internal
 */
import { Effect, Exit } from "effect"
import type { TransportError, TransportShape } from "../../Transport.js"
import * as FastPath from "../transport/fastPath.js"
import * as guardMetrics from "./guardMetrics.js"
import type { Mailbox } from "./mailbox.js"
import type { MemberMetrics } from "./memberMetrics.js"
import * as metrics from "./metrics.js"
import type { Command, Outgoing } from "./nodeRuntime.js"

/** Fast-path sends the kernel has not yet confirmed, beyond which packets wait in the outbox. */
export const maxSendsInFlight = 256

/** What a sender works with. */
export interface PacketSenderOptions {
  readonly transport: TransportShape
  /** The bounded outbox, for packets that cannot leave at once. */
  readonly outbox: Mailbox<Outgoing>
  readonly metrics: MemberMetrics
  /** Hands a command to the driver (from another fiber or callback). */
  readonly submit: (command: Command) => Effect.Effect<void>
  /** Runs an effect in the background (a failure's log line and `SendFailed`, the outbox's drain). */
  readonly fork: (effect: Effect.Effect<void>) => unknown
}

/** A member's way out, offered to from a step. */
export interface PacketSender {
  /**
   * Sends `packet` now or queues it, forking the outbox's drain when none
   * runs; false when the outbox is full (the caller drops and counts).
   */
  readonly unsafeOffer: (packet: Outgoing) => boolean
}

/** A sender over `options.transport`. */
export const make = (options: PacketSenderOptions): PacketSender => {
  const { outbox, transport, metrics: member } = options
  const fast = FastPath.of(transport)
  let inFlight = 0
  /** True from the fork of a drain until it finds the outbox empty: a packet offered then queues behind. */
  let draining = false

  const sent = (bytes: Uint8Array) => {
    member.count(metrics.packetsOut)
    member.count(metrics.bytesOut, bytes.length)
  }
  const failed = (ping: number | undefined, error: TransportError): Effect.Effect<void> => {
    member.count(guardMetrics.sendsFailed)
    const logged = Effect.logDebug("send failed", error.message)
    return ping === undefined
      ? logged
      : Effect.zipRight(logged, options.submit((d) => d.handle({ _tag: "SendFailed", seqNo: ping })))
  }
  const sendFast = (send: FastPath.FastPath["send"], { bytes, ping, to }: Outgoing): void => {
    inFlight++
    send(to, bytes, (error) => {
      inFlight--
      if (error === undefined) sent(bytes)
      else options.fork(failed(ping, error))
    })
  }
  const sendOne = (packet: Outgoing): Effect.Effect<void> => {
    if (fast === undefined || inFlight >= maxSendsInFlight) {
      return transport.sendPacket(packet.to, packet.bytes).pipe(
        Effect.matchEffect({
          onFailure: (error) => failed(packet.ping, error),
          onSuccess: () => Effect.sync(() => sent(packet.bytes))
        })
      )
    }
    sendFast(fast.send, packet)
    return Effect.void
  }

  // Takes what waits and sends it in order, then looks again; ends, clearing `draining` in the same
  // synchronous step that finds the outbox empty, so no packet can be queued with no drain to send it.
  const drain: Effect.Effect<void> = Effect.suspend(() => {
    const batch = outbox.takeAll()
    if (batch.length === 0) {
      draining = false
      return Effect.void
    }
    return Effect.zipRight(Effect.forEach(batch, sendOne, { discard: true }), drain)
  })

  const unsafeOffer = (packet: Outgoing): boolean => {
    if (fast !== undefined && !draining && outbox.size === 0 && inFlight < maxSendsInFlight) {
      sendFast(fast.send, packet)
      return true
    }
    if (!outbox.unsafeOffer(packet)) return false
    if (!draining) {
      draining = true
      // A drain that dies or is interrupted must not leave `draining` set: the next offer forks a new one.
      options.fork(Effect.onExit(drain, (exit) => Exit.isSuccess(exit) ? Effect.void : Effect.sync(() => (draining = false))))
    }
    return true
  }

  return { unsafeOffer }
}

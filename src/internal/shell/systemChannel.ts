/**
 * The member's channel for the library's own modules (leader election):
 * their messages travel as user packets in the system envelope
 * (`systemEnvelope.ts`) and are routed here, by channel, before the
 * application's `receive` could see them. Each channel has at most one
 * subscriber, with a bounded queue; what cannot be routed (no subscriber,
 * a full queue, a sender we cannot name, an unknown channel) is dropped
 * and counted in `memberlist_system_messages_dropped`, tagged by reason.
 *
 * A module reaches the channel of a member made by `Memberlist.make` through
 * `systemChannelsOf`: the member carries it under a symbol, out of the
 * public interface.
 *
 * @internal
 */
import type { MemberMetrics } from "./memberMetrics.js"
import { Effect, Metric, Queue, type Scope } from "effect"
import type { Memberlist } from "../../Memberlist.js"
import type { Address } from "../../Transport.js"
import { decodeSystemEnvelope, encodeSystemEnvelope, type SystemChannel } from "./systemEnvelope.js"

/** System messages dropped, by reason. */
export const systemMessagesDropped = Metric.counter("memberlist_system_messages_dropped", {
  description: "messages of the library's modules that could not be routed or sent"
})

/** A module's message, with the member that sent it. */
export interface SystemMessage {
  readonly from: string
  readonly body: Uint8Array
}

/** What a module may do with a member's system channel. */
export interface SystemChannels {
  /** Routes `channel`'s messages to a queue of `capacity` until the scope closes (a later subscriber replaces it). */
  readonly subscribe: (channel: SystemChannel, capacity: number) => Effect.Effect<Queue.Dequeue<SystemMessage>, never, Scope.Scope>
  /** Sends `body` on `channel` to the live member `to` in one packet, best effort; false when it could not go. */
  readonly send: (to: string, channel: SystemChannel, body: Uint8Array) => boolean
}

/** The router the member's runtime feeds. */
export interface SystemRouter extends SystemChannels {
  /** Routes `payload` when it is a system message (true), else leaves it to the application (false). */
  readonly dispatch: (payload: Uint8Array, sender: string | undefined) => boolean
}

/** What the router needs of the member. */
export interface SystemRouterOptions {
  /** The address of the live member by that name, if any. */
  readonly addressOf: (name: string) => Address | undefined
  /** Queues one packet of `payload` (a user message) to `to`; false when the send queue is full. */
  readonly sendPacket: (to: Address, payload: Uint8Array) => boolean
  /** Whose series the drops are counted in. */
  readonly member: MemberMetrics
}

/** A router with no subscribers yet. */
export const makeRouter = (options: SystemRouterOptions): SystemRouter => {
  const drop = (reason: string): false => {
    options.member.countAs(systemMessagesDropped, "reason", reason)
    return false
  }
  const queues = new Map<number, Queue.Queue<SystemMessage>>()
  return {
    subscribe: (channel, capacity) =>
      Effect.acquireRelease(
        Effect.tap(Queue.bounded<SystemMessage>(capacity), (queue) => Effect.sync(() => queues.set(channel, queue))),
        (queue) =>
          Effect.zipRight(
            Effect.sync(() => {
              if (queues.get(channel) === queue) queues.delete(channel)
            }),
            Queue.shutdown(queue)
          )
      ),
    send: (to, channel, body) => {
      const address = options.addressOf(to)
      if (address === undefined) return drop("unknown_member")
      return options.sendPacket(address, encodeSystemEnvelope(channel, body)) || drop("send_queue_full")
    },
    dispatch: (payload, sender) => {
      const envelope = decodeSystemEnvelope(payload)
      if (envelope === undefined) return false
      const queue = queues.get(envelope.channel)
      if (queue === undefined) drop("no_subscriber")
      else if (sender === undefined) drop("unknown_sender")
      else if (!queue.unsafeOffer({ from: sender, body: envelope.body })) drop("queue_full")
      return true
    }
  }
}

const key = Symbol.for("effect-memberlist/SystemChannels")

/** `member` carrying `channels` for the library's modules (not enumerable, not in its type). */
export const attachSystemChannels = <M extends object>(member: M, channels: SystemChannels): M =>
  Object.defineProperty(member, key, { value: channels, enumerable: false })

/** The system channels of a member made by `Memberlist.make`, or undefined for any other value. */
export const systemChannelsOf = <A>(member: Memberlist<A>): SystemChannels | undefined => {
  const channels = (member as unknown as { readonly [key]?: SystemChannels })[key]
  return channels
}

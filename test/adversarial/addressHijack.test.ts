/**
 * Address hijacking: an attacker on the network (no key: the cluster is not
 * encrypted) forges a leave of a live member, then an alive message putting
 * that member's name at the attacker's own address, and answers every ping
 * for that name there, as the member would. The packets are crafted with
 * the wire codec and sent from the attacker's own socket on the members'
 * network (the in-process memory network, on virtual time).
 *
 * The bound: the member's traffic (the address the others hold for its
 * name, which `send` by name uses) is never at the attacker's address for
 * longer than one probe interval. Measured: never at all, 0 ms, because a
 * name moves only when the old address stays silent for a whole probe, and
 * the member answers.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Ref, Stream, TestClock } from "effect"
import type * as Memberlist from "../../src/Memberlist.js"
import type { Address, PacketMessage } from "../../src/internal/swim/messages.js"
import { decodePacket, encodePacket } from "../../src/internal/wire/packet.js"
import { makeConverged, Note, recordEvents } from "../support/virtualCluster.js"

/** The local preset's probe interval. */
const probeInterval = 1000
/** How often the test looks at every observer's view (virtual ms). */
const sampleEvery = 50
/** How long the attack goes on: the forged alive is sent again, higher each time, every probe interval. */
const attackIntervals = 10

const attackerAddress: Address = { host: "127.0.0.66", port: 7946 }

describe("adversarial: a forged leave plus a forged alive at the attacker's address", () => {
  it.scoped("cannot move a live member's traffic to the attacker (bound: one probe interval; measured: 0 ms)", () =>
    Effect.gen(function*() {
      const { cluster, members } = yield* makeConverged(4)
      const victim = members[3]!
      const observers = members.slice(0, 3)
      const sender = observers[0]!
      const events = yield* Effect.forEach(observers, recordEvents)

      // The attacker answers every ping for the victim's name, and counts what the members send it.
      const attacker = yield* cluster.network.make(attackerAddress)
      const userMessagesAtAttacker = yield* Ref.make(0)
      const pingsAnswered = yield* Ref.make(0)
      yield* Effect.forkScoped(Stream.runForEach(attacker.packets, (packet) => {
        const decoded = decodePacket(packet.bytes)
        if (Either.isLeft(decoded)) return Effect.void
        return Effect.forEach(decoded.right.messages, (m) => {
          if (m._tag === "User") return Ref.update(userMessagesAtAttacker, (n) => n + 1)
          if (m._tag !== "Ping" || m.node !== victim.name) return Effect.void
          const ack: PacketMessage = { _tag: "Ack", seqNo: m.seqNo, payload: new Uint8Array(0) }
          return Effect.zipRight(
            Ref.update(pingsAnswered, (n) => n + 1),
            Effect.ignore(attacker.sendPacket(m.source?.address ?? packet.from, encodePacket([ack])))
          )
        }, { discard: true })
      }))
      const forge = (message: PacketMessage) =>
        Effect.forEach(observers, (o) => Effect.ignore(attacker.sendPacket(o.address, encodePacket([message]))), { discard: true })

      const known = (yield* sender.member.members).find((m) => m.name === victim.name)!
      const forgedAlive = (incarnation: number): PacketMessage => ({
        _tag: "Alive",
        incarnation,
        node: victim.name,
        address: attackerAddress,
        meta: known.meta,
        versions: known.versions as unknown as readonly [number, number, number, number, number, number]
      })
      yield* forge({ _tag: "Dead", incarnation: known.incarnation, node: victim.name, from: victim.name })
      yield* forge(forgedAlive(known.incarnation + 1))

      // Watch every observer's view; the sender also sends to the victim by name at every sample.
      const hijackedSince = new Map<string, number>()
      let longestHijack = 0
      let sent = 0
      for (let t = 0; t <= attackIntervals * probeInterval; t += sampleEvery) {
        if (t > 0 && t % probeInterval === 0) yield* forge(forgedAlive(known.incarnation + 1 + 10 * (t / probeInterval)))
        for (const o of observers) {
          const held = (yield* o.member.allMembers).find((m) => m.name === victim.name)
          const atAttacker = held !== undefined && held.address.host === attackerAddress.host &&
            held.address.port === attackerAddress.port
          const since = hijackedSince.get(o.name)
          if (atAttacker && since === undefined) hijackedSince.set(o.name, t)
          if (!atAttacker && since !== undefined) hijackedSince.delete(o.name)
          if (atAttacker) longestHijack = Math.max(longestHijack, t - (hijackedSince.get(o.name) ?? t) + sampleEvery)
        }
        const delivered = yield* Effect.either(sender.member.send(victim.name, new Note({ n: t })))
        if (Either.isRight(delivered)) sent++
        yield* TestClock.adjust(Duration.millis(sampleEvery))
      }

      // The attacker did answer for the name, and still the traffic never moved for longer than the bound.
      expect(yield* Ref.get(pingsAnswered)).toBeGreaterThan(0)
      expect(longestHijack).toBeLessThanOrEqual(probeInterval)
      expect(longestHijack).toBe(0)
      expect(yield* Ref.get(userMessagesAtAttacker)).toBe(0)
      // The victim refuted the leave: everyone holds it alive at its own address, above every forged incarnation it heard.
      for (const o of observers) {
        const held = (yield* o.member.members).find((m) => m.name === victim.name)
        expect(held).toMatchObject({ state: "alive", address: victim.address })
      }
      expect(sent).toBeGreaterThan(0)
      // Each observer reported the claimant once, not at every forged alive.
      for (const seen of events) {
        const conflicts = (yield* Ref.get(seen)).filter((e): e is Extract<Memberlist.MembershipEvent, { _tag: "NameConflict" }> =>
          e._tag === "NameConflict"
        )
        expect(conflicts.length).toBeLessThanOrEqual(1)
        for (const c of conflicts) expect(c.claimant).toEqual(attackerAddress)
      }
    }), { timeout: 60_000 })
})

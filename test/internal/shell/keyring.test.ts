/**
 * A running member's keyring (`Memberlist.keyring`), on virtual time: real
 * `Memberlist.layer` members over one memory network, which carries the
 * encrypted bytes the members' wire options produce. The API's rules are
 * memberlist's; a change counts from the next packet; a rotation done step
 * by step on every member keeps the cluster whole; a member holding only the
 * retired key is kept out. Bounds are in probe intervals of the local preset.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Metric, Option, Redacted, Ref, Stream, TestClock } from "effect"
import * as Keyring from "../../../src/Keyring.js"
import * as Memberlist from "../../../src/Memberlist.js"
import { decodeRejected } from "../../../src/internal/shell/metrics.js"
import * as VirtualCluster from "../../support/virtualCluster.js"
import { Note } from "../../support/virtualCluster.js"

const K1 = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
const K2 = Uint8Array.from({ length: 16 }, (_, i) => 100 + i)
const K3 = Uint8Array.from({ length: 24 }, (_, i) => 200 + i)
const secret = (key: Uint8Array) => Redacted.make(Uint8Array.from(key))

const PROBE = Duration.seconds(1)
const periods = (n: number) => Duration.times(PROBE, n)

/** The member's keys, unwrapped, primary first. */
const keysOf = (member: { readonly keyring: Keyring.MemberKeyring }) =>
  Effect.map(member.keyring.keys, (keys) => keys.map((key) => Array.from(Redacted.value(key))))

const decryptFailures = VirtualCluster.counted(Metric.tagged(decodeRejected, "reason", "DecryptFailed"))

/** What `member` receives from now on. */
const inbox = (member: VirtualCluster.VirtualMember) =>
  Effect.gen(function*() {
    const got = yield* Ref.make<ReadonlyArray<number>>([])
    const messages = yield* member.member.receive
    yield* Effect.forkScoped(Stream.runForEach(messages, (r) => Ref.update(got, (all) => [...all, r.message.n])))
    return got
  })

const reasonOf = <A>(effect: Effect.Effect<A, Keyring.KeyringError>) =>
  Effect.map(Effect.either(effect), Either.match({ onLeft: (e) => e.reason, onRight: () => "ok" }))

describe("Memberlist.keyring", () => {
  it.scoped("follows memberlist's rules: install adds, use needs an installed key, the primary cannot be removed; typed errors", () =>
    Effect.gen(function*() {
      const cluster = yield* VirtualCluster.make()
      const { member } = yield* cluster.start({
        name: "a",
        address: VirtualCluster.addressOf(0),
        config: { secretKeys: [K1] }
      })
      expect(yield* keysOf(member)).toEqual([Array.from(K1)])
      expect(Option.map(yield* member.keyring.primary, Redacted.value)).toEqual(Option.some(K1))

      yield* member.keyring.install(secret(K2))
      yield* member.keyring.install(secret(K2)) // already installed: a no-op
      expect(yield* keysOf(member)).toEqual([Array.from(K1), Array.from(K2)])

      expect(yield* reasonOf(member.keyring.use(secret(K3)))).toBe("UnknownKey")
      expect(yield* reasonOf(member.keyring.remove(secret(K1)))).toBe("RemovePrimary")
      expect(yield* reasonOf(member.keyring.install(Redacted.make(new Uint8Array(20))))).toBe("InvalidKeySize")
      const refused = yield* Effect.flip(member.keyring.use(secret(K3)))
      expect(refused).toBeInstanceOf(Keyring.KeyringError)
      // Refusals change nothing.
      expect(yield* keysOf(member)).toEqual([Array.from(K1), Array.from(K2)])

      yield* member.keyring.use(secret(K2))
      expect(yield* keysOf(member)).toEqual([Array.from(K2), Array.from(K1)])
      yield* member.keyring.remove(secret(K1))
      yield* member.keyring.remove(secret(K3)) // not installed: a no-op
      expect(yield* keysOf(member)).toEqual([Array.from(K2)])

      // The keys handed out are copies: changing them does not change the ring.
      const [handed] = yield* member.keyring.keys
      Redacted.value(handed!).fill(0)
      expect(yield* keysOf(member)).toEqual([Array.from(K2)])
      // And they print as nothing.
      expect(String(handed)).toBe("<redacted>")
      expect(JSON.stringify(yield* member.keyring.keys)).toBe(`["<redacted>"]`)
    }))

  it.scoped("a member started without keys has an empty keyring and refuses to get one (EncryptionDisabled)", () =>
    Effect.gen(function*() {
      const cluster = yield* VirtualCluster.make()
      const { member } = yield* cluster.start({ name: "plain", address: VirtualCluster.addressOf(0) })
      expect(yield* member.keyring.keys).toEqual([])
      expect(yield* member.keyring.primary).toEqual(Option.none())
      for (const change of [member.keyring.install, member.keyring.use, member.keyring.remove]) {
        expect(yield* reasonOf(change(secret(K1)))).toBe("EncryptionDisabled")
      }
      expect(yield* member.keyring.keys).toEqual([])
    }))

  it.scoped("a change counts from the next packet: a new primary the peer lacks is refused, any installed key opens", () =>
    Effect.gen(function*() {
      const cluster = yield* VirtualCluster.make()
      const [a, b] = yield* cluster.startMany(2, { config: { secretKeys: [K1] } })
      yield* VirtualCluster.advanceUntil(VirtualCluster.allSeeAlive([a!, b!], ["node-0", "node-1"]), periods(3), "converge")
      const atB = yield* inbox(b!)
      const arrived = (n: number) => Effect.map(Ref.get(atB), (all) => all.includes(n))

      yield* a!.member.send("node-1", new Note({ n: 1 }))
      yield* VirtualCluster.advanceUntil(arrived(1), periods(1), "K1 -> K1 arrives")

      // a encrypts with K2 from its next packet; b holds only K1 and cannot open it.
      const failedBefore = yield* decryptFailures
      yield* a!.member.keyring.install(secret(K2))
      yield* a!.member.keyring.use(secret(K2))
      yield* a!.member.send("node-1", new Note({ n: 2 }))
      yield* TestClock.adjust(Duration.millis(200))
      expect(yield* arrived(2)).toBe(false)
      expect(yield* decryptFailures).toBeGreaterThan(failedBefore)

      // b installs K2 without using it: it still sends with K1, which a still holds, and opens K2.
      yield* b!.member.keyring.install(secret(K2))
      yield* a!.member.send("node-1", new Note({ n: 3 }))
      yield* VirtualCluster.advanceUntil(arrived(3), periods(1), "K2 -> {K1, K2} arrives")
      const atA = yield* inbox(a!)
      yield* b!.member.send("node-0", new Note({ n: 4 }))
      yield* VirtualCluster.advanceUntil(Effect.map(Ref.get(atA), (all) => all.includes(4)), periods(1), "K1 -> {K2, K1} arrives")
    }))

  it.scoped(
    "rotation on a running cluster of 3 (install K2 everywhere, use it everywhere, remove K1 everywhere): no suspicion, messages cross; a member with only K1 is kept out",
    () =>
      Effect.gen(function*() {
        const cluster = yield* VirtualCluster.make()
        const members = yield* cluster.startMany(3, { config: { secretKeys: [K1] } })
        const names = members.map((m) => m.name)
        yield* VirtualCluster.advanceUntil(VirtualCluster.allSeeAlive(members, names), periods(3), "converge")
        const logs = yield* Effect.forEach(members, VirtualCluster.recordEvents)
        const boxes = yield* Effect.forEach(members, inbox)
        const failedBefore = yield* decryptFailures
        let n = 0

        /** Applies one step on every member, a probe interval apart, then checks the cluster. */
        const everywhere = (step: (member: Memberlist.Memberlist<Note>) => Effect.Effect<void, Keyring.KeyringError>) =>
          Effect.gen(function*() {
            for (const m of members) {
              yield* step(m.member)
              yield* TestClock.adjust(PROBE)
            }
            // Some rounds of probes and gossip with the new keyrings, then a message each way.
            yield* TestClock.adjust(periods(3))
            expect(yield* VirtualCluster.allSeeAlive(members, names)).toBe(true)
            const sent = ++n
            yield* members[0]!.member.broadcast(new Note({ n: sent }))
            yield* VirtualCluster.advanceUntil(
              Effect.map(Effect.forEach(boxes.slice(1), Ref.get), (all) => all.every((got) => got.includes(sent))),
              periods(2),
              `broadcast ${sent} reaches every member`
            )
          })

        yield* everywhere((m) => m.keyring.install(secret(K2)))
        yield* everywhere((m) => m.keyring.use(secret(K2)))
        yield* everywhere((m) => m.keyring.remove(secret(K1)))
        for (const m of members) expect(yield* keysOf(m.member)).toEqual([Array.from(K2)])

        // Not one packet failed to open, and no one was ever suspected.
        expect(yield* decryptFailures).toBe(failedBefore)
        for (const log of logs) {
          const accused = (yield* Ref.get(log)).filter((e) => e._tag === "MemberSuspected" || e._tag === "MemberFailed")
          expect(accused).toEqual([])
        }

        // A newcomer holding only the retired key: its join is refused, no one lists it, it lists no one.
        const outsider = yield* cluster.start({
          name: "outsider",
          address: VirtualCluster.addressOf(3),
          seeds: [members[0]!.address],
          config: { secretKeys: [K1] }
        })
        const joined = yield* Effect.either(
          VirtualCluster.whileAdvancing(outsider.member.join([members[1]!.address]), periods(5), "join ends")
        )
        expect(Either.isLeft(joined)).toBe(true)
        yield* TestClock.adjust(periods(10))
        expect((yield* outsider.member.allMembers).map((m) => m.name)).toEqual(["outsider"])
        for (const m of members) {
          expect((yield* m.member.allMembers).map((x) => x.name)).not.toContain("outsider")
        }
        expect(yield* decryptFailures).toBeGreaterThan(failedBefore)
        expect(yield* VirtualCluster.allSeeAlive(members, names)).toBe(true)
      })
  )
})

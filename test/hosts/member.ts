/**
 * One member of the host fault suite (test/hosts/faults.test.ts), run as its
 * own Node process inside its own network namespace:
 *
 *   ip netns exec NS node --import tsx test/hosts/member.ts \
 *     --name m1 --bind 10.213.0.11:7946 --join 10.213.0.10:7946 --preset local --rediscover-ms 5000
 *
 * Built from the library's public API only (Memberlist.make, Transport.layerNode,
 * Discovery.static, SwimConfig presets). Prints one JSON line per membership
 * event, each with `at` (ms since the epoch, from the event) and `t` (when
 * printed): `ready`, `join`, `update`, `suspect`, `failed`, `leave`, `alive`,
 * `self`, `conflict`. Reads stdin: `members` prints the current view as one
 * `members` line; `quit` (or the end of stdin) leaves and exits.
 */
import { Duration, Effect, Layer, Schema, Stream } from "effect"
import { createInterface } from "node:readline"
import * as Discovery from "../../src/Discovery.js"
import * as Memberlist from "../../src/Memberlist.js"
import * as SwimConfig from "../../src/SwimConfig.js"
import * as Transport from "../../src/Transport.js"

const args = process.argv.slice(2)
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
const name = option("name") ?? "member"
const [bindHost, bindPortText] = (option("bind") ?? "127.0.0.1:7946").split(":")
const join = option("join")
const preset = (option("preset") ?? "local") as "lan" | "local" | "wan"
const rediscoverMs = Number(option("rediscover-ms") ?? "30000")

const print = (line: Record<string, unknown>) =>
  Effect.sync(() => process.stdout.write(JSON.stringify({ ...line, t: Date.now() }) + "\n"))

const eventName: Partial<Record<Memberlist.MembershipEvent["_tag"], string>> = {
  MemberJoined: "join",
  MemberUpdated: "update",
  MemberSuspected: "suspect",
  MemberFailed: "failed",
  MemberLeft: "leave",
  MemberRecovered: "alive"
}

const program = Effect.gen(function*() {
  const member = yield* Memberlist.make({
    messages: Schema.Unknown,
    encoding: "json",
    rediscoverInterval: Duration.millis(rediscoverMs),
    leaveTimeout: Duration.seconds(1)
  })
  const events = yield* member.events
  const self = yield* member.localMember
  yield* Effect.forkScoped(Stream.runForEach(events, (e) => {
    if (e._tag === "LocalStatusChanged") {
      return print({ event: "self", status: e.status, incarnation: e.incarnation, cause: e.cause, at: e.at })
    }
    if (e._tag === "NameConflict") {
      return print({ event: "conflict", name: e.existing.name, claimant: Transport.formatAddress(e.claimant), at: e.at })
    }
    const ev = eventName[e._tag]
    if (ev === undefined) return Effect.void
    return print({
      event: ev,
      name: e.member.name,
      incarnation: e.member.incarnation,
      ...("by" in e ? { by: e.by } : {}),
      at: e.at
    })
  }))
  yield* print({ event: "ready", name: self.name, address: Transport.formatAddress(self.address), at: Date.now() })
  // stdin: `members` answers with the view; `quit` or the end of stdin leaves.
  yield* Effect.async<void>((resume) => {
    const rl = createInterface({ input: process.stdin })
    rl.on("line", (line) => {
      const command = line.trim()
      if (command === "members") {
        Effect.runFork(Effect.flatMap(member.allMembers, (all) =>
          print({ event: "members", members: all.map((m) => ({ name: m.name, state: m.state, incarnation: m.incarnation })) })))
      } else if (command === "quit") {
        rl.close()
      }
    })
    rl.on("close", () => resume(Effect.void))
  })
}).pipe(
  Effect.scoped,
  Effect.provide(
    Layer.mergeAll(Transport.layerNode, Discovery.static(join === undefined ? [] : [join])).pipe(
      Layer.provideMerge(SwimConfig.layer(SwimConfig.presets[preset]({ name, bindHost: bindHost!, bindPort: Number(bindPortText) })))
    )
  )
)

Effect.runPromise(program).then(
  () => process.exit(0),
  (error) => {
    process.stdout.write(JSON.stringify({ event: "error", message: String(error), t: Date.now() }) + "\n")
    process.exit(1)
  }
)

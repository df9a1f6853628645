/**
 * One member for the multicast discovery test, run as its own process in
 * its own network namespace, with no seeds: only `Discovery.multicast`.
 *
 *   ip netns exec NS node --import tsx test/support/multicastMember.ts \
 *     --name m0 --bind 10.214.7.10:7946 --label a --key BASE64 --announce-ms 500
 *
 * Prints JSON lines: `ready`, `join` (a member joined), and answers stdin:
 * `members` (the live members' names), `discover` (what discovery answers
 * now, and the multicast counters by reason); `quit` leaves and exits.
 */
import { Duration, Effect, Layer, Metric, Schema, Stream } from "effect"
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
const [bindHost = "127.0.0.1", bindPort = "7946"] = (option("bind") ?? "").split(":")
const key = option("key")
const reasons = ["sent", "heard", "foreign", "malformed", "unauthenticated", "evicted"] as const

const print = (line: Record<string, unknown>) => Effect.sync(() => process.stdout.write(JSON.stringify(line) + "\n"))

const program = Effect.gen(function*() {
  const member = yield* Memberlist.make({ messages: Schema.Unknown, encoding: "json", leaveTimeout: Duration.seconds(1) })
  const discovery = yield* Discovery.Discovery
  const events = yield* member.events
  yield* Effect.forkScoped(Stream.runForEach(events, (e) =>
    e._tag === "MemberJoined" ? print({ event: "join", name: e.member.name }) : Effect.void))
  const self = yield* member.localMember
  yield* print({ event: "ready", name: self.name, address: Transport.formatAddress(self.address) })
  yield* Effect.async<void>((resume) => {
    const rl = createInterface({ input: process.stdin })
    const answer = (effect: Effect.Effect<void>) => Effect.runFork(effect)
    rl.on("line", (line) => {
      const command = line.trim()
      if (command === "members") {
        answer(Effect.flatMap(member.members, (all) => print({ event: "members", members: all.map((m) => m.name).sort() })))
      } else if (command === "discover") {
        answer(Effect.gen(function*() {
          const found = yield* discovery.discover
          const counts: Record<string, number> = {}
          for (const reason of reasons) {
            counts[reason] = (yield* Metric.value(Metric.tagged(Discovery.metrics.multicast, "reason", reason))).count
          }
          yield* print({ event: "discover", found: found.map(Transport.formatAddress), counts })
        }).pipe(Effect.orDie))
      } else if (command === "quit") {
        rl.close()
      }
    })
    rl.on("close", () => resume(Effect.void))
  })
})

const config = SwimConfig.local({
  name,
  bindHost,
  bindPort: Number(bindPort),
  label: option("label") ?? "",
  ...(key === undefined ? {} : { secretKeys: [Buffer.from(key, "base64")] })
})
// One transport for the member and its discovery, so discovery announces the member's own address.
const layers = Discovery.multicast({ announceInterval: Duration.millis(Number(option("announce-ms") ?? "500")) }).pipe(
  Layer.provideMerge(Transport.layerNode),
  Layer.provideMerge(SwimConfig.layer(config))
)

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(layers))).then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  }
)

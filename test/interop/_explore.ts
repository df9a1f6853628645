import { Effect, Logger, LogLevel, Duration } from "effect"
import { startMember } from "/work/main/test/support/cluster.js"
import { startGoPeer, stopAll } from "/work/main/test/interop/goPeer.js"
const parse = (s: string) => { const i = s.lastIndexOf(":"); return { host: s.slice(0, i), port: Number(s.slice(i + 1)) } }
const main = Effect.gen(function*() {
  const g1 = yield* Effect.promise(() => startGoPeer({ name: "g1", echoStderr: true }))
  console.log("go at", g1.address)
  const t1 = yield* startMember({ name: "t1", seeds: [parse(g1.address)], encoding: "json" })
  console.log("started t1")
  yield* Effect.sleep(Duration.seconds(3))
  console.log(yield* t1.member.members)
  console.log(yield* Effect.promise(() => g1.members()))
  yield* t1.stop
}).pipe(Effect.timeout(Duration.seconds(20)), Effect.ensuring(Effect.promise(() => stopAll())), Logger.withMinimumLogLevel(LogLevel.Debug))
Effect.runPromise(main).then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })

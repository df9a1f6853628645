/**
 * What one start and one join() cost on an otherwise quiet process
 * (docs/performance.md, "Start and join, own CPU"): a cluster of `--members`
 * members is started and joined to member 0, left to settle, then `--k`
 * newcomers are started and joined to member 0 one at a time, with a pause
 * between them so that nothing else competes. Around each newcomer's start
 * and each join() the script reads `process.cpuUsage()` and
 * `performance.now()`, and counts the fibers made (Effect's fiber-id counter).
 * The process CPU in those windows includes the cluster's own background
 * work (probes, gossip), read over 100 ms just before each newcomer; the
 * "own" figures take it off (CPU minus background rate times wall time).
 *
 * Prints one JSON line: medians over the K newcomers of start and join wall
 * time, process CPU and own CPU (ms), and fibers made per start and per join.
 *
 * Usage (bundled, as in docs/performance.md):
 *   node --expose-gc bench/.build/join-cost.mjs --members 100 --k 20 --pause 700
 * `--cpu-prof` with `--k 200` profiles the newcomers' part (the cluster's own
 * start is in the profile too; `--quiet-ms` is its settle time).
 */
import { Context, Effect, Exit, FiberId, Layer, Schema, Scope } from "effect"
import * as Discovery from "../src/Discovery.js"
import * as Memberlist from "../src/Memberlist.js"
import * as SwimConfig from "../src/SwimConfig.js"
import * as Transport from "../src/Transport.js"

const flag = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback
}
const wholeIn = (name: string, fallback: string, lo: number, hi: number): number => {
  const v = Number(flag(name, fallback))
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`--${name} must be a whole number from ${lo} to ${hi}`)
  return v
}
const membersN = wholeIn("members", "100", 1, 500)
const k = wholeIn("k", "30", 1, 500)
const pauseMs = wholeIn("pause", "200", 0, 5000)
/** How long the cluster's background CPU is read before each newcomer. */
const backgroundWindowMs = 100
const quietMs = wholeIn("quiet-ms", "3000", 0, 60000)
const preset = flag("preset", "lan")
if (preset !== "lan" && preset !== "local") throw new Error("--preset must be lan or local")
/** `make`: `Memberlist.make` with the services given directly; `layers`: the vs-memberlist composition. */
const how = flag("how", "layers")
if (how !== "make" && how !== "layers") throw new Error("--how must be make or layers")

class Member extends Memberlist.Tag("bench/join-cost/Member")<Member, unknown>() {}
const options: Memberlist.Options<unknown, unknown> = { messages: Schema.Unknown, leaveOnClose: false }
const configOf = (name: string) => {
  const o = { name, bindHost: "127.0.0.1", bindPort: 0, compression: true }
  return preset === "local" ? SwimConfig.local(o) : SwimConfig.lan(o)
}

interface Started {
  readonly member: Memberlist.Memberlist<unknown>
  readonly address: Transport.Address
}

const start = (name: string, scope: Scope.Scope): Effect.Effect<Started, unknown> => {
  const built: Effect.Effect<Memberlist.Memberlist<unknown>, unknown> = how === "make"
    ? Effect.flatMap(Scope.extend(Transport.makeNode({ host: "127.0.0.1", port: 0 }), scope), (t) =>
      Scope.extend(Memberlist.make(options), scope).pipe(
        Effect.provideService(Transport.Transport, t),
        Effect.provideService(Discovery.Discovery, Discovery.make(Effect.succeed([]))),
        Effect.provideService(SwimConfig.SwimConfig, configOf(name))
      ))
    : Layer.buildWithScope(
      Memberlist.layer(Member, options).pipe(
        Layer.provide(Layer.scoped(Transport.Transport, Transport.makeNode({ host: "127.0.0.1", port: 0 }))),
        Layer.provide(Discovery.layer(Effect.succeed([]))),
        Layer.provide(SwimConfig.layer(configOf(name)))
      ),
      scope
    ).pipe(Effect.map((context) => Context.get(context, Member)))
  return Effect.flatMap(built, (member) => Effect.map(member.localMember, (local) => ({ member, address: local.address })))
}

/**
 * With `--marks`, a short busy spin before and after each start and each join, in functions whose names
 * a CPU profile shows: they delimit the windows when the profile is read (bench/join-cost-profile.mjs).
 */
const marks = process.argv.includes("--marks")
const spin = (ms: number) => {
  const until = performance.now() + ms
  while (performance.now() < until) { /* busy on purpose: a marker in the profile */ }
}
function markStartBegins() {
  if (marks) spin(2)
}
function markJoinBegins() {
  if (marks) spin(2)
}
function markJoinEnds() {
  if (marks) spin(2)
}

const nextFiberNumber = (): number => {
  const id = Effect.runSync(Effect.fiberId)
  return FiberId.isRuntime(id) ? id.id : -1
}
const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
const median = (xs: ReadonlyArray<number>): number => {
  const v = [...xs].sort((a, b) => a - b)
  return v[Math.floor((v.length - 1) / 2)] ?? -1
}
const round = (x: number) => Math.round(x * 1000) / 1000

const program = Effect.gen(function*() {
  const scopes: Array<Scope.CloseableScope> = []
  const open = (name: string) =>
    Effect.flatMap(Scope.make(), (scope) => {
      scopes.push(scope)
      return start(name, scope)
    })
  const seed = yield* open("m-0")
  for (let i = 1; i < membersN; i++) {
    const m = yield* open(`m-${i}`)
    yield* m.member.join([seed.address])
  }
  yield* Effect.sleep(quietMs)
  const view = (yield* seed.member.members).length

  const startWall: Array<number> = []
  const startCpu: Array<number> = []
  const joinWall: Array<number> = []
  const joinCpu: Array<number> = []
  const startFibers: Array<number> = []
  const joinFibers: Array<number> = []
  // Background CPU of the cluster per millisecond, read just before each newcomer.
  let idleCpu = 0
  let idleWall = 0
  const startOwn: Array<number> = []
  const joinOwn: Array<number> = []
  for (let i = 0; i < k; i++) {
    yield* Effect.sleep(pauseMs)
    // The cluster's own work just before this newcomer (probes, gossip): what a reading below would
    // include anyway, taken off to estimate the start's and the join's own CPU.
    const c0 = cpuMs()
    const w0 = performance.now()
    yield* Effect.sleep(backgroundWindowMs)
    const backgroundNow = (cpuMs() - c0) / (performance.now() - w0)
    idleCpu += cpuMs() - c0
    idleWall += performance.now() - w0
    markStartBegins()
    const f0 = nextFiberNumber()
    const s0c = cpuMs()
    const s0 = performance.now()
    const m = yield* open(`new-${i}`)
    const s1 = performance.now()
    const s1c = cpuMs()
    const f1 = nextFiberNumber()
    markJoinBegins()
    const j0 = performance.now()
    const j0c = cpuMs()
    yield* m.member.join([seed.address])
    const j1 = performance.now()
    const j1c = cpuMs()
    const f2 = nextFiberNumber()
    markJoinEnds()
    startWall.push(s1 - s0)
    startCpu.push(s1c - s0c)
    joinWall.push(j1 - j0)
    joinCpu.push(j1c - j0c)
    startOwn.push(s1c - s0c - backgroundNow * (s1 - s0))
    joinOwn.push(j1c - j0c - backgroundNow * (j1 - j0))
    startFibers.push(f1 - f0 - 1)
    joinFibers.push(f2 - f1 - 1)
  }
  console.log(JSON.stringify({
    how,
    preset,
    members: membersN,
    viewAtSeed: view,
    k,
    startMsMedian: round(median(startWall)),
    startCpuMsMedian: round(median(startCpu)),
    joinMsMedian: round(median(joinWall)),
    joinCpuMsMedian: round(median(joinCpu)),
    startOwnCpuMsMedian: round(median(startOwn)),
    joinOwnCpuMsMedian: round(median(joinOwn)),
    fibersPerStart: median(startFibers),
    fibersPerJoin: median(joinFibers),
    backgroundCpuPerMs: round(idleWall > 0 ? idleCpu / idleWall : 0)
  }))
  for (const scope of scopes.reverse()) yield* Scope.close(scope, Exit.void)
})

Effect.runPromise(program).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)

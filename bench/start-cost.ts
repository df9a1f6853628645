/**
 * What starting one member costs (docs/performance.md, "Member start-up"):
 * N members started one after another in this process on 127.0.0.1, none
 * joined, each in a scope of its own, built one of four ways:
 *
 * - `bind`: the Node transport alone (UDP bind and TCP listen);
 * - `make`: the transport, then `Memberlist.make` with the services given directly;
 * - `onelayer`: the same, through `Memberlist.layer` built alone;
 * - `layers`: the composition the vs-memberlist benchmark built until session 9:
 *   `Memberlist.layer` given a transport layer, `Discovery.layer` and `SwimConfig.layer`
 *   with three `Layer.provide`;
 * - `documented`: the composition README and docs/getting-started.md showed until
 *   session 9: the same with `Discovery.static`, `Transport.layerNode` and `SwimConfig.layer`;
 * - `layernode`: the one layer they show now, `Memberlist.layerNode` given the
 *   configuration and discovery as values (it binds its Node transport itself);
 * - `makenode`: the effect behind it, `Memberlist.makeNode`, in the scope, no layer.
 *
 * Prints one JSON line: the median start (ms), the total wall and CPU time
 * (ms), the heap kept per member after a full collection (KiB; needs
 * `--expose-gc`), and the fibers made per member (from Effect's fiber-id
 * counter), then closes every scope, last started first, and prints the
 * median close (ms) and the CPU of all the closes (ms). With `--steps`, each
 * start runs under a supervisor that counts its interpreter steps (the
 * start's fiber and the fibers it forks, while it runs): `stepsPerMember`,
 * with the supervisor's own cost in the times. With a bundle
 * whose fiber run loop counts its steps into `globalThis.__ops` (see
 * docs/performance.md, "Member start-up, fourth pass"), also the
 * interpreter steps per member, every fiber's, as `opsPerMember`.
 *
 * Usage (bundled, as in docs/performance.md):
 *   node --expose-gc bench/.build/start-cost.mjs --how layers --n 300
 */
import { Context, Effect, Exit, FiberId, Layer, Schema, Scope } from "effect"
import * as Discovery from "../src/Discovery.js"
import * as Memberlist from "../src/Memberlist.js"
import * as SwimConfig from "../src/SwimConfig.js"
import * as Transport from "../src/Transport.js"
import { countSteps } from "../test/support/stepCount.js"

const flag = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback
}
const hows = ["bind", "make", "onelayer", "layers", "documented", "layernode", "makenode"] as const
type How = typeof hows[number]
const how = flag("how", "layers") as How
if (!hows.includes(how)) throw new Error(`--how must be one of ${hows.join(", ")}`)
const n = Number(flag("n", "300"))
if (!Number.isInteger(n) || n < 1 || n > 2000) throw new Error("--n must be 1 to 2000")
const steps = process.argv.includes("--steps")

class Member extends Memberlist.Tag("bench/start-cost/Member")<Member, unknown>() {}

const options: Memberlist.Options<unknown, unknown> = { messages: Schema.Unknown, leaveOnClose: false }
const configOf = (i: number) => SwimConfig.lan({ name: `m-${i}`, bindHost: "127.0.0.1", bindPort: 0, compression: true })
const bindNode = Transport.makeNode({ host: "127.0.0.1", port: 0 })
const noSeeds = Discovery.make(Effect.succeed([]))

const withServices = (transport: Transport.TransportShape, i: number) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    effect.pipe(
      Effect.provideService(Transport.Transport, transport),
      Effect.provideService(Discovery.Discovery, noSeeds),
      Effect.provideService(SwimConfig.SwimConfig, configOf(i))
    )

const startOne = (i: number, scope: Scope.Scope): Effect.Effect<unknown, unknown> => {
  switch (how) {
    case "bind":
      return Scope.extend(bindNode, scope)
    case "make":
      return Effect.flatMap(Scope.extend(bindNode, scope), (t) => withServices(t, i)(Scope.extend(Memberlist.make(options), scope)))
    case "onelayer":
      return Effect.flatMap(Scope.extend(bindNode, scope), (t) =>
        withServices(t, i)(Layer.buildWithScope(Memberlist.layer(Member, options), scope)))
    case "layers":
      return Layer.buildWithScope(
        Memberlist.layer(Member, options).pipe(
          Layer.provide(Layer.scoped(Transport.Transport, bindNode)),
          Layer.provide(Discovery.layer(Effect.succeed([]))),
          Layer.provide(SwimConfig.layer(configOf(i)))
        ),
        scope
      ).pipe(Effect.map((context) => Context.get(context, Member)))
    case "documented":
      return Layer.buildWithScope(
        Memberlist.layer(Member, options).pipe(
          Layer.provide(Discovery.static([])),
          Layer.provide(Transport.layerNode),
          Layer.provide(SwimConfig.layer(configOf(i)))
        ),
        scope
      ).pipe(Effect.map((context) => Context.get(context, Member)))
    case "makenode":
      return Scope.extend(Memberlist.makeNode({ ...options, config: configOf(i) }), scope)
    case "layernode":
      return Layer.buildWithScope(Memberlist.layerNode(Member, { ...options, config: configOf(i) }), scope).pipe(
        Effect.map((context) => Context.get(context, Member))
      )
  }
}

/** The number the next fiber made anywhere in the process gets. */
const nextFiberNumber = (): number => {
  const id = Effect.runSync(Effect.fiberId)
  return FiberId.isRuntime(id) ? id.id : -1
}
const gc = (globalThis as { gc?: () => void }).gc
/** Interpreter steps so far, when the bundle was patched to count them. */
const opsSoFar = (): number | undefined => (globalThis as { __ops?: number }).__ops

const program = Effect.gen(function*() {
  const scopes: Array<Scope.CloseableScope> = []
  const starts: Array<number> = []
  let stepsTaken = 0
  gc?.()
  const heapBefore = process.memoryUsage().heapUsed
  const fibersBefore = nextFiberNumber()
  const opsBefore = opsSoFar() ?? 0
  const cpuBefore = process.cpuUsage()
  const began = performance.now()
  for (let i = 0; i < n; i++) {
    const scope = yield* Scope.make()
    scopes.push(scope)
    const t0 = performance.now()
    if (steps) stepsTaken += (yield* countSteps(startOne(i, scope))).steps
    else yield* startOne(i, scope)
    starts.push(performance.now() - t0)
  }
  const wallMs = performance.now() - began
  const cpu = process.cpuUsage(cpuBefore)
  // The probe fibers of the two readings are counted out.
  const fibersPerMember = (nextFiberNumber() - fibersBefore - 1) / n
  const opsAfter = opsSoFar()
  gc?.()
  const heapKiBPerMember = gc === undefined ? undefined : (process.memoryUsage().heapUsed - heapBefore) / n / 1024
  const closes: Array<number> = []
  const cpuBeforeClose = process.cpuUsage()
  for (const scope of scopes.reverse()) {
    const t0 = performance.now()
    yield* Scope.close(scope, Exit.void)
    closes.push(performance.now() - t0)
  }
  const closeCpu = process.cpuUsage(cpuBeforeClose)
  starts.sort((a, b) => a - b)
  closes.sort((a, b) => a - b)
  const round = (x: number) => Math.round(x * 1000) / 1000
  console.log(JSON.stringify({
    how,
    n,
    startMsMedian: round(starts[Math.floor((n - 1) / 2)]!),
    wallMs: Math.round(wallMs),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    heapKiBPerMember: heapKiBPerMember === undefined ? undefined : round(heapKiBPerMember),
    fibersPerMember: round(fibersPerMember),
    stepsPerMember: steps ? Math.round(stepsTaken / n) : undefined,
    opsPerMember: opsAfter === undefined ? undefined : Math.round((opsAfter - opsBefore) / n),
    closeMsMedian: round(closes[Math.floor((n - 1) / 2)]!),
    closeCpuMs: Math.round((closeCpu.user + closeCpu.system) / 1000)
  }))
})

Effect.runPromise(program).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)

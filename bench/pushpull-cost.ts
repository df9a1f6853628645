/**
 * What one push/pull costs, both sides, over loopback TCP in a warm process
 * (docs/performance.md, "The cost of a push/pull"): a seed member (lan
 * preset, compression on) holds a view of `--view` entries, and a client
 * runs the newcomer's half of a push/pull against it as a member does in
 * callbacks (`nodeRuntime.ts` `pushPullNow`): dial through the transport's
 * side door, write its one-entry request, read the answer with
 * `readFrameNow`, close. The seed's half is the member's own: accept,
 * read, the driver's step (answer built, the one entry merged: no news after
 * the first), encode, write, close.
 *
 * The seed learns its view from the client: a first push/pull carries
 * `--view - 2` made-up members on 127.0.0.1 ports nobody listens on, so the
 * seed's probes of them cost one datagram each per probe interval and no
 * answer; nothing else runs in the process. Exchanges run back to back, in
 * rounds of `--count`; per round the process CPU (`process.cpuUsage`) and
 * wall time per exchange, medians over the rounds after the first printed as
 * one JSON line. The seed's own background (probes, gossip) is read over
 * `--idle-ms` before the rounds and reported beside them (per exchange, at the
 * rounds' pace), not taken off.
 *
 * Usage (bundled as bench/vs-child.ts is):
 *   node bench/.build/pushpull-cost-X.mjs [--view 100] [--count 300] [--rounds 6] [--idle-ms 1000]
 */
import { Context, Effect, Exit, Layer, Schema, Scope } from "effect"
import * as Memberlist from "../src/Memberlist.js"
import * as SwimConfig from "../src/SwimConfig.js"
import * as Transport from "../src/Transport.js"
import { readFrameNow } from "../src/internal/shell/streams.js"
import type { PushNodeState, Versions } from "../src/internal/swim/messages.js"
import { NodeState } from "../src/internal/swim/messages.js"
import * as ChunkSource from "../src/internal/transport/chunkSource.js"
import * as StreamDialer from "../src/internal/transport/streamDialer.js"
import { encodeStream, type StreamMessage } from "../src/internal/wire/stream.js"

const flag = (name: string, fallback: string, lo: number, hi: number): number => {
  const at = process.argv.indexOf(`--${name}`)
  const v = Number(at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback)
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`--${name} must be a whole number from ${lo} to ${hi}`)
  return v
}
const viewSize = flag("view", "100", 2, 1000)
const count = flag("count", "300", 1, 100_000)
const rounds = flag("rounds", "6", 2, 100)
const idleMs = flag("idle-ms", "1000", 0, 60_000)

class Seed extends Memberlist.Tag("bench/pushpull-cost/Seed")<Seed, unknown>() {}

const versions: Versions = [1, 5, 2, 0, 0, 0]
const entryOf = (name: string, port: number): PushNodeState => ({
  name,
  address: { host: "127.0.0.1", port },
  meta: new Uint8Array(0),
  incarnation: 1,
  state: NodeState.Alive,
  versions
})
const empty = new Uint8Array(0)
const encodeOptions = { compress: true }

/** The newcomer's half of one push/pull, in callbacks; resolves with the answer's entry count. */
const exchange = (
  dialer: StreamDialer.StreamDialer,
  seed: Transport.Address,
  states: ReadonlyArray<PushNodeState>
): Promise<number> =>
  new Promise((resolve, reject) => {
    dialer.dial(seed, 5_000, (connection) => {
      if (connection instanceof Error) return reject(connection)
      const source = ChunkSource.of(connection)
      if (source === undefined) return reject(new Error("the connection has no side door"))
      source.writeNow(encodeStream({ _tag: "PushPull", join: false, states, userState: empty }, encodeOptions))
      readFrameNow(source, {}, 5_000, (outcome: StreamMessage | Error) => {
        source.answerAndClose(undefined)
        if (outcome instanceof Error) reject(outcome)
        else if (outcome._tag !== "PushPull") reject(new Error(`expected a push/pull, got ${outcome._tag}`))
        else resolve(outcome.states.length)
      })
    })
  })

const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? -1
const round = (x: number) => Math.round(x * 1000) / 1000

const program: Effect.Effect<void, unknown> = Effect.gen(function*() {
  const scope = yield* Scope.make()
  const context = yield* Layer.buildWithScope(
    Memberlist.layerNode(Seed, {
      messages: Schema.Unknown,
      leaveOnClose: false,
      config: SwimConfig.lan({ name: "seed", bindHost: "127.0.0.1", bindPort: 0, compression: true }),
      transport: Transport.makeNode({ host: "127.0.0.1", port: 0 })
    }),
    scope
  )
  const seed = Context.get(context, Seed)
  const seedAddress = (yield* seed.localMember).address
  const client = yield* Scope.extend(Transport.makeNode({ host: "127.0.0.1", port: 0 }), scope)
  const dialer = StreamDialer.of(client)
  if (dialer === undefined) return yield* Effect.die("the Node transport has no stream dialer")
  const self = entryOf("client", client.boundAddress.port)
  // Made-up members on ports below 1024 that nothing on loopback listens on.
  const madeUp = Array.from({ length: viewSize - 2 }, (_, i) => entryOf(`made-up-${i}`, 1 + i))
  yield* Effect.promise(() => exchange(dialer, seedAddress, [self, ...madeUp]))
  const view = (yield* seed.members).length

  const c0 = cpuMs()
  const w0 = performance.now()
  yield* Effect.sleep(idleMs)
  const backgroundPerMs = idleMs > 0 ? (cpuMs() - c0) / (performance.now() - w0) : 0

  const cpu: Array<number> = []
  const wall: Array<number> = []
  let answered = 0
  for (let r = 0; r < rounds; r++) {
    const rc = cpuMs()
    const rw = performance.now()
    // One promise chain per round: an Effect per exchange would add the bench's own fiber hops to the figures.
    answered = yield* Effect.promise(async () => {
      let entries = 0
      for (let i = 0; i < count; i++) entries = await exchange(dialer, seedAddress, [self])
      return entries
    })
    if (r === 0) continue // warm-up
    cpu.push((cpuMs() - rc) / count)
    wall.push((performance.now() - rw) / count)
  }
  console.log(JSON.stringify({
    view,
    answerEntries: answered,
    count,
    rounds: rounds - 1,
    cpuMsPerPushPull: round(median(cpu)),
    wallMsPerPushPull: round(median(wall)),
    backgroundCpuMsPerPushPull: round(backgroundPerMs * median(wall))
  }))
  yield* Scope.close(scope, Exit.void)
})

Effect.runPromise(program).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)

/**
 * What one received datagram costs the member that receives it
 * (docs/performance.md, "The cost of a received datagram"): member A (and a
 * peer B joined to it, so A has someone to know) run in this process on
 * 127.0.0.1, lan preset, compression on; a child process sends A a bounded
 * number of prepared datagrams of one kind from raw `dgram` sockets, paced so
 * the socket buffer never overflows. This process reads `process.cpuUsage()`
 * around each burst and subtracts what an equally long quiet window costs, so
 * the figure is the receiver's CPU per datagram: socket, decode, guards,
 * step, and whatever the step sends back.
 *
 * Kinds:
 * - `ping`: a ping to A by name, which A answers with an ack;
 * - `alives`: a compound of 8 alives about B at its current incarnation (not news), compressed as a
 *   member would send it (LZW kept when smaller);
 * - `greeting`: one alive of a new member at the sending socket's address (news, the `own` door; at most
 *   200 per burst, under the door's 256 per probe interval);
 * - `ack`: an ack whose sequence number A never sent;
 * - `bad`: a datagram that does not decode (an unknown message type), dropped, counted and logged at debug level;
 * - `raw`: a ping's bytes to a bare `dgram` socket of this process whose handler does nothing: Node's and
 *   the kernel's floor in this very setup (the sender's pacing, this process's wake-ups);
 * - `raw-echo`: the same socket answering each datagram with 27 bytes (an ack's size): the floor of an
 *   answered datagram.
 *
 * Prints one JSON line per kind: datagrams sent, received by A (its packets-in counter), CPU per datagram in
 * microseconds (median of the rounds) and each round's figure; and the bytes this process allocated per
 * datagram (growth of V8's used heap over the burst, minus the quiet window's, median of the rounds that
 * saw no garbage collection: run with `--max-semi-space-size=64` so that most rounds see none).
 *
 * Usage (bundled, as in docs/performance.md):
 *   node bench/.build/recv-cost-X.mjs --count 2000 --rounds 5 [--kinds ping,alives,greeting,ack]
 * `--cpu-prof` on that command profiles the receiver (the sender is another process).
 */
import { fork } from "node:child_process"
import * as Dgram from "node:dgram"
import { PerformanceObserver } from "node:perf_hooks"
import * as V8 from "node:v8"
import { Effect, Exit, Schema, Scope } from "effect"
import * as Discovery from "../src/Discovery.js"
import * as Memberlist from "../src/Memberlist.js"
import * as SwimConfig from "../src/SwimConfig.js"
import * as Transport from "../src/Transport.js"
import { counterTotal } from "../src/internal/metricTotal.js"
import type { PacketMessage, Versions } from "../src/internal/swim/messages.js"
import { encodePacket } from "../src/internal/wire/packet.js"
import { choicesFlag, wholeFlag } from "./flags.js"

const kinds = ["ping", "alives", "greeting", "ack", "bad", "raw", "raw-echo"] as const
type Kind = typeof kinds[number]

/** What the sender needs to build its datagrams. */
interface Plan {
  readonly kind: Kind
  readonly count: number
  readonly round: number
  readonly target: { readonly host: string; readonly port: number; readonly name: string }
  readonly peer: { readonly host: string; readonly port: number; readonly name: string; readonly incarnation: number }
}

const versions: Versions = [1, 5, 2, 0, 0, 0]
const sockets = 8
/** Datagrams per pacing step, and the pause between steps (ms): 8 per ms stays under what A can take. */
const perStep = 8
const stepMillis = 1

const messagesOf = (plan: Plan, i: number, self: { host: string; port: number }): ReadonlyArray<PacketMessage> => {
  const { peer } = plan
  switch (plan.kind) {
    case "raw":
    case "raw-echo":
    case "ping":
      return [{ _tag: "Ping", seqNo: i + 1, node: plan.target.name, source: { address: self, node: `sender-${self.port}` } }]
    case "bad":
    case "ack":
      return [{ _tag: "Ack", seqNo: 1_000_000 + i, payload: new Uint8Array(0) }]
    case "greeting":
      return [{
        _tag: "Alive",
        incarnation: 1,
        node: `greeter-${plan.round}-${i}`,
        address: self,
        meta: new Uint8Array(0),
        versions
      }]
    case "alives":
      return Array.from({ length: 8 }, () => ({
        _tag: "Alive" as const,
        incarnation: peer.incarnation,
        node: peer.name,
        address: { host: peer.host, port: peer.port },
        meta: new Uint8Array(0),
        versions
      }))
  }
}

// ---------------------------------------------------------------- the sender (child process)

const runSender = (plan: Plan) => {
  const socks = Array.from({ length: sockets }, () => Dgram.createSocket("udp4"))
  let bound = 0
  let acks = 0
  for (const s of socks) {
    s.on("message", () => acks++)
    s.bind(0, "127.0.0.1", () => {
      if (++bound < sockets) return
      const datagrams = Array.from({ length: plan.count }, (_, i) => {
        const s = socks[i % sockets]!
        const self = { host: "127.0.0.1", port: s.address().port }
        return plan.kind === "bad"
          ? Uint8Array.of(200, i & 0xff, 1, 2, 3)
          : encodePacket(messagesOf(plan, i, self), { compress: true, crc: true })
      })
      process.send!({ ready: datagrams.reduce((n, d) => n + d.length, 0) / datagrams.length })
      process.once("message", () => {
        let i = 0
        const step = () => {
          for (let k = 0; k < perStep && i < datagrams.length; k++, i++) {
            socks[i % sockets]!.send(datagrams[i]!, plan.target.port, plan.target.host)
          }
          if (i < datagrams.length) setTimeout(step, stepMillis)
          else setTimeout(() => process.send!({ sent: i, acks }, () => process.exit(0)), 50)
        }
        step()
      })
    })
  }
}

// ---------------------------------------------------------------- the receiver (this process)

const cpuMicros = () => {
  const u = process.cpuUsage()
  return u.user + u.system
}

const heapUsed = () => V8.getHeapStatistics().used_heap_size
/** Garbage collections so far: a heap delta is the bytes allocated only when none ran in between. */
let collections = 0
new PerformanceObserver((list) => {
  collections += list.getEntries().length
}).observe({ entryTypes: ["gc"] })

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

const configOf = (name: string) => SwimConfig.lan({ name, bindHost: "127.0.0.1", bindPort: 0, compression: true })

const startMember = (name: string, scope: Scope.Scope) =>
  Effect.flatMap(Scope.extend(Transport.makeNode({ host: "127.0.0.1", port: 0 }), scope), (transport) =>
    Scope.extend(Memberlist.make({ messages: Schema.Unknown, leaveOnClose: false }), scope).pipe(
      Effect.provideService(Transport.Transport, transport),
      Effect.provideService(Discovery.Discovery, Discovery.make(Effect.succeed([]))),
      Effect.provideService(SwimConfig.SwimConfig, configOf(name))
    ))

/** One burst: fork the sender, let it bind and encode, then time A's CPU from "go" to the last datagram. */
const burst = (plan: Plan) =>
  Effect.async<{ cpu: number; wall: number; sent: number; acks: number; size: number; heap: number; gcs: number }>((resume) => {
    const child = fork(process.argv[1]!, ["--sender", JSON.stringify(plan)], { stdio: "inherit" })
    let cpu0 = 0
    let wall0 = 0
    let heap0 = 0
    let gc0 = 0
    let size = 0
    child.on("message", (m: { ready?: number; sent?: number; acks?: number }) => {
      if (m.ready !== undefined) {
        size = m.ready
        heap0 = heapUsed()
        gc0 = collections
        cpu0 = cpuMicros()
        wall0 = performance.now()
        child.send("go")
      } else if (m.sent !== undefined) {
        const cpu = cpuMicros() - cpu0
        const wall = performance.now() - wall0
        const heap = heapUsed() - heap0
        resume(Effect.succeed({ cpu, wall, sent: m.sent, acks: m.acks ?? 0, size, heap, gcs: collections - gc0 }))
      }
    })
  })

/** CPU this process spends over `millis` of quiet (timers of A and B), in microseconds. */
const idle = (millis: number) =>
  Effect.gen(function*() {
    const h0 = heapUsed()
    const g0 = collections
    const c0 = cpuMicros()
    yield* Effect.sleep(millis)
    return { cpu: cpuMicros() - c0, heap: heapUsed() - h0, gcs: collections - g0 }
  })

const main = Effect.gen(function*() {
  const count = wholeFlag("count", "2000", 20_000)
  const rounds = wholeFlag("rounds", "5", 50)
  const chosen = choicesFlag<Kind>("kinds", kinds)

  const scope = yield* Scope.make()
  const a = yield* startMember("recv-a", scope)
  const b = yield* startMember("recv-b", scope)
  const aSelf = yield* a.localMember
  const bSelf = yield* b.localMember
  yield* b.join([aSelf.address])
  yield* Effect.sleep(1500)
  const peer = { ...bSelf.address, name: bSelf.name, incarnation: bSelf.incarnation }
  const target = { ...aSelf.address, name: aSelf.name }
  // The floor's socket: counts what it receives, and for raw-echo answers with 27 bytes.
  const raw = Dgram.createSocket("udp4")
  const echo = new Uint8Array(27)
  let rawKind: Kind = "raw"
  let rawReceived = 0
  raw.on("message", (_bytes, from) => {
    rawReceived++
    if (rawKind === "raw-echo") raw.send(echo, from.port, from.address)
  })
  yield* Effect.async<void>((resume) => {
    raw.bind(0, "127.0.0.1", () => resume(Effect.void))
  })
  const rawTarget = { host: "127.0.0.1", port: raw.address().port, name: aSelf.name }
  const packetsIn = (kind: Kind) =>
    kind === "raw" || kind === "raw-echo" ? Effect.sync(() => rawReceived) : counterTotal(Memberlist.metrics.packetsIn, aName)
  const aName = [aSelf.name]

  for (const kind of chosen) {
    const perDatagram: Array<number> = []
    const bytesPerDatagram: Array<number> = []
    let received = 0
    let sent = 0
    let acks = 0
    let size = 0
    const n = kind === "greeting" ? Math.min(count, 200) : count
    rawKind = kind
    const to = kind === "raw" || kind === "raw-echo" ? rawTarget : target
    // Round 0 warms the JIT up and is not counted.
    for (let round = 0; round <= rounds; round++) {
      if (round === 0) {
        yield* burst({ kind, count: n, round, target: to, peer })
        yield* Effect.sleep(1100)
        continue
      }
      const in0 = yield* packetsIn(kind)
      // The quiet window comes first: what the burst sets off (gossip of news) is the burst's.
      const quiet = yield* idle(Math.round(n / perStep * stepMillis * 1.2) + 50)
      const r = yield* burst({ kind, count: n, round, target: to, peer })
      // Greetings: let the own door's budget (per probe interval) refill before the next burst.
      yield* Effect.sleep(1100)
      received += (yield* packetsIn(kind)) - in0
      sent += r.sent
      acks += r.acks
      size = r.size
      const quietShare = r.wall / (Math.round(n / perStep * stepMillis * 1.2) + 50)
      perDatagram.push(Math.round(((r.cpu - quiet.cpu * quietShare) / r.sent) * 10) / 10)
      if (r.gcs === 0 && quiet.gcs === 0) bytesPerDatagram.push(Math.round((r.heap - quiet.heap * quietShare) / r.sent))
    }
    const members = (yield* a.members).length
    console.log(JSON.stringify({ kind, bytes: Math.round(size), sent, received, acks, members, usPerDatagram: median(perDatagram), rounds: perDatagram,
      bytesPerDatagram: bytesPerDatagram.length > 0 ? median(bytesPerDatagram) : null, bytesRounds: bytesPerDatagram }))
  }
  raw.close()
  yield* Scope.close(scope, Exit.void)
})

if (process.argv[2] === "--sender") runSender(JSON.parse(process.argv[3]!) as Plan)
else Effect.runPromise(main).then(() => process.exit(0), (e) => {
  console.error(e)
  process.exit(1)
})

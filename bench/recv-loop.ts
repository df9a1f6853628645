/**
 * The member's own cost per received datagram, without the kernel or Node's
 * socket: member A (and a peer B joined to it) run in this process on
 * 127.0.0.1, lan preset, compression on, and the packet callback A gave its
 * transport's fast path is called directly, in a loop, with prepared bytes
 * (docs/performance.md, "The cost of a received datagram, second pass").
 * Everything from there on is A's: rate limit, decode, intake, driver loop,
 * step, outputs, gauges, and for a ping the answer's encoding and its hand-off
 * to the socket (the kernel's send included: the answer goes to a bound socket
 * of this process that ignores it).
 *
 * Per kind and round: CPU (`process.cpuUsage`) and V8's used-heap growth per
 * call, the heap figure kept only from rounds in which no collection ran
 * (run with `--expose-gc --min-semi-space-size=64 --max-semi-space-size=64` and `--count 4000`).
 *
 * Kinds: `ack` (a sequence number A never sent), `alives` (a compound of 8
 * alives about B at its incarnation: not news), `ping` (to A by name,
 * answered), `bad` (an unknown message type), `greeting` (one alive of a new
 * member from its own address, as a newcomer greets every member; 200 per
 * round, each a new name at a port of its own, so A's table grows by 200 a round).
 *
 * Senders (`--senders`): `strangers` (the default, as in the second pass) are addresses A knows nothing
 * of; with `members`, each of the 8 senders first greets A with its own alive (`loop-sender-<i>`, at its
 * address), so the acks, pings and gossip come from members, as in a cluster, and the ping's source is
 * `loop-sender-0`. The senders never answer A's probes, so they turn suspect, then dead, during the run.
 *
 * Usage (bundled): node --expose-gc --min-semi-space-size=64 --max-semi-space-size=64 bench/.build/recv-loop-X.mjs
 *   [--count 8000] [--rounds 5] [--kinds ack,alives,ping,bad] [--senders strangers|members]
 */
import * as Dgram from "node:dgram"
import { PerformanceObserver } from "node:perf_hooks"
import * as V8 from "node:v8"
import { Effect, Exit, Schema, Scope } from "effect"
import * as Discovery from "../src/Discovery.js"
import * as Memberlist from "../src/Memberlist.js"
import * as SwimConfig from "../src/SwimConfig.js"
import * as Transport from "../src/Transport.js"
import * as FastPath from "../src/internal/transport/fastPath.js"
import type { PacketMessage, Versions } from "../src/internal/swim/messages.js"
import { encodePacket } from "../src/internal/wire/packet.js"

const flag = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback
}

const kinds = ["ack", "alives", "ping", "bad", "greeting"] as const
/** Greetings per round: news, each admitted through the `own` door, which takes 256 per probe interval. */
const greetingsPerRound = 200
/**
 * A greeter's address: its own, as each newcomer of a storm greets from its own port (a port no socket
 * here binds, so A's probes of it go unanswered). Sharing the 8 senders' addresses, as greetings first did,
 * put most new members at an address a live member held.
 */
const greeterAddress = (round: number, i: number) => ({ host: "127.0.0.1", port: 20_000 + round * greetingsPerRound + i })
const sources = 8
type Kind = typeof kinds[number]
const versions: Versions = [1, 5, 2, 0, 0, 0]

let collections = 0
new PerformanceObserver((list) => {
  collections += list.getEntries().length
}).observe({ entryTypes: ["gc"] })

const cpuMicros = () => {
  const u = process.cpuUsage()
  return u.user + u.system
}
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** A member whose fast-path packet callback is handed to `capture`. */
const startMember = (name: string, scope: Scope.Scope, capture?: (receive: (packet: Transport.Packet) => boolean) => void) =>
  Effect.flatMap(Scope.extend(Transport.makeNode({ host: "127.0.0.1", port: 0 }), scope), (node) => {
    const fast = FastPath.of(node)!
    const transport = capture === undefined ? node : FastPath.attach(node, {
      ...fast,
      receive: (receive) => {
        capture(receive)
        return fast.receive(receive)
      }
    })
    return Scope.extend(Memberlist.make({ messages: Schema.Unknown, leaveOnClose: false }), scope).pipe(
      Effect.provideService(Transport.Transport, transport),
      Effect.provideService(Discovery.Discovery, Discovery.make(Effect.succeed([]))),
      Effect.provideService(
        SwimConfig.SwimConfig,
        SwimConfig.lan({ name, bindHost: "127.0.0.1", bindPort: 0, compression: true })
      )
    )
  })

const main = Effect.gen(function*() {
  const count = Number(flag("count", "8000"))
  const rounds = Number(flag("rounds", "5"))
  if (!Number.isInteger(count) || count < 1 || count > sources * 1000) throw new Error(`--count must be 1 to ${sources * 1000}`)
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw new Error("--rounds must be 1 to 50")
  const chosen = flag("kinds", kinds.join(",")).split(",") as Array<Kind>
  for (const k of chosen) if (!kinds.includes(k)) throw new Error(`unknown kind ${k}`)

  const scope = yield* Scope.make()
  let receive: ((packet: Transport.Packet) => boolean) | undefined
  const a = yield* startMember("loop-a", scope, (r) => {
    receive = r
  })
  const b = yield* startMember("loop-b", scope)
  const aSelf = yield* a.localMember
  const bSelf = yield* b.localMember
  yield* b.join([aSelf.address])
  yield* Effect.sleep(1500)
  // The senders: sockets that ignore what they get (the pings' answers). The rate limit allows each
  // 1,000 packets at once and 500 a second after that: a round gives each at most 1,000, then rests 2 s.
  const sinks = Array.from({ length: sources }, () => Dgram.createSocket("udp4"))
  for (const sink of sinks) {
    sink.on("message", () => {})
    yield* Effect.async<void>((resume) => {
      sink.bind(0, "127.0.0.1", () => resume(Effect.void))
    })
  }
  const froms = sinks.map((sink) => ({ host: "127.0.0.1", port: sink.address().port }))
  const from = froms[0]!
  const senders = flag("senders", "strangers")
  if (senders !== "strangers" && senders !== "members") throw new Error("--senders must be strangers or members")
  const senderName = senders === "members" ? "loop-sender-0" : "loop-sender"
  if (senders === "members") {
    froms.forEach((address, i) => {
      const alive: PacketMessage = { _tag: "Alive", incarnation: 1, node: `loop-sender-${i}`, address, meta: new Uint8Array(0), versions }
      receive!({ from: address, bytes: encodePacket([alive], { compress: true, crc: true }) })
    })
    yield* Effect.sleep(100)
  }

  const bytesOf = (kind: Kind, i: number, round = 0): Uint8Array => {
    const messages: ReadonlyArray<PacketMessage> = kind === "greeting"
      ? [{
        _tag: "Alive",
        incarnation: 1,
        node: `greeter-${round}-${i}`,
        address: greeterAddress(round, i),
        meta: new Uint8Array(0),
        versions
      }]
      : kind === "ack"
      ? [{ _tag: "Ack", seqNo: 1_000_000 + i, payload: new Uint8Array(0) }]
      : kind === "ping"
      ? [{ _tag: "Ping", seqNo: i + 1, node: aSelf.name, source: { address: from, node: senderName } }]
      : Array.from({ length: 8 }, () => ({
        _tag: "Alive" as const,
        incarnation: bSelf.incarnation,
        node: bSelf.name,
        address: bSelf.address,
        meta: new Uint8Array(0),
        versions
      }))
    return kind === "bad" ? Uint8Array.of(200, i & 0xff, 1, 2, 3) : encodePacket(messages, { compress: true, crc: true })
  }

  for (const kind of chosen) {
    // 64 distinct packets, reused: their decoding is what is measured, not their building.
    const packets = Array.from({ length: 64 }, (_, i) => ({ from, bytes: bytesOf(kind, i) }))
    const cpu: Array<number> = []
    const heap: Array<number> = []
    const calls = kind === "greeting" ? Math.min(count, greetingsPerRound) : count
    for (let round = 0; round <= rounds; round++) {
      const greetings = kind === "greeting"
        ? Array.from({ length: calls }, (_, i) => bytesOf(kind, i, round))
        : undefined
      const greeters = Array.from({ length: greetings === undefined ? 0 : calls }, (_, i) => greeterAddress(round, i))
      // A collection now, its report delivered, and none expected in the round: the heap's growth is then
      // what the round allocated (with --expose-gc; without, rounds that saw one are left out).
      ;(globalThis as { gc?: () => void }).gc?.()
      yield* Effect.sleep(50)
      const gc0 = collections
      const h0 = V8.getHeapStatistics().used_heap_size
      const c0 = cpuMicros()
      for (let i = 0; i < calls; i++) {
        receive!(greetings !== undefined ? { from: greeters[i]!, bytes: greetings[i]! } : { from: froms[i % sources]!, bytes: packets[i & 63]!.bytes })
      }
      // The answers' sends finish in the next ticks (Node's address lookup): counted too.
      yield* Effect.async<void>((resume) => {
        setImmediate(() => resume(Effect.void))
      })
      const c = cpuMicros() - c0
      const h = V8.getHeapStatistics().used_heap_size - h0
      // Let the rate limit's buckets refill before the next round (and the collections be reported).
      yield* Effect.sleep(2100)
      if (round > 0) {
        cpu.push(Math.round((c / calls) * 100) / 100)
        if (collections === gc0) heap.push(Math.round(h / calls))
      }
    }
    console.log(JSON.stringify({
      kind,
      bytes: packets[0]!.bytes.length,
      calls: kind === "greeting" ? Math.min(count, greetingsPerRound) : count,
      members: (yield* a.members).length,
      usPerCall: median(cpu),
      rounds: cpu,
      bytesPerCall: heap.length > 0 ? median(heap) : null,
      heapRounds: heap
    }))
  }
  for (const sink of sinks) sink.close()
  yield* Scope.close(scope, Exit.void)
})

Effect.runPromise(main).then(() => process.exit(0), (e) => {
  console.error(e)
  process.exit(1)
})

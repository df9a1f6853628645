/**
 * What sending a join's greetings costs the member that sends them, warm
 * (docs/performance.md, "A greeting, end to end"): a greeting is one
 * datagram of ~70 bytes, encoded once and handed to the socket once per live
 * member, all within the step that completes the join. Here 99 sinks (bound
 * `dgram` sockets of a child process, which ignore what they get: their
 * receiving is not this process's CPU) stand for the members, and a
 * round is `--per-sink` joins' worth: 99 datagrams of 70 bytes, one to each
 * sink, then the next 99 once every send of the last has completed.
 *
 * Paths (`--paths`):
 * - `raw`: `socket.send(bytes, port, host, callback)` on a bare socket: Node's and the kernel's floor;
 * - `transport`: the Node transport's fast-path `send` (`transport/nodeUdp.ts` `sendNow`);
 * - `sender`: the member's packet sender (`shell/packetSender.ts` `unsafeOffer`, its in-flight bound, its
 *   completion callback and the packets-out and bytes-out counters) over that transport: what the shell
 *   does per greeting after the one encoding.
 *
 * Prints one JSON line per path: CPU (user + system, `process.cpuUsage`) per datagram in microseconds,
 * median of the rounds, and each round's figure. The paths alternate round by round, so load moves them
 * alike.
 *
 * Usage (bundled): node bench/.build/greet-send-X.mjs [--rounds 9] [--per-sink 40] [--paths raw,transport,sender]
 */
import { fork } from "node:child_process"
import * as Dgram from "node:dgram"
import { Effect, Exit, Scope } from "effect"
import * as Transport from "../src/Transport.js"
import { MemberMetrics } from "../src/internal/shell/memberMetrics.js"
import { Mailbox } from "../src/internal/shell/mailbox.js"
import type { Outgoing } from "../src/internal/shell/nodeRuntime.js"
import * as PacketSender from "../src/internal/shell/packetSender.js"
import * as FastPath from "../src/internal/transport/fastPath.js"
import { choicesFlag, wholeFlag } from "./flags.js"

const paths = ["raw", "transport", "sender"] as const
type Path = typeof paths[number]
/** The members a join greets in a 100-member cluster. */
const sinks = 99
const greetingBytes = 70

const cpuMicros = () => {
  const u = process.cpuUsage()
  return u.user + u.system
}
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const bind = (socket: Dgram.Socket) =>
  Effect.async<void>((resume) => {
    socket.bind(0, "127.0.0.1", () => resume(Effect.void))
  })

const main = Effect.gen(function*() {
  const rounds = wholeFlag("rounds", "9", 100)
  const perSink = wholeFlag("per-sink", "40", 1000)
  const chosen = choicesFlag<Path>("paths", paths)

  const scope = yield* Scope.make()
  const child = fork(process.argv[1]!, ["--sinks-child"], { stdio: ["ignore", "inherit", "inherit", "ipc"] })
  const ports = yield* Effect.async<ReadonlyArray<number>>((resume) => {
    child.once("message", (message) => resume(Effect.succeed(message as ReadonlyArray<number>)))
  })
  const to = ports.map((port) => ({ host: "127.0.0.1", port }))
  const bytes = new Uint8Array(greetingBytes).fill(7)

  const raw = Dgram.createSocket("udp4")
  yield* bind(raw)
  const transport = yield* Scope.extend(Transport.makeNode({ host: "127.0.0.1", port: 0 }), scope)
  // The transport's fast path, wrapped so that a round knows when its last send completed: the same wrapper
  // (one closure a send) under both the `transport` and the `sender` paths, so their difference is the sender's.
  const inner = FastPath.of(transport)!
  let completed: (error?: unknown) => void = () => {}
  const counted: FastPath.FastPath = {
    ...inner,
    send: (address, data, done) =>
      inner.send(address, data, (error) => {
        done(error)
        completed(error)
      })
  }
  let failures = 0
  const sender = PacketSender.make({
    transport: FastPath.attach(transport, counted),
    outbox: new Mailbox<Outgoing>(4096),
    metrics: new MemberMetrics("greet-send"),
    submit: () => Effect.void,
    fork: (effect) => Effect.runFork(effect)
  })
  const ignore = () => {}

  /**
   * Sends one datagram to every sink, as a join greets, `perSink` times over, each time once the last
   * join's sends have all completed (as the joins of a storm come one after another); then calls `done`.
   * 99 at a time stay within the packet sender's `maxSendsInFlight`: every packet takes its fast path.
   */
  const burst = (path: Path, done: () => void): void => {
    let joins = 0
    const greet = (): void => {
      if (joins++ === perSink) return done()
      let left = sinks
      completed = (error) => {
        if (error !== undefined && error !== null) failures++
        if (--left === 0) greet()
      }
      for (let i = 0; i < sinks; i++) {
        const address = to[i]!
        if (path === "raw") raw.send(bytes, address.port, address.host, completed)
        else if (path === "transport") counted.send(address, bytes, ignore)
        else if (!sender.unsafeOffer({ to: address, bytes, ping: undefined })) failures++
      }
    }
    greet()
  }

  const cpu = new Map<Path, Array<number>>(chosen.map((p) => [p, []]))
  for (let round = 0; round <= rounds; round++) {
    for (const path of chosen) {
      yield* Effect.sleep(30)
      const c0 = cpuMicros()
      yield* Effect.async<void>((resume) => burst(path, () => resume(Effect.void)))
      const c = cpuMicros() - c0
      // Round 0 warms every path up and is not kept.
      if (round > 0) cpu.get(path)!.push(Math.round((c / (perSink * sinks)) * 100) / 100)
    }
  }
  for (const path of chosen) {
    const rs = cpu.get(path)!
    console.log(JSON.stringify({ path, datagrams: perSink * sinks, bytes: greetingBytes, usPerDatagram: median(rs), rounds: rs }))
  }
  if (failures > 0) console.log(JSON.stringify({ failures }))
  raw.close()
  child.kill()
  yield* Scope.close(scope, Exit.void)
})

/** The child: binds the sinks, sends their ports to the parent, and lives until killed. */
const sinksChild = Effect.gen(function*() {
  const targets = Array.from({ length: sinks }, () => Dgram.createSocket("udp4"))
  for (const sink of targets) {
    sink.on("message", () => {})
    yield* bind(sink)
  }
  process.send!(targets.map((sink) => sink.address().port))
  yield* Effect.never
})

Effect.runPromise(process.argv.includes("--sinks-child") ? sinksChild : main).then(() => process.exit(0), (e) => {
  console.error(e)
  process.exit(1)
})

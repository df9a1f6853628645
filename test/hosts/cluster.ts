/**
 * Runs the members of the host fault suite: one process per member, each
 * inside its own namespace (see netns.ts), and keeps every member's view of
 * the others from the JSON event lines it prints.
 *
 * Two kinds of member process:
 *  - "ts": our library (member.ts), which prints every membership event;
 *  - "go": HashiCorp memberlist (test/interop/peer, built by
 *    test/interop/build-peer.sh) as the reference. Its EventDelegate only
 *    tells join, leave (dead or left) and update, so its lines are mapped:
 *    `join` -> join, `leave` -> failed (nothing leaves on purpose in the
 *    scenarios). It has no suspect event, and its member list cannot stand
 *    in (`Members()` leaves out only dead and left nodes, and the `State` of
 *    the nodes it returns is never set, so every one reads alive). What it
 *    does show is its log line "Suspect NAME has failed, no acks received",
 *    written when its own probe fails: that becomes a `suspect` line, but
 *    not a change of its view, since nothing would tell when the suspicion
 *    is refuted. So a Go member's view is alive until `leave`, as memberlist
 *    shows it to its application, and suspicions it only heard by gossip are
 *    not seen at all.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { dirname, join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { type Network, suite } from "./netns.js"

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, "..", "..")
export const port = 7946

/** One event line, as printed by member.ts, with who printed it. */
export interface Line {
  readonly observer: number
  readonly event: string
  readonly name?: string
  readonly by?: string
  readonly incarnation?: number
  readonly at: number
  readonly t: number
  readonly [key: string]: unknown
}

export type ViewState = "alive" | "suspect" | "dead" | "left"

const stateOf: Record<string, ViewState> = {
  join: "alive",
  update: "alive",
  alive: "alive",
  suspect: "suspect",
  failed: "dead",
  leave: "left"
}

export interface ClusterOptions {
  readonly count: number
  readonly preset: "local" | "lan"
  readonly rediscoverMs: number
  /** Which member process to run (default "ts"). The Go peer has no rediscovery: `rediscoverMs` is ours only. */
  readonly kind?: "ts" | "go"
  /** The network the members live in (default the suite's, netns.ts `suite`). */
  readonly net?: Network
}

/** The Go memberlist peer binary (gitignored; `bash test/interop/build-peer.sh`). */
export const goPeerBinary = join(root, "test", "interop", "bin", "peer")

/** A Go peer's stdout line in the suite's event model (see the module comment). */
const goLine = (parsed: Record<string, unknown>): Record<string, unknown> =>
  parsed.event === "leave" ? { ...parsed, event: "failed", goEvent: "leave" } : parsed

/** memberlist's log line when its own probe of NAME failed and it starts suspecting NAME. */
const goSuspectLog = /memberlist: Suspect (\S+) has failed, no acks received/

export const memberName = (i: number) => `m${i}`
export const indexOf = (name: string) => Number(name.slice(1))

export class Cluster {
  /** Every line of every process, in arrival order. */
  readonly lines: Array<Line> = []
  /** views[i]: member i's state of each other member, from its events since it last started. */
  readonly views: Array<Map<string, ViewState>> = []
  readonly procs: Array<ChildProcessWithoutNullStreams | undefined> = []
  readonly readyAt: Array<number | undefined> = []
  readonly net: Network
  readonly kind: "ts" | "go"

  constructor(readonly options: ClusterOptions) {
    this.net = options.net ?? suite
    this.kind = options.kind ?? "ts"
    for (let i = 0; i < options.count; i++) this.views.push(new Map())
  }

  /** The command line of member i: `ip netns exec NS ...`. */
  private commandOf(i: number): Array<string> {
    const { memberIp, memberNs } = this.net
    const seed = i === 0 ? [] : [`${memberIp(0)}:${port}`]
    const program = this.kind === "go"
      ? [
        goPeerBinary,
        "-name", memberName(i),
        "-bind", `${memberIp(i)}:${port}`,
        "-preset", this.options.preset,
        "-leave-timeout", "1s",
        ...seed.flatMap((s) => ["-join", s])
      ]
      : [
        process.execPath, "--import", "tsx", join(here, "member.ts"),
        "--name", memberName(i),
        "--bind", `${memberIp(i)}:${port}`,
        "--preset", this.options.preset,
        "--rediscover-ms", String(this.options.rediscoverMs),
        ...seed.flatMap((s) => ["--join", s])
      ]
    return ["netns", "exec", memberNs(i), ...program]
  }

  /** Records one line of member i and (unless told not to) updates its view. */
  private record(i: number, parsed: Record<string, unknown>, updatesView = true): void {
    const now = Date.now()
    const line = { at: now, t: now, ...parsed, observer: i } as Line
    this.lines.push(line)
    if (line.event === "ready") this.readyAt[i] = line.t
    const state = stateOf[line.event]
    if (updatesView && state !== undefined && line.name !== undefined && line.name !== memberName(i)) {
      this.views[i]!.set(line.name, state)
    }
  }

  /** Starts member i (again), in its namespace, joining through member 0. */
  start(i: number): void {
    const child = spawn("ip", this.commandOf(i), { cwd: root, stdio: ["pipe", "pipe", "pipe"] })
    this.procs[i] = child
    this.views[i] = new Map()
    this.readyAt[i] = undefined
    createInterface({ input: child.stdout }).on("line", (text) => {
      if (this.procs[i] !== child) return
      let parsed: Record<string, unknown>
      try {
        parsed = JSON.parse(text) as Record<string, unknown>
      } catch {
        parsed = { event: "stdout", line: text }
      }
      this.record(i, this.kind === "go" ? goLine(parsed) : parsed)
    })
    createInterface({ input: child.stderr }).on("line", (text) => {
      this.lines.push({ observer: i, event: "stderr", line: text, at: Date.now(), t: Date.now() })
      const suspected = this.kind === "go" && this.procs[i] === child ? goSuspectLog.exec(text)?.[1] : undefined
      if (suspected !== undefined) this.record(i, { event: "suspect", name: suspected, from: "log" }, false)
    })
    child.on("exit", (code, signal) => {
      this.lines.push({ observer: i, event: "exit", code, signal, at: Date.now(), t: Date.now() })
      if (this.procs[i] === child) this.procs[i] = undefined
    })
    child.stdin.on("error", () => {})
  }

  /** Notes a moment of the test (a fault on or off) among the lines. */
  mark(what: string): void {
    this.lines.push({ observer: -1, event: "mark", what, at: Date.now(), t: Date.now() })
  }

  running(i: number): boolean {
    return this.procs[i] !== undefined
  }

  signal(i: number, signal: NodeJS.Signals): void {
    const child = this.procs[i]
    if (child?.pid === undefined) throw new Error(`member ${i} is not running`)
    process.kill(child.pid, signal)
  }

  /** SIGKILLs member i and waits (bounded) for its exit. */
  async kill(i: number): Promise<void> {
    const child = this.procs[i]
    if (child === undefined) return
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
    this.signal(i, "SIGKILL")
    await Promise.race([exited, sleep(5_000)])
    this.procs[i] = undefined
  }

  /** Ends every process: `quit` first, SIGKILL for any still there after a moment. */
  async stopAll(): Promise<void> {
    const all = this.procs.map((child, i) => ({ child, i })).filter((p) => p.child !== undefined)
    for (const { child } of all) {
      try {
        child!.kill("SIGCONT")
        child!.stdin.end("quit\n")
      } catch {
        // gone
      }
    }
    await Promise.race([
      Promise.all(all.map(({ child }) => new Promise<void>((resolve) => {
        if (child!.exitCode !== null || child!.signalCode !== null) resolve()
        else child!.once("exit", () => resolve())
      }))),
      sleep(3_000)
    ])
    for (const { i } of all) await this.kill(i)
  }

  /** What member `observer` holds about `subject` (undefined: never heard of it). */
  state(observer: number, subject: number): ViewState | undefined {
    return this.views[observer]!.get(memberName(subject))
  }

  /** Every running member other than those in `except` sees every other running member alive. */
  fullView(except: ReadonlyArray<number> = []): boolean {
    for (let i = 0; i < this.options.count; i++) {
      if (except.includes(i)) continue
      if (!this.running(i)) return false
      for (let j = 0; j < this.options.count; j++) {
        if (j !== i && this.state(i, j) !== "alive") return false
      }
    }
    return true
  }

  /** Who does not see whom alive, for messages. */
  describeViews(): string {
    const out: Array<string> = []
    for (let i = 0; i < this.options.count; i++) {
      const bad: Array<string> = []
      for (let j = 0; j < this.options.count; j++) {
        if (j !== i && this.state(i, j) !== "alive") bad.push(`${memberName(j)}:${this.state(i, j) ?? "unknown"}`)
      }
      out.push(`${memberName(i)}${this.running(i) ? "" : "(not running)"} ${bad.length === 0 ? "full" : bad.join(",")}`)
    }
    return out.join("; ")
  }

  /** The lines since time `from` (by arrival). */
  since(from: number): Array<Line> {
    return this.lines.filter((l) => l.t >= from)
  }

  /** The first moment (arrival time, after `from`) member `observer` printed `event` about `subject`. */
  firstAfter(from: number, observer: number, events: ReadonlyArray<string>, subject: number): number | undefined {
    return this.lines.find((l) =>
      l.t >= from && l.observer === observer && events.includes(l.event) && l.name === memberName(subject)
    )?.t
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls `condition` every 50 ms until it holds (returns the moment) or `timeoutMs` passes (returns undefined). */
export const waitUntil = async (condition: () => boolean, timeoutMs: number): Promise<number | undefined> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (condition()) return Date.now()
    await sleep(50)
  }
  return condition() ? Date.now() : undefined
}

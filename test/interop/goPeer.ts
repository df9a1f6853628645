/**
 * Drives our Go interop peer (test/interop/peer, one HashiCorp memberlist node
 * per process) from vitest tests.
 *
 *   beforeAll(() => ensureGoPeerBuilt(), 180_000)
 *   afterEach(() => stopAll())
 *   const a = await startGoPeer({ name: "a" })
 *   const b = await startGoPeer({ name: "b", join: [a.address] })
 *   await b.waitFor((e) => e.event === "join" && e.name === "a", 5_000)
 *
 * Every process started here is tracked: `stopAll()` ends them all, and a
 * process "exit" hook SIGKILLs any left over. The peer also exits by itself
 * when its stdin closes, so it cannot outlive this process for long.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process"
import { statSync, readdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))

/** Path of the built peer binary (gitignored). */
const goPeerBinary = join(here, "bin", "peer")
const buildScript = join(here, "build-peer.sh")
const sourceDir = join(here, "peer")

// ---- events --------------------------------------------------------------------

export interface GoPeerMember {
  readonly name: string
  readonly addr: string
  readonly state: "alive" | "suspect" | "dead" | "left"
  readonly meta: string
  /** The versions memberlist holds for it: [pMin, pMax, pCur, dMin, dMax, dCur]. */
  readonly vsn: ReadonlyArray<number>
}

/** One line of the peer's stdout. `event: "stdout"` wraps a line that was not JSON. */
export type GoPeerEvent =
  | { readonly event: "ready"; readonly name: string; readonly addr: string }
  | { readonly event: "joined"; readonly contacted: number }
  | {
    readonly event: "join" | "leave" | "update"
    readonly name: string
    readonly addr: string
    readonly meta: string
    readonly at: number
  }
  | { readonly event: "message"; readonly payload: string; readonly text?: string }
  | { readonly event: "remote-state"; readonly join: boolean; readonly payload: string; readonly text?: string }
  | { readonly event: "members"; readonly members: ReadonlyArray<GoPeerMember> }
  | { readonly event: "sent"; readonly mode: "udp" | "tcp" | "broadcast"; readonly to?: string; readonly bytes: number }
  | { readonly event: "updated" }
  | { readonly event: "state"; readonly bytes: number }
  | { readonly event: "left" }
  | { readonly event: "keyring"; readonly op: "install" | "use" | "remove"; readonly keys: number }
  | { readonly event: "keys"; readonly keys: ReadonlyArray<string> }
  | { readonly event: "error"; readonly message: string }
  | { readonly event: "stdout"; readonly line: string }

// ---- options -------------------------------------------------------------------

export interface GoPeerOptions {
  readonly name: string
  /** HOST:PORT; default "127.0.0.1:0" (the peer picks a free port and reports it in `address`). */
  readonly bind?: string
  readonly advertise?: string
  /** Seeds to join right after Create; startGoPeer then waits for the join to succeed. */
  readonly join?: ReadonlyArray<string>
  /** Base64 keys (16, 24 or 32 bytes); the first is the primary key. */
  readonly keys?: ReadonlyArray<string>
  readonly preset?: "local" | "lan" | "wan"
  readonly protocol?: number
  readonly probeIntervalMs?: number
  readonly probeTimeoutMs?: number
  readonly suspicionMult?: number
  readonly suspicionMaxTimeoutMult?: number
  readonly gossipIntervalMs?: number
  readonly gossipNodes?: number
  readonly pushPullIntervalMs?: number
  readonly retransmitMult?: number
  readonly tcpTimeoutMs?: number
  readonly indirectChecks?: number
  readonly compression?: boolean
  readonly meta?: string
  /** Delegate LocalState sent on push/pull. */
  readonly state?: string
  readonly leaveTimeoutMs?: number
  /** More raw flags for the peer. */
  readonly extraArgs?: ReadonlyArray<string>
  /** Bound on reaching "ready" (and "joined" when joining); default 15s. */
  readonly startTimeoutMs?: number
  /** Echo the peer's stderr (memberlist's log) to ours; default: env GO_PEER_DEBUG set. */
  readonly echoStderr?: boolean
}

export interface WaitOptions {
  /** Only consider events at or after this index of `events` (default 0: all events so far). */
  readonly since?: number
  /** Shown in the timeout message instead of the predicate's source. */
  readonly description?: string
}

export interface GoPeer {
  readonly name: string
  /** host:port the node advertises (from the "ready" event). */
  readonly address: string
  readonly pid: number
  /** Every event parsed so far, in order. */
  readonly events: ReadonlyArray<GoPeerEvent>
  /** The last lines of the peer's stderr (memberlist's log). */
  stderr(): string
  /** True once the process has exited. */
  readonly exited: boolean
  /** Settles when the process exits. */
  readonly exit: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  /**
   * Resolves with the first event (at index >= since) matching the predicate, or
   * rejects after timeoutMs, or when the process exits first, with a message
   * that includes the recent events and stderr.
   */
  waitFor<E extends GoPeerEvent>(
    predicate: (event: GoPeerEvent) => event is E,
    timeoutMs?: number,
    options?: WaitOptions
  ): Promise<E>
  waitFor(predicate: (event: GoPeerEvent) => boolean, timeoutMs?: number, options?: WaitOptions): Promise<GoPeerEvent>
  /** Writes one command line to the peer's stdin. */
  command(line: string): void
  /** Asks for and returns the peer's current members (memberlist's Members()). */
  members(timeoutMs?: number): Promise<ReadonlyArray<GoPeerMember>>
  /** Polls members() until exactly these names are members; rejects after timeoutMs. */
  waitForMembers(names: ReadonlyArray<string>, timeoutMs?: number): Promise<ReadonlyArray<GoPeerMember>>
  /** SIGKILL (no leave message: for failure detection tests); resolves when it has exited. */
  kill(): Promise<void>
  /** SIGTERM (the peer leaves, shuts down and exits 0); SIGKILL after timeoutMs. Resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>
}

// ---- building ------------------------------------------------------------------

let building: Promise<void> | undefined

const mtime = (path: string): number | undefined => {
  try {
    return statSync(path).mtimeMs
  } catch {
    return undefined
  }
}

/** True when bin/peer is missing or older than a source file. */
const goPeerNeedsBuild = (): boolean => {
  const built = mtime(goPeerBinary)
  if (built === undefined) return true
  const sources = [buildScript, ...readdirSync(sourceDir).filter((f) => f.endsWith(".go")).map((f) => join(sourceDir, f))]
  return sources.some((f) => (mtime(f) ?? 0) > built)
}

/**
 * Builds bin/peer with build-peer.sh when it is missing or stale (once per
 * process). Rejects with the script's message when Go or Debian's memberlist
 * package is missing: interop tests must fail, not skip, then.
 */
export const ensureGoPeerBuilt = (): Promise<void> => {
  if (building === undefined) {
    building = !goPeerNeedsBuild() ? Promise.resolve() : new Promise<void>((resolve, reject) => {
      execFile("bash", [buildScript], { timeout: 170_000 }, (error, stdout, stderr) => {
        if (error === null) return resolve()
        reject(
          new Error(
            `building the Go interop peer failed (${buildScript}; CI installs golang-go and ` +
              `golang-github-hashicorp-memberlist-dev), exit ${String(error.code ?? error.signal)}:\n${stderr}${stdout}`
          )
        )
      })
    })
    building.catch(() => {
      building = undefined
    })
  }
  return building
}

// ---- process tracking ------------------------------------------------------------

const live = new Set<ChildProcessWithoutNullStreams>()
const killers = new Set<() => Promise<void>>()
let exitHookInstalled = false

const installExitHook = (): void => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once("exit", () => {
    for (const child of live) {
      try {
        child.kill("SIGKILL")
      } catch {
        // already gone
      }
    }
  })
}

/**
 * Ends every peer started by this module and waits until they have exited.
 * Cleanup is SIGKILL: fast and certain (peers stopping together can wait out
 * their leave timeout, as nobody is left to gossip their leave to). Use
 * `peer.stop()` for a graceful leave.
 */
export const stopAll = async (): Promise<void> => {
  await Promise.all([...killers].map((kill) => kill().catch(() => undefined)))
  for (const child of live) child.kill("SIGKILL")
}

const durationFlag = (ms: number): string => `${Math.round(ms)}ms`

const argsOf = (o: GoPeerOptions): Array<string> => {
  const args = ["-name", o.name, "-bind", o.bind ?? "127.0.0.1:0"]
  const add = (flag: string, value: string | number | undefined): void => {
    if (value !== undefined) args.push(flag, String(value))
  }
  const addMs = (flag: string, ms: number | undefined): void => add(flag, ms === undefined ? undefined : durationFlag(ms))
  add("-advertise", o.advertise)
  if (o.join !== undefined && o.join.length > 0) add("-join", o.join.join(","))
  if (o.keys !== undefined && o.keys.length > 0) add("-key", o.keys.join(","))
  add("-preset", o.preset ?? "local")
  add("-protocol", o.protocol)
  addMs("-probe-interval", o.probeIntervalMs)
  addMs("-probe-timeout", o.probeTimeoutMs)
  add("-suspicion-mult", o.suspicionMult)
  add("-suspicion-max-mult", o.suspicionMaxTimeoutMult)
  addMs("-gossip-interval", o.gossipIntervalMs)
  add("-gossip-nodes", o.gossipNodes)
  addMs("-push-pull-interval", o.pushPullIntervalMs)
  add("-retransmit-mult", o.retransmitMult)
  addMs("-tcp-timeout", o.tcpTimeoutMs)
  add("-indirect-checks", o.indirectChecks)
  if (o.compression !== undefined) args.push(`-compression=${o.compression}`)
  add("-meta", o.meta)
  add("-state", o.state)
  addMs("-leave-timeout", o.leaveTimeoutMs)
  args.push(...(o.extraArgs ?? []))
  return args
}

const summarize = (events: ReadonlyArray<GoPeerEvent>, n = 12): string =>
  events.slice(-n).map((e) => "    " + JSON.stringify(e)).join("\n") || "    (none)"

// ---- startGoPeer -------------------------------------------------------------------

interface Waiter {
  readonly predicate: (event: GoPeerEvent) => boolean
  readonly resolve: (event: GoPeerEvent) => void
  readonly fail: (why: string) => void
}

/**
 * Starts one Go memberlist node. Resolves once it is ready and, with `join`,
 * once the join succeeded; rejects (after killing it) when it exits first
 * (a failed join exits 1) or does not get there within startTimeoutMs.
 */
export const startGoPeer = async (options: GoPeerOptions): Promise<GoPeer> => {
  await ensureGoPeerBuilt()
  installExitHook()
  const child = spawn(goPeerBinary, argsOf(options), { stdio: ["pipe", "pipe", "pipe"] })
  live.add(child)
  const label = `go peer "${options.name}"`
  const echo = options.echoStderr ?? process.env["GO_PEER_DEBUG"] !== undefined

  const events: Array<GoPeerEvent> = []
  const waiters = new Set<Waiter>()
  const stderrLines: Array<string> = []
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined
  let spawnError: Error | undefined

  const stderr = (): string => stderrLines.join("\n")
  const describeFailure = (why: string): string =>
    `${label}: ${why}\n  recent events:\n${summarize(events)}\n  recent stderr:\n${
      stderrLines.slice(-30).map((l) => "    " + l).join("\n") || "    (none)"
    }`

  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("error", (error) => {
      spawnError = error
      // A failed spawn never emits "exit".
      if (child.pid === undefined) {
        exitInfo = { code: null, signal: null }
        live.delete(child)
        for (const w of waiters) w.fail(`could not start ${goPeerBinary}: ${error.message}`)
        resolve(exitInfo)
      }
    })
    child.once("exit", (code, signal) => {
      exitInfo = { code, signal }
      live.delete(child)
      const why = `exited (code ${code}, signal ${signal})`
      for (const w of waiters) w.fail(why)
      resolve(exitInfo)
    })
  })
  // Writing to a dead peer's stdin must not crash the test run.
  child.stdin.on("error", () => undefined)

  createInterface({ input: child.stderr }).on("line", (line) => {
    stderrLines.push(line)
    if (stderrLines.length > 200) stderrLines.shift()
    if (echo) process.stderr.write(`[${options.name}] ${line}\n`)
  })
  createInterface({ input: child.stdout }).on("line", (line) => {
    let event: GoPeerEvent
    try {
      const parsed: unknown = JSON.parse(line)
      event = typeof parsed === "object" && parsed !== null && "event" in parsed
        ? parsed as GoPeerEvent
        : { event: "stdout", line }
    } catch {
      event = { event: "stdout", line }
    }
    events.push(event)
    for (const w of waiters) {
      if (w.predicate(event)) w.resolve(event)
    }
  })

  function waitFor(
    predicate: (event: GoPeerEvent) => boolean,
    timeoutMs = 10_000,
    opts: WaitOptions = {}
  ): Promise<GoPeerEvent> {
    const found = events.slice(opts.since ?? 0).find(predicate)
    if (found !== undefined) return Promise.resolve(found)
    const what = opts.description ?? predicate.toString()
    if (exitInfo !== undefined) {
      return Promise.reject(new Error(describeFailure(`exited (code ${exitInfo.code}, signal ${exitInfo.signal}) before ${what}`)))
    }
    return new Promise<GoPeerEvent>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer)
        waiters.delete(waiter)
      }
      const waiter: Waiter = {
        predicate,
        resolve: (event) => {
          done()
          resolve(event)
        },
        fail: (why) => {
          done()
          reject(new Error(describeFailure(`${why} while waiting for ${what}`)))
        }
      }
      const timer = setTimeout(() => waiter.fail(`timed out after ${timeoutMs}ms`), timeoutMs)
      waiters.add(waiter)
    })
  }

  const command = (line: string): void => {
    if (/[\r\n]/.test(line)) throw new Error(`${label}: a command is one line: ${JSON.stringify(line)}`)
    if (exitInfo !== undefined || !child.stdin.writable) {
      throw new Error(describeFailure(`cannot run ${JSON.stringify(line)}: the peer has exited`))
    }
    child.stdin.write(line + "\n")
  }

  const members = async (timeoutMs = 5_000): Promise<ReadonlyArray<GoPeerMember>> => {
    const since = events.length
    command("members")
    const e = await waitFor((e) => e.event === "members", timeoutMs, { since, description: "a members reply" })
    return e.event === "members" ? e.members : []
  }

  const waitForMembers = async (
    names: ReadonlyArray<string>,
    timeoutMs = 10_000
  ): Promise<ReadonlyArray<GoPeerMember>> => {
    const want = [...names].sort().join(",")
    const deadline = Date.now() + timeoutMs
    let last: ReadonlyArray<GoPeerMember> = []
    for (;;) {
      last = await members(Math.max(1_000, deadline - Date.now()))
      if (last.map((m) => m.name).sort().join(",") === want) return last
      if (Date.now() >= deadline) {
        throw new Error(
          describeFailure(`timed out after ${timeoutMs}ms waiting for members [${want}]; last saw ${JSON.stringify(last)}`)
        )
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  const signalAndWait = async (signal: NodeJS.Signals, timeoutMs: number): Promise<number | null> => {
    if (exitInfo === undefined) {
      child.kill(signal)
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
      await exit
      clearTimeout(timer)
    }
    return exitInfo?.code ?? null
  }
  const kill = async (): Promise<void> => {
    await signalAndWait("SIGKILL", 0)
  }
  const stop = (timeoutMs = 8_000): Promise<number | null> => signalAndWait("SIGTERM", timeoutMs)
  killers.add(kill)
  void exit.then(() => killers.delete(kill))

  // Bounded start: ready, and joined when joining.
  const startTimeoutMs = options.startTimeoutMs ?? 15_000
  try {
    const ready = await waitFor((e) => e.event === "ready", startTimeoutMs, { description: "ready" })
    if (options.join !== undefined && options.join.length > 0) {
      await waitFor((e) => e.event === "joined", startTimeoutMs, { description: `joined ${options.join.join(",")}` })
    }
    if (ready.event !== "ready") throw new Error("unreachable")
    return {
      name: options.name,
      address: ready.addr,
      pid: child.pid ?? -1,
      events,
      stderr,
      get exited() {
        return exitInfo !== undefined
      },
      exit,
      waitFor: waitFor as GoPeer["waitFor"],
      command,
      members,
      waitForMembers,
      kill,
      stop
    }
  } catch (error) {
    await kill()
    if (spawnError !== undefined) throw new Error(describeFailure(`could not start: ${spawnError.message}`))
    throw error
  }
}

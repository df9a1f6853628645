/**
 * A real DNS server for tests: dnsmasq (Debian package `dnsmasq-base`,
 * binary /usr/sbin/dnsmasq) on 127.0.0.1 and a free high port, serving the
 * A/AAAA and SRV records a test gives it, and changing them mid-run.
 *
 * Facts this relies on (dnsmasq 2.90, checked by hand and by
 * test/Discovery.test.ts):
 *
 * - A/AAAA records live in an `--addn-hosts` file, which dnsmasq re-reads
 *   on SIGHUP (it also clears its cache). The reload is asynchronous, so after
 *   a SIGHUP we poll for a per-generation sentinel name until it resolves.
 * - SRV records (`--srv-host`) are configuration, and SIGHUP does NOT re-read
 *   configuration (man dnsmasq, "NOTES"); `--servers-file` only holds
 *   `server=` lines. So a change of SRV records restarts dnsmasq on the same
 *   port (it rebinds at once: UDP has no TIME_WAIT and dnsmasq sets
 *   SO_REUSEADDR on its TCP socket).
 * - `--local=/#/` makes every name local: an unknown name is NXDOMAIN and a
 *   known name without that record type is NODATA, as an authoritative
 *   server answers. Without it dnsmasq, having no upstream, answers REFUSED.
 * - `--user=<us>` keeps dnsmasq from dropping root privileges to `nobody`;
 *   `--pid-file=` (empty) writes no pid file; `--log-facility=-` logs to
 *   stderr, which we keep for error messages.
 *
 * The process is killed when the scope closes (SIGTERM, then SIGKILL), and as
 * a last resort when the test process exits.
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import * as Dgram from "node:dgram"
import * as Dns from "node:dns"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Data, Duration, Effect, Schedule } from "effect"
import type { Scope } from "effect"

/** An SRV record: `name` (e.g. `_swim._udp.peers.test`) points at `target`:`port`. */
export interface SrvRecord {
  readonly name: string
  readonly target: string
  readonly port: number
  readonly priority?: number
  readonly weight?: number
}

/** What the server answers: names with their IPv4/IPv6 addresses, and SRV records. */
export interface DnsRecords {
  readonly hosts?: Readonly<Record<string, ReadonlyArray<string>>>
  readonly srv?: ReadonlyArray<SrvRecord>
}

/** A running dnsmasq. */
export interface Dnsmasq {
  readonly port: number
  /** `127.0.0.1:<port>`, as `Discovery.dns({ server })` and `Resolver#setServers` take it. */
  readonly server: string
  /** Replaces every record; when it returns, queries see the new records (a stopped server is started again). */
  readonly setRecords: (records: DnsRecords) => Effect.Effect<void, DnsmasqError>
  /** What dnsmasq logged so far (queries included), for failure messages. */
  readonly log: Effect.Effect<string>
  /** Stops the server now (it is also stopped when the scope closes). Safe to call twice. */
  readonly stop: Effect.Effect<void>
}

/** dnsmasq is missing, would not start, or did not answer in time. */
export class DnsmasqError extends Data.TaggedError("DnsmasqError")<{
  readonly reason: "NotInstalled" | "StartFailed" | "NotReady"
  readonly message: string
}> {}

const DEFAULT_BINARY = "/usr/sbin/dnsmasq"
const READY_DOMAIN = "dnsmasq-ready.test"

const findBinary = (binary: string | undefined): Effect.Effect<string, DnsmasqError> =>
  Effect.sync(() => {
    const candidates = binary !== undefined
      ? [binary]
      : [DEFAULT_BINARY, ...(process.env.PATH ?? "").split(":").filter((d) => d).map((d) => Path.join(d, "dnsmasq"))]
    return candidates.find((c) => {
      try {
        Fs.accessSync(c, Fs.constants.X_OK)
        return true
      } catch {
        return false
      }
    })
  }).pipe(
    Effect.flatMap((found) =>
      found !== undefined
        ? Effect.succeed(found)
        : Effect.fail(
          new DnsmasqError({
            reason: "NotInstalled",
            message: `dnsmasq not found (${binary ?? DEFAULT_BINARY}): the DNS tests need a real DNS server. ` +
              "Install the Debian package dnsmasq-base (apt-get install -y dnsmasq-base); .ci/run installs it."
          })
        )
    )
  )

/** A port free for UDP on 127.0.0.1 right now (dnsmasq may still lose a race for it: `start` retries). */
const freePort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const socket = Dgram.createSocket("udp4")
  socket.bind(0, "127.0.0.1", () => {
    const { port } = socket.address()
    socket.close(() => resume(Effect.succeed(port)))
  })
})

const hostsFile = (records: DnsRecords, generation: number): string => {
  const lines = [`127.0.0.1 gen-${generation}.${READY_DOMAIN}`]
  for (const [name, addresses] of Object.entries(records.hosts ?? {})) {
    for (const address of addresses) lines.push(`${address} ${name}`)
  }
  return lines.join("\n") + "\n"
}

const srvArgs = (records: DnsRecords): Array<string> =>
  (records.srv ?? []).map((r) => `--srv-host=${r.name},${r.target},${r.port},${r.priority ?? 0},${r.weight ?? 0}`)

/** Resolves when `gen-<generation>` answers: the server is up and has read that hosts file. */
const waitReady = (
  port: number,
  generation: number,
  exited: () => string | undefined
): Effect.Effect<void, DnsmasqError> => {
  const probe = Effect.async<boolean, DnsmasqError>((resume) => {
    const dead = exited()
    if (dead !== undefined) {
      resume(Effect.fail(new DnsmasqError({ reason: "StartFailed", message: dead })))
      return
    }
    const resolver = new Dns.Resolver({ timeout: 200, tries: 1 })
    resolver.setServers([`127.0.0.1:${port}`])
    resolver.resolve4(`gen-${generation}.${READY_DOMAIN}`, (error) => resume(Effect.succeed(error === null)))
    return Effect.sync(() => resolver.cancel())
  })
  return probe.pipe(
    Effect.flatMap((ok) => (ok ? Effect.void : Effect.fail(new DnsmasqError({ reason: "NotReady", message: "" })))),
    Effect.retry({
      while: (e) => e.reason === "NotReady",
      schedule: Schedule.spaced(Duration.millis(25)).pipe(Schedule.upTo(Duration.seconds(10)))
    }),
    Effect.mapError((e) =>
      e.reason === "NotReady"
        ? new DnsmasqError({ reason: "NotReady", message: `dnsmasq on 127.0.0.1:${port} did not answer within 10 s` })
        : e
    )
  )
}

interface Running {
  readonly child: ChildProcess
  readonly exited: () => string | undefined
}

/**
 * Starts dnsmasq serving `records`; stopped when the scope closes.
 * `options.binary` overrides the dnsmasq path (a test checks the message
 * given when it is missing).
 */
export const start = (
  records: DnsRecords,
  options: { readonly binary?: string } = {}
): Effect.Effect<Dnsmasq, DnsmasqError, Scope.Scope> =>
  Effect.gen(function*() {
    const binary = yield* findBinary(options.binary)
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "dnsmasq-test-"))),
      (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
    )
    const hostsPath = Path.join(dir, "hosts")
    let output = ""
    let generation = 0
    let current = records
    let running: Running | undefined

    const writeHosts = (r: DnsRecords, gen: number) =>
      Effect.sync(() => {
        // Write then rename, so a reload never sees half a file.
        Fs.writeFileSync(`${hostsPath}.tmp`, hostsFile(r, gen))
        Fs.renameSync(`${hostsPath}.tmp`, hostsPath)
      })

    const kill = (r: Running): Effect.Effect<void> =>
      Effect.async<void>((resume) => {
        if (r.child.exitCode !== null || r.child.signalCode !== null) return resume(Effect.void)
        const force = setTimeout(() => r.child.kill("SIGKILL"), 2_000)
        r.child.once("exit", () => {
          clearTimeout(force)
          resume(Effect.void)
        })
        r.child.kill("SIGTERM")
      })

    const spawnOn = (port: number, r: DnsRecords): Effect.Effect<Running> =>
      Effect.sync(() => {
        const args = [
          "--keep-in-foreground",
          "--conf-file=/dev/null",
          "--no-resolv",
          "--no-hosts",
          "--bind-interfaces",
          "--listen-address=127.0.0.1",
          `--port=${port}`,
          `--addn-hosts=${hostsPath}`,
          "--local=/#/",
          "--local-ttl=0",
          `--user=${Os.userInfo().username}`,
          "--pid-file=",
          "--log-facility=-",
          "--log-queries",
          ...srvArgs(r)
        ]
        const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] })
        let exit: string | undefined
        const append = (chunk: Buffer) => {
          output += chunk.toString()
        }
        child.stdout?.on("data", append)
        child.stderr?.on("data", append)
        child.on("error", (error) => {
          exit = `dnsmasq failed to start: ${error.message}`
        })
        child.on("exit", (code, signal) => {
          exit ??= `dnsmasq exited (code ${code}, signal ${signal}):\n${output}`
        })
        // Last resort if the test process exits without closing the scope.
        const onExit = () => child.kill("SIGKILL")
        process.once("exit", onExit)
        child.once("exit", () => process.removeListener("exit", onExit))
        return { child, exited: () => exit }
      })

    const launch = (port: number, r: DnsRecords, gen: number): Effect.Effect<Running, DnsmasqError> =>
      Effect.gen(function*() {
        const proc = yield* spawnOn(port, r)
        running = proc
        yield* waitReady(port, gen, proc.exited).pipe(Effect.tapError(() => kill(proc)))
        return proc
      })

    // Registered before the first launch, so an interruption while waiting for
    // readiness (a test timeout) still kills whichever process is running.
    yield* Effect.addFinalizer(() => (running === undefined ? Effect.void : kill(running)))
    yield* writeHosts(records, generation)
    // The free port can be taken between our probe and dnsmasq's bind: try a few.
    const port = yield* Effect.gen(function*() {
      const candidate = yield* freePort
      yield* launch(candidate, records, generation)
      return candidate
    }).pipe(Effect.retry({ times: 4, while: (e) => e.reason === "StartFailed" && /in use/i.test(e.message) }))

    const lock = yield* Effect.makeSemaphore(1)
    const setRecords = (next: DnsRecords): Effect.Effect<void, DnsmasqError> =>
      lock.withPermits(1)(
        Effect.gen(function*() {
          generation += 1
          const gen = generation
          yield* writeHosts(next, gen)
          const srvChanged = JSON.stringify(srvArgs(next)) !== JSON.stringify(srvArgs(current))
          current = next
          if (srvChanged || running === undefined) {
            if (running !== undefined) yield* kill(running)
            yield* launch(port, next, gen)
          } else {
            running.child.kill("SIGHUP")
            yield* waitReady(port, gen, running.exited)
          }
        })
      )

    return {
      port,
      server: `127.0.0.1:${port}`,
      setRecords,
      log: Effect.sync(() => output),
      stop: lock.withPermits(1)(
        Effect.suspend(() => {
          const r = running
          running = undefined
          return r === undefined ? Effect.void : kill(r)
        })
      )
    }
  })

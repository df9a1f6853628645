/**
 * `effect-memberlist agent` as a child process for the tests: started from
 * its sources (tsx; effect-memberlist resolves to the library's sources
 * through tsconfig paths) in the CLI package, so the tests work from the
 * repository root and from packages/cli alike. Every process started here is
 * recorded; `stopAll` (in afterEach) kills what is still running.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))

/** The test runner's environment without SWIM_* variables, so only what a test sets reaches the agent. */
const cleanEnv = (): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith("SWIM_")) env[name] = value
  }
  return env
}

/** One agent process: its JSON lines, the rest of its stdout, its stderr. */
export interface AgentProcess {
  readonly label: string
  readonly child: ChildProcess
  readonly lines: Array<Record<string, unknown>>
  /** Set from the ready line. */
  name: string
  address: string
  stdout: string
  stderr: string
}

const running: Array<AgentProcess> = []

export interface SpawnOptions {
  /** Added to the (SWIM_*-free) environment. */
  readonly env?: Record<string, string>
  /** "pipe" to write commands; "ignore" (the default) gives the agent an empty stdin. */
  readonly stdin?: "pipe" | "ignore"
}

/** Starts `effect-memberlist agent ARGS` and collects its output. */
export const spawnAgent = (label: string, args: ReadonlyArray<string>, options: SpawnOptions = {}): AgentProcess => {
  const child = spawn(process.execPath, ["--import", "tsx", main, "agent", ...args], {
    cwd: packageDir,
    env: { ...cleanEnv(), ...options.env },
    stdio: [options.stdin ?? "ignore", "pipe", "pipe"]
  })
  const agent: AgentProcess = { label, child, lines: [], name: "", address: "", stdout: "", stderr: "" }
  running.push(agent)
  createInterface({ input: child.stdout! }).on("line", (line) => {
    agent.stdout += `${line}\n`
    try {
      agent.lines.push(JSON.parse(line))
    } catch {
      // Not JSON: kept in stdout only.
    }
  })
  child.stderr!.on("data", (chunk) => (agent.stderr += String(chunk)))
  return agent
}

/** Polls until a line matches, or fails after `ms` with the last lines and stderr. */
export const waitFor = (
  agent: AgentProcess,
  what: string,
  predicate: (line: Record<string, unknown>) => boolean,
  ms: number,
  from = 0
) =>
  new Promise<Record<string, unknown>>((resolve, reject) => {
    const started = Date.now()
    const poll = () => {
      const found = agent.lines.slice(from).find(predicate)
      if (found !== undefined) return resolve(found)
      if (Date.now() - started > ms || agent.child.exitCode !== null) {
        return reject(
          new Error(
            `${agent.label}: no ${what} within ${ms} ms${agent.child.exitCode !== null ? ` (exited ${agent.child.exitCode})` : ""}\n` +
              `lines: ${JSON.stringify(agent.lines.slice(-10))}\nstderr: ${agent.stderr.slice(-2000)}`
          )
        )
      }
      setTimeout(poll, 50)
    }
    poll()
  })

/** Starts an agent with --json and waits for its ready line. */
export const startAgent = async (label: string, args: ReadonlyArray<string>, options: SpawnOptions = {}) => {
  const agent = spawnAgent(label, [...args, "--json"], options)
  const ready = await waitFor(agent, "ready line", (l) => l["event"] === "ready", 30_000)
  agent.name = String(ready["name"])
  agent.address = String(ready["address"])
  return agent
}

/** Writes one line to the agent's stdin and waits for the next answer (an ok or error line). */
export const command = async (agent: AgentProcess, line: string, ms = 10_000) => {
  const from = agent.lines.length
  agent.child.stdin!.write(`${line}\n`)
  return waitFor(agent, `answer to ${JSON.stringify(line)}`, (l) => l["event"] === "ok" || l["event"] === "error", ms, from)
}

/** Resolves with the exit code once the process has exited, or null if it is still running after `ms`. */
export const exited = (agent: AgentProcess, ms: number) =>
  new Promise<number | null>((resolve) => {
    if (agent.child.exitCode !== null) return resolve(agent.child.exitCode)
    const timer = setTimeout(() => resolve(null), ms)
    agent.child.once("exit", (code) => {
      clearTimeout(timer)
      resolve(code)
    })
  })

/** Sends a signal and waits for the exit code. */
export const stopProcess = (agent: AgentProcess, signal: NodeJS.Signals) =>
  new Promise<number | null>((resolve) => {
    if (agent.child.exitCode !== null || agent.child.signalCode !== null) return resolve(agent.child.exitCode)
    agent.child.once("exit", (code) => resolve(code))
    agent.child.kill(signal)
  })

/** Runs `agent ARGS` until it exits (a bad input must end it before it runs); its code, stdout and stderr. */
export const runToExit = (args: ReadonlyArray<string>, options: SpawnOptions = {}, ms = 30_000) => {
  const agent = spawnAgent("bad-input", args, options)
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running after ${ms} ms\nstdout: ${agent.stdout}\nstderr: ${agent.stderr}`)), ms)
    // "close": after the exit and the end of its output.
    agent.child.once("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout: agent.stdout, stderr: agent.stderr })
    })
  })
}

/** Kills every process a test started that is still running (afterEach). */
export const stopAll = async () => {
  await Promise.all(running.splice(0).map((a) => stopProcess(a, "SIGKILL")))
}

import { afterEach, describe, expect, it } from "@effect/vitest"
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

// The command from its sources (tsx; effect-memberlist resolves to the library's sources through tsconfig paths),
// run in the CLI package so it works from the repository root and from packages/cli alike.
const packageDir = fileURLToPath(new URL("..", import.meta.url))
const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))
const run = (args: ReadonlyArray<string>) =>
  spawn(process.execPath, ["--import", "tsx", main, ...args], { cwd: packageDir, stdio: ["ignore", "pipe", "pipe"] })

/** One `effect-memberlist agent --json` process and the JSON lines it printed. */
interface AgentProcess {
  readonly name: string
  readonly child: ChildProcess
  readonly lines: Array<Record<string, unknown>>
  address: string
  stderr: string
}

const running: Array<AgentProcess> = []

afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => stopProcess(a, "SIGKILL")))
})

const stopProcess = (agent: AgentProcess, signal: NodeJS.Signals) =>
  new Promise<number | null>((resolve) => {
    if (agent.child.exitCode !== null || agent.child.signalCode !== null) return resolve(agent.child.exitCode)
    agent.child.once("exit", (code) => resolve(code))
    agent.child.kill(signal)
  })

const waitFor = (agent: AgentProcess, what: string, predicate: (line: Record<string, unknown>) => boolean, ms: number) =>
  new Promise<Record<string, unknown>>((resolve, reject) => {
    const started = Date.now()
    const poll = () => {
      const found = agent.lines.find(predicate)
      if (found !== undefined) return resolve(found)
      if (Date.now() - started > ms) {
        return reject(new Error(`${agent.name}: no ${what} within ${ms} ms\nlines: ${JSON.stringify(agent.lines.slice(-10))}\nstderr: ${agent.stderr.slice(-2000)}`))
      }
      setTimeout(poll, 50)
    }
    poll()
  })

const startAgent = async (name: string, join: ReadonlyArray<string>): Promise<AgentProcess> => {
  const args = ["agent", "--name", name, "--bind", "127.0.0.1:0", "--preset", "local", "--json"]
  for (const j of join) args.push("--join", j)
  const child = run(args)
  const agent: AgentProcess = { name, child, lines: [], address: "", stderr: "" }
  running.push(agent)
  createInterface({ input: child.stdout! }).on("line", (line) => {
    try {
      agent.lines.push(JSON.parse(line))
    } catch {
      agent.stderr += `non-JSON stdout: ${line}\n`
    }
  })
  child.stderr!.on("data", (chunk) => (agent.stderr += String(chunk)))
  const ready = await waitFor(agent, "ready line", (l) => l["event"] === "ready", 30_000)
  agent.address = String(ready["address"])
  return agent
}

/** Runs `agent` with `args` until it exits (a bad option must end it before it binds); stdout and stderr together. */
const runToExit = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = run(["agent", ...args])
    // A child that binds after all would run until killed; afterEach stops it.
    running.push({ name: "bad-option", child, lines: [], address: "", stderr: "" })
    let output = ""
    child.stdout.on("data", (c) => (output += String(c)))
    child.stderr.on("data", (c) => (output += String(c)))
    child.once("exit", (code) => resolve({ code, output }))
  })

// The local preset probes every second; bounds are in those periods (plus process start-up).
const periods = (n: number) => n * 1000

describe("effect-memberlist agent, five processes", () => {
  it("join, detect a killed agent, and leave on SIGTERM with exit code 0", async () => {
    const first = await startAgent("agent-0", [])
    const rest = await Promise.all([1, 2, 3, 4].map((i) => startAgent(`agent-${i}`, [first.address])))
    const all = [first, ...rest]
    for (const agent of all) {
      for (const other of all) {
        if (other === agent) continue
        const line = await waitFor(agent, `join of ${other.name}`, (l) => l["event"] === "join" && l["name"] === other.name, periods(20))
        expect(line["address"]).toBe(other.address)
        expect(typeof line["at"]).toBe("number")
      }
    }

    const killed = rest[0]!
    await stopProcess(killed, "SIGKILL")
    const survivors = all.filter((a) => a !== killed)
    for (const agent of survivors) {
      await waitFor(agent, `failure of ${killed.name}`, (l) => l["event"] === "failed" && l["name"] === killed.name, periods(30))
    }

    const leaving = rest[1]!
    const code = await stopProcess(leaving, "SIGTERM")
    expect(code).toBe(0)
    for (const agent of survivors.filter((a) => a !== leaving)) {
      await waitFor(agent, `leave of ${leaving.name}`, (l) => l["event"] === "leave" && l["name"] === leaving.name, periods(10))
      expect(agent.lines.some((l) => l["event"] === "failed" && l["name"] !== killed.name)).toBe(false)
    }
  }, 120_000)

  it("rejects a bad --bind with a clear error and a non-zero exit", async () => {
    const { code, output } = await runToExit(["--name", "x", "--bind", "nowhere"])
    expect(code).not.toBe(0)
    expect(output).toBe(`effect-memberlist: --bind: "nowhere" is not HOST:PORT (use [v6]:PORT for IPv6)\n`)
  }, 30_000)

  it("rejects a --key with junk after valid base64 in one line, instead of using its first 16 bytes", async () => {
    const { code, output } = await runToExit(["--name", "x", "--bind", "127.0.0.1:0", "--key", "AAAAAAAAAAAAAAAAAAAAAA==junk!!"])
    expect(code).not.toBe(0)
    expect(output).toMatch(/^effect-memberlist: --key: key is not standard padded base64[^\n]*\n$/)
  }, 30_000)
})

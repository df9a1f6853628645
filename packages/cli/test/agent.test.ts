import { afterEach, describe, expect, it } from "@effect/vitest"
import { runToExit, startAgent, stopAll, stopProcess, waitFor } from "./agentProcess.js"

afterEach(stopAll)

// The local preset probes every second; bounds are in those periods (plus process start-up).
const periods = (n: number) => n * 1000

describe("effect-memberlist agent, five processes", () => {
  it("join, detect a killed agent, and leave on SIGTERM with exit code 0", async () => {
    const start = (name: string, join: ReadonlyArray<string>) =>
      startAgent(name, ["--name", name, "--bind", "127.0.0.1:0", "--preset", "local", ...join.flatMap((j) => ["--join", j])])
    const first = await start("agent-0", [])
    const rest = await Promise.all([1, 2, 3, 4].map((i) => start(`agent-${i}`, [first.address])))
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
    const { code, stderr, stdout } = await runToExit(["--name", "x", "--bind", "nowhere"])
    expect(code).toBe(1)
    expect(stdout).toBe("")
    expect(stderr).toBe(`effect-memberlist: --bind: "nowhere" is not HOST:PORT (use [v6]:PORT for IPv6)\n`)
  }, 30_000)

  it("rejects a --key with junk after valid base64 in one line, instead of using its first 16 bytes", async () => {
    const { code, stderr } = await runToExit(["--name", "x", "--bind", "127.0.0.1:0", "--key", "AAAAAAAAAAAAAAAAAAAAAA==junk!!"])
    expect(code).toBe(1)
    expect(stderr).toMatch(/^effect-memberlist: --key: key is not standard padded base64[^\n]*\n$/)
  }, 30_000)
})

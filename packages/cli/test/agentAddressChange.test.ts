import { afterEach, describe, expect, it } from "@effect/vitest"
import { startAgent, stopAll, stopProcess, waitFor } from "./agentProcess.js"

afterEach(stopAll)

// The local preset probes every second; bounds are in those periods (plus process start-up).
const periods = (n: number) => n * 1000

describe("effect-memberlist agent: a member back under its name at a new address", () => {
  it("killed on 127.0.0.2, restarted on 127.0.0.3: the other agent prints an update with the previous address, and no conflict", async () => {
    const start = (name: string, bind: string, join: ReadonlyArray<string>, env: Record<string, string> = {}) =>
      startAgent(name, ["--name", name, "--bind", bind, "--preset", "local", ...join.flatMap((j) => ["--join", j])], { env })
    // The seed takes at least 60 s to declare a member dead, longer than a process takes to start here,
    // so the restarted mover finds its old self still held alive or suspect: an update, not a join.
    const seed = await start("seed", "127.0.0.1:0", [], { SWIM_SUSPICION_MULT: "60" })
    const first = await start("mover", "127.0.0.2:17913", [seed.address])
    await waitFor(seed, "join of the mover", (l) => l["event"] === "join" && l["name"] === "mover", periods(20))
    await stopProcess(first, "SIGKILL")
    const from = seed.lines.length
    await start("mover", "127.0.0.3:17913", [seed.address])
    const update = await waitFor(seed, "the mover's new address", (l) => l["event"] === "update" && l["name"] === "mover", periods(10), from)
    expect(update).toMatchObject({ address: "127.0.0.3:17913", previousAddress: "127.0.0.2:17913" })
    expect(seed.lines.slice(from).filter((l) => l["event"] === "conflict")).toEqual([])
  }, 90_000)
})

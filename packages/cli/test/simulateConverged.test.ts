/**
 * `effect-memberlist simulate --converged-start`: the option reaches the
 * scenario, and the summary says the run started converged instead of
 * reporting a join storm, with the option in its replay command.
 */
import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))

const simulate = (...args: Array<string>): string =>
  execFileSync(process.execPath, ["--import", "tsx", main, "simulate", "--nodes", "12", "--seed", "3", "--duration", "20s", ...args], {
    cwd: packageDir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
    timeout: 60_000
  })

describe("simulate --converged-start", () => {
  it("says the run started converged, with every view full at 0, and replays with the option", () => {
    const out = simulate("--converged-start", "--scenario", "kill:1@5s")
    expect(out).toContain("converged start (no join storm")
    expect(out).not.toContain("join storm (all nodes join")
    expect(out).toContain("last node full view    0.00 s")
    expect(out).toMatch(/replay exactly with:\n.*--converged-start/)
    expect(out).toContain("100.0% of 11 up nodes have a full, correct view")
  })

  it("without it, reports the join storm as before", () => {
    const out = simulate()
    expect(out).toContain("join storm (all nodes join through node-0 at t=0)")
    expect(out).not.toContain("--converged-start")
  })
}, 120_000)

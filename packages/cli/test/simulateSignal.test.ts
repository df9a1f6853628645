/**
 * `effect-memberlist simulate` stops on SIGTERM while it runs: the run goes
 * in slices with a turn of the event loop between them, so the signal is
 * seen, and the command exits with its documented code for a run cut short.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { killLeftover, startCli } from "./cliChild.js"

/** Documented in packages/cli/README.md: a simulation stopped by a signal exits with 143. */
const stoppedExitCode = 143

// Also after a timeout: the simulation must not outlive its test.
afterEach(killLeftover)

describe("simulate", () => {
  it("stops on SIGTERM during a run far longer than the test, with exit code 143 and no report", async () => {
    // 500 nodes for an hour of virtual time: minutes of CPU, so only the signal can end it within the test.
    let onRunning = () => {}
    const started = new Promise<void>((resolve) => {
      onRunning = resolve
    })
    const run = startCli(["simulate", "--nodes", "500", "--duration", "60m"], (line) => {
      if (line.includes("running")) onRunning()
    })
    await started
    run.process.kill("SIGTERM")
    const { code, signal } = await run.exited
    expect(signal).toBeNull()
    expect(code).toBe(stoppedExitCode)
    expect(run.output.stderr).toContain("stopped before the end")
    expect(run.output.stdout).not.toContain("at the end:")
  }, 120_000)
})

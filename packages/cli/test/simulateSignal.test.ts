/**
 * `effect-memberlist simulate` stops on SIGTERM while it runs: the run goes
 * in slices with a turn of the event loop between them, so the signal is
 * seen, and the command exits with its documented code for a run cut short.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))

/** Documented in packages/cli/README.md: a simulation stopped by a signal exits with 143. */
const stoppedExitCode = 143

let child: ChildProcess | undefined

// Also after a timeout: the simulation must not outlive its test.
afterEach(() => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  child = undefined
})

describe("simulate", () => {
  it("stops on SIGTERM during a run far longer than the test, with exit code 143 and no report", async () => {
    // 500 nodes for an hour of virtual time: minutes of CPU, so only the signal can end it within the test.
    const proc = spawn(process.execPath, ["--import", "tsx", main, "simulate", "--nodes", "500", "--duration", "60m"], {
      cwd: packageDir,
      stdio: ["ignore", "pipe", "pipe"]
    })
    child = proc
    let stdout = ""
    let stderr = ""
    proc.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    const started = new Promise<void>((resolve) => {
      createInterface({ input: proc.stderr }).on("line", (line) => {
        stderr += `${line}\n`
        if (line.includes("running")) resolve()
      })
    })
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once("close", (code, signal) => resolve({ code, signal }))
    )
    await started
    proc.kill("SIGTERM")
    const { code, signal } = await exited
    expect(signal).toBeNull()
    expect(code).toBe(stoppedExitCode)
    expect(stderr).toContain("stopped before the end")
    expect(stdout).not.toContain("at the end:")
  }, 120_000)
})

/**
 * `effect-memberlist demo`, the README's main command (`npm start`): the
 * members meet, one is crashed, every survivor marks it dead, exit code 0.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))

let child: ChildProcess | undefined

// Also after a timeout: the demo must not outlive its test.
afterEach(() => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  child = undefined
})

describe("demo", () => {
  it("three members meet, the crashed one is marked dead by both survivors, and the command exits 0", async () => {
    const proc = spawn(process.execPath, ["--import", "tsx", main, "demo", "--nodes", "3"], {
      cwd: packageDir,
      stdio: ["ignore", "pipe", "pipe"]
    })
    child = proc
    let stdout = ""
    let stderr = ""
    proc.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    proc.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const code = await new Promise<number | null>((resolve) => proc.on("exit", (c) => resolve(c)))
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" })
    expect(stdout).toContain("All 3 members see each other after")
    expect(stdout).toContain("Crashing node-1 (no goodbye)")
    expect(stdout).toMatch(/Every survivor marked node-1 dead [\d.]+ s after the crash\./)
  }, 90_000)
})

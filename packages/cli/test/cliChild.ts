/**
 * One `effect-memberlist` command as a child process for the tests, started
 * from the CLI's sources (tsx) in the CLI package. Its stdout and stderr are
 * collected as they come; `killLeftover` (in afterEach) kills the last child
 * still running, so no command outlives its test, a timed-out one included.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))

/** A running command: the process, what it printed so far, and its exit. */
export interface CliChild {
  readonly process: ChildProcess
  readonly output: { stdout: string; stderr: string }
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
}

let last: ChildProcess | undefined

/** Starts `effect-memberlist ...args`; `onStderrLine` sees each line of stderr as it arrives. */
export const startCli = (args: ReadonlyArray<string>, onStderrLine?: (line: string) => void): CliChild => {
  const proc = spawn(process.execPath, ["--import", "tsx", main, ...args], {
    cwd: packageDir,
    stdio: ["ignore", "pipe", "pipe"]
  })
  last = proc
  const output = { stdout: "", stderr: "" }
  proc.stdout!.on("data", (chunk: Buffer) => {
    output.stdout += chunk.toString()
  })
  let pending = ""
  proc.stderr!.on("data", (chunk: Buffer) => {
    const text = chunk.toString()
    output.stderr += text
    pending += text
    let newline = pending.indexOf("\n")
    while (newline >= 0) {
      onStderrLine?.(pending.slice(0, newline))
      pending = pending.slice(newline + 1)
      newline = pending.indexOf("\n")
    }
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("close", (code, signal) => resolve({ code, signal }))
  )
  return { process: proc, output, exited }
}

/** Kills the last child started if it still runs. */
export const killLeftover = (): void => {
  if (last !== undefined && last.exitCode === null && last.signalCode === null) last.kill("SIGKILL")
  last = undefined
}

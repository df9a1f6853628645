import { afterAll, afterEach, describe, expect, it } from "@effect/vitest"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { onTestFinished } from "vitest"
import { runToExit, startAgent, stopAll, waitFor } from "./agentProcess.js"

afterEach(stopAll)

const dir = mkdtempSync(join(tmpdir(), "effect-memberlist-agent-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A TCP port that was free a moment ago (the agent binds UDP and TCP on it). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))))
    })
  })

/** A TCP listener holding a port until closed. */
const holdPort = () =>
  new Promise<{ port: number; server: Server }>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      if (typeof address === "object" && address !== null) resolve({ port: address.port, server })
      else reject(new Error("no port"))
    })
  })

describe("agent configuration from the environment", () => {
  it("takes its name, address and port from SWIM_* when no option is given", async () => {
    const port = await freePort()
    const agent = await startAgent("from-env", [], {
      env: { SWIM_NAME: "from-env", SWIM_BIND_ADDRESS: "127.0.0.1", SWIM_BIND_PORT: String(port), SWIM_PRESET: "local" }
    })
    expect(agent.name).toBe("from-env")
    expect(agent.address).toBe(`127.0.0.1:${port}`)
  }, 40_000)

  it("lets options win, even over a variable that does not parse", async () => {
    const agent = await startAgent("options-win", ["--name", "from-option", "--bind", "127.0.0.1:0"], {
      env: { SWIM_NAME: "from-env", SWIM_BIND_ADDRESS: "10.255.255.1", SWIM_BIND_PORT: "not-a-port" }
    })
    expect(agent.name).toBe("from-option")
    expect(agent.address).toMatch(/^127\.0\.0\.1:\d+$/)
  }, 40_000)

  it("is named after the host when neither --name nor SWIM_NAME is given", async () => {
    const agent = await startAgent("host-named", ["--bind", "127.0.0.1:0"])
    expect(agent.name).toBe(hostname())
  }, 40_000)
})

describe("agent errors: one line on stderr, exit code 1", () => {
  const cases: ReadonlyArray<{
    readonly what: string
    readonly args: () => Promise<{ readonly args: ReadonlyArray<string>; readonly env?: Record<string, string> }>
    readonly error: RegExp
  }> = [
    {
      what: "a SWIM_* value that does not parse",
      args: async () => ({ args: [], env: { SWIM_PROBE_INTERVAL: "fast" } }),
      error: /^SWIM_PROBE_INTERVAL: .*"fast"/
    },
    {
      what: "an unknown preset",
      args: async () => ({ args: ["--preset", "fast"] }),
      error: /^--preset: unknown preset "fast" \(use lan, wan, local\)$/
    },
    {
      what: "an unknown option",
      args: async () => ({ args: ["--nmae", "x"] }),
      error: /--nmae/
    },
    {
      what: "a port in use",
      args: async () => {
        const { port, server } = await holdPort()
        onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
        return { args: ["--bind", `127.0.0.1:${port}`] }
      },
      error: /^cannot bind 127\.0\.0\.1:\d+: .*EADDRINUSE/
    },
    {
      what: "no seed answering with --require-join",
      args: async () => ({ args: ["--bind", "127.0.0.1:0", "--preset", "local", "--join", "127.0.0.1:1", "--require-join"] }),
      error: /^cannot join the cluster \(--require-join\): /
    }
  ]
  for (const c of cases) {
    it(c.what, async () => {
      const { args, env } = await c.args()
      const { code, stderr, stdout } = await runToExit(args, env === undefined ? {} : { env })
      expect(code).toBe(1)
      expect(stdout).toBe("")
      expect(stderr).toMatch(/^effect-memberlist: [^\n]+\n$/)
      expect(stderr.slice("effect-memberlist: ".length, -1)).toMatch(c.error)
    }, 40_000)
  }
})

describe("agent keys from a file", () => {
  const key = () => randomBytes(32).toString("base64")
  const keyFile = (name: string, text: string) => {
    const path = join(dir, name)
    writeFileSync(path, text, { mode: 0o600 })
    return path
  }

  it("agents with the same key file see each other; one with another key file does not", async () => {
    const shared = keyFile("shared.keys", `# the cluster's keys\n\n${key()}\n  ${key()}  \n# an old key\n${key()}\n`)
    const other = keyFile("other.keys", `${key()}\n`)
    const args = (name: string, file: string, join: ReadonlyArray<string>) => [
      "--name", name, "--bind", "127.0.0.1:0", "--preset", "local", "--key-file", file, ...join.flatMap((j) => ["--join", j])
    ]
    const a = await startAgent("a", args("a", shared, []))
    const b = await startAgent("b", args("b", shared, [a.address]))
    await waitFor(a, "join of b", (l) => l["event"] === "join" && l["name"] === "b", 20_000)
    await waitFor(b, "join of a", (l) => l["event"] === "join" && l["name"] === "a", 20_000)

    const c = await startAgent("c", args("c", other, [a.address]))
    // The local preset joins at once over TCP and probes every second: 4 s is plenty to be seen.
    await new Promise((resolve) => setTimeout(resolve, 4_000))
    expect(c.lines.filter((l) => l["event"] === "join").map((l) => l["name"])).toEqual([])
    expect(a.lines.some((l) => l["event"] === "join" && l["name"] === "c")).toBe(false)
    expect(b.lines.some((l) => l["event"] === "join" && l["name"] === "c")).toBe(false)
  }, 60_000)

  it("refuses a key file with a bad line, naming the line", async () => {
    const path = keyFile("bad.keys", `# first line\n${key()}\nnot-a-key\n`)
    const { code, stderr } = await runToExit(["--bind", "127.0.0.1:0", "--key-file", path])
    expect(code).toBe(1)
    expect(stderr).toMatch(new RegExp(`^effect-memberlist: --key-file: ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} line 3: [^\n]+\n$`))
  }, 40_000)
})

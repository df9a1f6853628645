import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeMembersFile, parseMembersFile, resolveMembersFile } from "../src/membersFile.js"
import { runToExit, startAgent, stopAll, waitFor } from "./agentProcess.js"

const dirs: Array<string> = []
const tempFile = (text: string) => {
  const dir = mkdtempSync(join(tmpdir(), "emdisc-members-"))
  dirs.push(dir)
  const path = join(dir, "members.txt")
  writeFileSync(path, text)
  return path
}
afterEach(async () => {
  await stopAll()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const found = (d: { readonly discover: Effect.Effect<ReadonlyArray<{ host: string; port: number }>, unknown> }) =>
  Effect.map(d.discover, (all) => all.map((a) => `${a.host}:${a.port}`))

describe("members file", () => {
  it.effect("one seed per line; blank lines and # comments are ignored; a port-less entry takes the default port", () =>
    Effect.gen(function*() {
      const text = "# seeds\n\n10.0.0.5:7946\n  [fd00::6]:7000   # v6\n10.0.0.7\r\nseed.internal:7946\n"
      expect(yield* parseMembersFile("m.txt", text, 7946)).toEqual(["10.0.0.5:7946", "[fd00::6]:7000", "10.0.0.7", "seed.internal:7946"])
    }))

  it.effect("a malformed line is a DiscoveryError naming the file and line", () =>
    Effect.gen(function*() {
      const bad = yield* Effect.flip(parseMembersFile("m.txt", "# ok\n10.0.0.5:7946\n10.0.0.6:99999\n", 7946))
      expect(bad._tag).toBe("DiscoveryError")
      expect(bad.reason).toBe("InvalidAddress")
      expect(bad.input).toBe("m.txt line 3")
      expect(bad.message).toMatch(/^m\.txt line 3: invalid address "10\.0\.0\.6:99999": port 99999 is outside 1\.\.65535$/)
      // Without a default port (the agent binds port 0) an entry needs its own.
      const noPort = yield* Effect.flip(parseMembersFile("m.txt", "10.0.0.7\n", undefined))
      expect(noPort.message).toMatch(/^m\.txt line 1: .*no port/)
    }))

  it.effect("is re-read on every discovery: an edit adds seeds; a later mistake fails that discovery only", () =>
    Effect.gen(function*() {
      const path = tempFile("# nobody yet\n")
      const discovery = yield* makeMembersFile(path, "--members-file", 7946)
      expect(yield* found(discovery)).toEqual([])
      appendFileSync(path, "127.0.0.1:7001\n127.0.0.2\n")
      expect(yield* found(discovery)).toEqual(["127.0.0.1:7001", "127.0.0.2:7946"])
      appendFileSync(path, "not an address!\n")
      const error = yield* Effect.flip(discovery.discover)
      expect(error.message).toBe(`${path} line 4: invalid address "not an address!": "not an address!" is neither an IP address nor a hostname`)
      writeFileSync(path, "127.0.0.3:7002\n")
      expect(yield* found(discovery)).toEqual(["127.0.0.3:7002"])
    }))

  it.effect("at start a bad or missing file is a UsageError naming the option or SWIM_MEMBERS_FILE; neither set means none", () =>
    Effect.gen(function*() {
      const bad = tempFile("10.0.0.5:7946\n\n10.0.0.5:x\n")
      const fromOption = yield* Effect.flip(resolveMembersFile(Option.some(bad), {}, 7946))
      expect(fromOption._tag).toBe("UsageError")
      expect(fromOption.message).toMatch(new RegExp(`^--members-file: ${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} line 3: `))
      const missing = yield* Effect.flip(resolveMembersFile(Option.none(), { SWIM_MEMBERS_FILE: "/nonexistent/members" }, 7946))
      expect(missing.message).toMatch(/^SWIM_MEMBERS_FILE: cannot read \/nonexistent\/members: ENOENT/)
      // The option wins over the variable.
      const good = tempFile("10.0.0.9:7946\n")
      const chosen = yield* resolveMembersFile(Option.some(good), { SWIM_MEMBERS_FILE: "/nonexistent/members" }, 0)
      expect(yield* found(Option.getOrThrow(chosen))).toEqual(["10.0.0.9:7946"])
      expect(Option.isNone(yield* resolveMembersFile(Option.none(), {}, 7946))).toBe(true)
    }))
})

describe("agent --members-file", () => {
  it("an agent alone joins the member a script adds to its members file", async () => {
    const a = await startAgent("a", ["--name", "a", "--bind", "127.0.0.1:0", "--preset", "local"])
    const path = tempFile("# filled in by the script\n")
    const b = await startAgent("b", ["--name", "b", "--bind", "127.0.0.1:0", "--preset", "local", "--members-file", path])
    appendFileSync(path, `${a.address}\n`)
    await waitFor(b, "join of a", (l) => l["event"] === "join" && l["name"] === "a", 20_000)
    await waitFor(a, "join of b", (l) => l["event"] === "join" && l["name"] === "b", 20_000)
  }, 60_000)

  it("a malformed line stops the agent at start with exit 1 and the line to fix", async () => {
    const path = tempFile("127.0.0.1:7946\n127.0.0.1:seventy\n")
    const { code, stderr } = await runToExit(["--bind", "127.0.0.1:0", "--members-file", path])
    expect(code).toBe(1)
    expect(stderr).toBe(`effect-memberlist: --members-file: ${path} line 2: invalid address "127.0.0.1:seventy": port "seventy" is not a number\n`)
  }, 60_000)
})

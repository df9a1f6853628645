/**
 * Multicast discovery on a real LAN: three hosts, each a network namespace
 * on one bridge (see support/multicastLan.ts), and four member processes,
 * none given a seed. Three, one per host, share a label and a key and must
 * form one cluster; the fourth runs on the first host beside m0 (so the two
 * share the group's port and hear each other by loopback) with the same
 * label but another key, so its announcements fail authentication and it
 * must stay alone. Needs root (network namespaces).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { dirname, join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Lan from "./support/multicastLan.js"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const script = join(root, "test", "support", "multicastMember.ts")

interface Proc {
  readonly child: ChildProcessWithoutNullStreams
  readonly lines: Array<Record<string, unknown>>
  stderr: string
}

const procs: Array<Proc> = []

/** Starts member `name` in host (namespace) `host`, gossiping on `port`. */
const start = (name: string, host: number, port: number, label: string, key: string): Proc => {
  const child = spawn(
    "ip",
    ["netns", "exec", Lan.memberNs(host), process.execPath, "--import", "tsx", script,
      "--name", name, "--bind", `${Lan.memberIp(host)}:${port}`, "--label", label, "--key", key, "--announce-ms", "500"],
    { cwd: root, stdio: ["pipe", "pipe", "pipe"] }
  )
  const proc: Proc = { child, lines: [], stderr: "" }
  createInterface({ input: child.stdout }).on("line", (line) => {
    try {
      proc.lines.push(JSON.parse(line))
    } catch {
      // not ours
    }
  })
  child.stderr.on("data", (chunk) => (proc.stderr += String(chunk)))
  procs.push(proc)
  return proc
}

/** Polls until a line from `from` on matches, or fails after `ms` with what the process said. */
const waitFor = (p: Proc, what: string, match: (l: Record<string, unknown>) => boolean, ms: number, from = 0) =>
  new Promise<Record<string, unknown>>((resolve, reject) => {
    const started = Date.now()
    const poll = () => {
      const found = p.lines.slice(from).find(match)
      if (found !== undefined) return resolve(found)
      if (Date.now() - started > ms || p.child.exitCode !== null) {
        return reject(new Error(`no ${what} within ${ms} ms; lines ${JSON.stringify(p.lines.slice(-5))}; stderr ${p.stderr.slice(-1500)}`))
      }
      setTimeout(poll, 100)
    }
    poll()
  })

const ask = async (p: Proc, command: string) => {
  const from = p.lines.length
  p.child.stdin.write(`${command}\n`)
  return waitFor(p, `answer to ${command}`, (l) => l["event"] === command, 30_000, from)
}

/** Asks `members` until the answer is `names`, within `ms`. */
const untilMembers = async (p: Proc, names: ReadonlyArray<string>, ms: number) => {
  const started = Date.now()
  for (;;) {
    const answer = await ask(p, "members")
    if (JSON.stringify(answer["members"]) === JSON.stringify(names)) return
    if (Date.now() - started > ms) throw new Error(`members ${JSON.stringify(answer["members"])}, not ${JSON.stringify(names)}, after ${ms} ms`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/**
 * Asks `discover` until it lists `addresses`, within `ms`: an entry expires
 * three announcements after it was last heard, so a process starved by a
 * loaded machine can answer empty for a moment and then hear them again.
 */
const untilFound = async (p: Proc, addresses: ReadonlyArray<string>, ms: number) => {
  const started = Date.now()
  for (;;) {
    const answer = await ask(p, "discover")
    if (JSON.stringify(answer["found"]) === JSON.stringify(addresses) || Date.now() - started > ms) return answer
    await new Promise((r) => setTimeout(r, 250))
  }
}

describe("Discovery.multicast on a LAN of network namespaces", () => {
  beforeAll(() => Lan.create(3), 60_000)
  afterAll(() => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL")
    Lan.destroy()
  }, 60_000)

  it("three members with no seeds find each other and form one cluster; a member with another key is not announced to them", async () => {
    const key = randomBytes(32).toString("base64")
    const other = randomBytes(32).toString("base64")
    const members = [0, 1, 2].map((i) => start(`m${i}`, i, 7946, "a", key))
    // On m0's host: m0 hears it through multicast loopback, m1 and m2 over the LAN.
    const stranger = start("m3", 0, 7950, "a", other)
    await Promise.all([...members, stranger].map((p) => waitFor(p, "ready", (l) => l["event"] === "ready", 120_000)))

    for (const p of members) await untilMembers(p, ["m0", "m1", "m2"], 60_000)
    // Each member's discovery lists the other two, and never the stranger, whose announcements it rejected.
    const othersOf = (i: number) => [0, 1, 2].filter((j) => j !== i).map((j) => `${Lan.memberIp(j)}:7946`)
    const answers = await Promise.all(members.map((p, i) => untilFound(p, othersOf(i), 30_000)))
    answers.forEach((answer, i) => {
      const others = othersOf(i)
      expect(answer["found"], `m${i}`).toEqual(others)
      const counts = answer["counts"] as Record<string, number>
      expect(counts["heard"], `m${i}`).toBeGreaterThan(0)
      expect(counts["unauthenticated"], `m${i}`).toBeGreaterThan(0)
      expect(counts["malformed"], `m${i}`).toBe(0)
    })
    // The stranger heard the cluster but trusted none of it: alone, with nothing to join.
    const alone = await ask(stranger, "discover")
    expect(alone["found"]).toEqual([])
    expect((alone["counts"] as Record<string, number>)["unauthenticated"]).toBeGreaterThan(0)
    expect((await ask(stranger, "members"))["members"]).toEqual(["m3"])

    for (const p of [...members, stranger]) p.child.stdin.write("quit\n")
    const exits = await Promise.all(
      [...members, stranger].map((p) => new Promise<number | null>((resolve) => (p.child.exitCode !== null ? resolve(p.child.exitCode) : p.child.once("exit", resolve))))
    )
    expect(exits).toEqual([0, 0, 0, 0])
  }, 300_000)
})

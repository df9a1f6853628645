import { afterEach, describe, expect, it } from "@effect/vitest"
import { type AgentProcess, command, exited, startAgent, stopAll, stopProcess, waitFor } from "./agentProcess.js"

afterEach(stopAll)

const start = (name: string, join: ReadonlyArray<string>, extra: ReadonlyArray<string> = []) =>
  startAgent(name, ["--name", name, "--bind", "127.0.0.1:0", "--preset", "local", ...join.flatMap((j) => ["--join", j]), ...extra], {
    stdin: "pipe"
  })

/** Two agents that see each other. */
const pair = async () => {
  const a = await start("a", [])
  const b = await start("b", [a.address])
  await waitFor(a, "join of b", (l) => l["event"] === "join" && l["name"] === "b", 20_000)
  await waitFor(b, "join of a", (l) => l["event"] === "join" && l["name"] === "a", 20_000)
  return { a, b }
}

const messageAt = (agent: AgentProcess, what: string, value: unknown, ms = 10_000) =>
  waitFor(agent, what, (l) => l["event"] === "message" && JSON.stringify(l["message"]) === JSON.stringify(value), ms)

describe("agent commands on stdin", () => {
  it("members lists both; send, send-reliable and broadcast arrive with the JSON intact", async () => {
    const { a, b } = await pair()

    const members = await command(a, "members")
    expect(members["event"]).toBe("ok")
    expect(members["command"]).toBe("members")
    expect(members["members"]).toEqual([
      { name: "a", address: a.address, state: "alive", incarnation: expect.any(Number) },
      { name: "b", address: b.address, state: "alive", incarnation: expect.any(Number) }
    ])

    const unicast = { text: "hello, wörld with spaces", n: 1.5, list: [1, null, true], nested: { deep: ["x"] } }
    expect(await command(a, `send b ${JSON.stringify(unicast)}`)).toEqual({ event: "ok", command: "send", to: "b" })
    const sent = await messageAt(b, "sent message", unicast)
    expect(sent["from"]).toBe(a.address)
    expect(sent["origin"]).toBe(null)

    const reliable = ["reliable", { over: "tcp" }, 42]
    expect(await command(a, `send-reliable b   ${JSON.stringify(reliable, null, 1).replace(/\n/g, " ")}`)).toEqual({
      event: "ok",
      command: "send-reliable",
      to: "b"
    })
    await messageAt(b, "reliable message", reliable)

    const gossip = "a string is JSON too"
    expect(await command(a, `broadcast ${JSON.stringify(gossip)}`)).toEqual({ event: "ok", command: "broadcast" })
    const broadcast = await messageAt(b, "broadcast", gossip)
    expect(broadcast["origin"]).toBe("a")
    // Sent to b only: a got none of its own messages.
    expect(a.lines.some((l) => l["event"] === "message")).toBe(false)
  }, 90_000)

  it("answers a malformed line with an error and keeps running; leave, then quit exits 0", async () => {
    const { a, b } = await pair()

    const bad = [
      ["send b {not json", "send", /^not JSON: /],
      ["send b", "send", /^usage: send NAME JSON$/],
      ["broadcast", "broadcast", /^usage: broadcast JSON$/],
      ["frobnicate now", "frobnicate", /^unknown command "frobnicate"/],
      ["members please", "members", /^members takes no arguments$/],
      ["send nobody 1", "send", /nobody/]
    ] as const
    for (const [line, name, message] of bad) {
      const answer = await command(a, line)
      expect(answer["event"], line).toBe("error")
      expect(answer["command"], line).toBe(name)
      expect(String(answer["message"]), line).toMatch(message)
    }
    // Blank lines are not commands: the next answer is members'.
    const members = await command(a, "\n\nmembers")
    expect(members["event"]).toBe("ok")
    expect((members["members"] as Array<{ name: string }>).map((m) => m.name)).toEqual(["a", "b"])

    expect(await command(a, "leave")).toEqual({ event: "ok", command: "leave" })
    await waitFor(b, "leave of a", (l) => l["event"] === "leave" && l["name"] === "a", 10_000)
    expect(a.child.exitCode).toBe(null)

    expect(await command(a, "quit")).toEqual({ event: "ok", command: "quit" })
    expect(await exited(a, 10_000)).toBe(0)
    expect(a.stderr).toBe("")
  }, 90_000)

  it("keeps running when stdin ends; --exit-on-eof leaves and exits 0", async () => {
    const stays = await start("stays", [])
    const goes = await start("goes", [stays.address], ["--exit-on-eof"])
    await waitFor(stays, "join of goes", (l) => l["event"] === "join" && l["name"] === "goes", 20_000)

    stays.child.stdin!.end()
    goes.child.stdin!.end()
    expect(await exited(goes, 10_000)).toBe(0)
    await waitFor(stays, "leave of goes", (l) => l["event"] === "leave" && l["name"] === "goes", 10_000)
    expect(await exited(stays, 3_000)).toBe(null)
    expect(await stopProcess(stays, "SIGTERM")).toBe(0)
  }, 90_000)
})

import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type * as Memberlist from "effect-memberlist/Memberlist"
import { parseLine, type Print, runLine } from "../src/lineProtocol.js"

describe("the agent's line protocol", () => {
  it("reads each command", () => {
    expect(parseLine("members")).toEqual({ _tag: "Members" })
    expect(parseLine("  leave  ")).toEqual({ _tag: "Leave" })
    expect(parseLine("quit")).toEqual({ _tag: "Quit" })
    expect(parseLine("help")).toEqual({ _tag: "Help" })
    expect(parseLine(`send b {"a": [1, "two words"]}`)).toEqual({ _tag: "Send", reliable: false, to: "b", message: { a: [1, "two words"] } })
    expect(parseLine("send-reliable node-1\t42")).toEqual({ _tag: "Send", reliable: true, to: "node-1", message: 42 })
    expect(parseLine(`broadcast "hi there"`)).toEqual({ _tag: "Broadcast", message: "hi there" })
    expect(parseLine("broadcast null")).toEqual({ _tag: "Broadcast", message: null })
  })

  it("ignores blank lines", () => {
    expect(parseLine("")).toBeUndefined()
    expect(parseLine("   \t")).toBeUndefined()
  })

  it("says what is wrong with a line that is not a command", () => {
    const bad = (line: string) => {
      const parsed = parseLine(line)
      return parsed?._tag === "BadLine" ? `${parsed.command}: ${parsed.message}` : `parsed: ${JSON.stringify(parsed)}`
    }
    expect(bad("send b {oops")).toMatch(/^send: not JSON: /)
    expect(bad("send b")).toBe("send: usage: send NAME JSON")
    expect(bad("send-reliable")).toBe("send-reliable: usage: send-reliable NAME JSON")
    expect(bad("broadcast")).toBe("broadcast: usage: broadcast JSON")
    expect(bad("broadcast 1 2")).toMatch(/^broadcast: not JSON: /)
    expect(bad("members all")).toBe("members: members takes no arguments")
    expect(bad("quit now")).toBe("quit: quit takes no arguments")
    expect(bad("MEMBERS")).toMatch(/^MEMBERS: unknown command "MEMBERS" \(commands: members, send, send-reliable, broadcast, leave, quit, help\)$/)
  })
})

describe("the agent's answers", () => {
  const member = {
    members: Effect.succeed([
      { name: "node-b", address: { host: "127.0.0.1", port: 7947 }, state: "suspect", incarnation: 3, meta: new Uint8Array(), versions: [] },
      { name: "a", address: { host: "::1", port: 7946 }, state: "alive", incarnation: 1, meta: new Uint8Array(), versions: [] }
    ]),
    send: (to: string) => Effect.fail({ _tag: "UnknownMemberError", message: `no live member named ${to}` }),
    broadcast: () => Effect.void
  } as unknown as Memberlist.Memberlist<unknown>
  const answers = async (json: boolean, ...lines: ReadonlyArray<string>) => {
    const out: Array<string> = []
    const print: Print = (object, text) => Effect.sync(() => void out.push(json ? JSON.stringify(object) : text))
    const quits = await Effect.runPromise(Effect.forEach(lines, runLine(member, print)))
    return { out, quits }
  }

  it("answers each command with one line, JSON or text; quit says to stop", async () => {
    const lines = ["members", "send x 1", "broadcast {}", "", "nonsense", "quit"]
    const json = await answers(true, ...lines)
    expect(json.out.map((l) => JSON.parse(l))).toEqual([
      {
        event: "ok",
        command: "members",
        members: [
          { name: "a", address: "[::1]:7946", state: "alive", incarnation: 1 },
          { name: "node-b", address: "127.0.0.1:7947", state: "suspect", incarnation: 3 }
        ]
      },
      { event: "error", command: "send", message: "no live member named x", tag: "UnknownMemberError" },
      { event: "ok", command: "broadcast" },
      { event: "error", command: "nonsense", message: expect.stringMatching(/^unknown command "nonsense"/) },
      { event: "ok", command: "quit" }
    ])
    expect(json.quits).toEqual([false, false, false, false, false, true])

    const text = await answers(false, ...lines)
    expect(text.out[0]).toBe(
      "NAME    ADDRESS         STATE    INCARNATION\n" +
        "a       [::1]:7946      alive    1\n" +
        "node-b  127.0.0.1:7947  suspect  3"
    )
    expect(text.out.slice(1)).toEqual([
      "error: no live member named x",
      "ok: broadcast queued",
      expect.stringMatching(/^error: unknown command "nonsense"/),
      "ok: leaving and exiting"
    ])
  })
})

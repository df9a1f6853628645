/**
 * The agent's commands on stdin, one per line, so that scripts and tests
 * drive it as they drive the Go peer of the interop tests:
 *
 *     members                      the members alive or suspect, this one included
 *     send NAME JSON               the JSON value to member NAME, best effort (UDP)
 *     send-reliable NAME JSON      the same over TCP: delivered or an error
 *     broadcast JSON               the JSON value gossiped to every other member
 *     leave                        leave the cluster gracefully (the agent keeps running)
 *     quit                         leave and exit 0
 *     help                         the commands
 *
 * Every command is answered with exactly one line, in order: `ok` or `error`
 * (`{"event":"ok","command":...}` / `{"event":"error","command":...,"message":...}`
 * with `--json`); `members` without `--json` answers with a table. Blank lines
 * are ignored. A line that is not a command gets an error answer; nothing a
 * line says stops the agent but `quit`.
 *
 * @internal
 */
import { Effect } from "effect"
import type * as Memberlist from "effect-memberlist/Memberlist"
import * as Transport from "effect-memberlist/Transport"
import { describeError } from "./usage.js"

/** A command read from a line. */
export type LineCommand =
  | { readonly _tag: "Members" }
  | { readonly _tag: "Send"; readonly reliable: boolean; readonly to: string; readonly message: unknown }
  | { readonly _tag: "Broadcast"; readonly message: unknown }
  | { readonly _tag: "Leave" }
  | { readonly _tag: "Quit" }
  | { readonly _tag: "Help" }

/** A line that is not a command: the word it started with, and why. */
export interface BadLine {
  readonly _tag: "BadLine"
  readonly command: string
  readonly message: string
}

/** The commands, as `help` lists them. */
export const usage: ReadonlyArray<string> = [
  "members",
  "send NAME JSON",
  "send-reliable NAME JSON",
  "broadcast JSON",
  "leave",
  "quit",
  "help"
]

const bad = (command: string, message: string): BadLine => ({ _tag: "BadLine", command, message })

const json = (command: string, text: string): { readonly value: unknown } | BadLine => {
  try {
    return { value: JSON.parse(text) as unknown }
  } catch (error) {
    return bad(command, `not JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/** Reads one line: a command, a bad line, or undefined for a blank line. */
export const parseLine = (line: string): LineCommand | BadLine | undefined => {
  const trimmed = line.trim()
  if (trimmed === "") return undefined
  const [, word = "", rest = ""] = /^(\S+)\s*([\s\S]*)$/.exec(trimmed) ?? []
  const noArguments = (command: LineCommand) => (rest === "" ? command : bad(word, `${word} takes no arguments`))
  switch (word) {
    case "members":
      return noArguments({ _tag: "Members" })
    case "leave":
      return noArguments({ _tag: "Leave" })
    case "quit":
      return noArguments({ _tag: "Quit" })
    case "help":
      return noArguments({ _tag: "Help" })
    case "send":
    case "send-reliable": {
      const [, to, payload] = /^(\S+)\s+([\s\S]+)$/.exec(rest) ?? []
      if (to === undefined || payload === undefined) return bad(word, `usage: ${word} NAME JSON`)
      const parsed = json(word, payload)
      return "value" in parsed ? { _tag: "Send", reliable: word === "send-reliable", to, message: parsed.value } : parsed
    }
    case "broadcast": {
      if (rest === "") return bad(word, "usage: broadcast JSON")
      const parsed = json(word, rest)
      return "value" in parsed ? { _tag: "Broadcast", message: parsed.value } : parsed
    }
    default:
      return bad(word, `unknown command "${word}" (commands: ${usage.map((u) => u.split(" ")[0]).join(", ")})`)
  }
}

/** Prints one answer: the JSON object with `--json`, the text without. */
export type Print = (json: Record<string, unknown>, text: string) => Effect.Effect<void>

const commandName = (command: LineCommand): string =>
  command._tag === "Send" ? (command.reliable ? "send-reliable" : "send") : command._tag.toLowerCase()

const memberRow = (m: Memberlist.Member) => ({
  name: m.name,
  address: Transport.formatAddress(m.address),
  state: m.state,
  incarnation: m.incarnation
})

const table = (rows: ReadonlyArray<ReturnType<typeof memberRow>>): string => {
  const lines = [["NAME", "ADDRESS", "STATE", "INCARNATION"], ...rows.map((r) => [r.name, r.address, r.state, String(r.incarnation)])]
  const widths = [0, 1, 2].map((i) => Math.max(...lines.map((l) => (l[i] as string).length)))
  return lines.map((l) => l.map((cell, i) => (i < 3 ? cell.padEnd((widths[i] as number) + 2) : cell)).join("")).join("\n")
}

/**
 * Runs one line against the member and prints its answer. Returns true when
 * the line was `quit`: the caller then stops the agent (which leaves).
 */
export const runLine = (member: Memberlist.Memberlist<unknown>, print: Print) => (line: string): Effect.Effect<boolean> => {
  const parsed = parseLine(line)
  if (parsed === undefined) return Effect.succeed(false)
  if (parsed._tag === "BadLine") {
    return Effect.as(print({ event: "error", command: parsed.command, message: parsed.message }, `error: ${parsed.message}`), false)
  }
  const command = commandName(parsed)
  const ok = (fields: Record<string, unknown>, text: string) => print({ event: "ok", command, ...fields }, text)
  const operation: Effect.Effect<void, unknown> = (() => {
    switch (parsed._tag) {
      case "Members":
        return Effect.flatMap(member.members, (members) => {
          const rows = [...members].map(memberRow).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
          return ok({ members: rows }, table(rows))
        })
      case "Send":
        return Effect.zipRight(
          parsed.reliable ? member.sendReliable(parsed.to, parsed.message) : member.send(parsed.to, parsed.message),
          ok({ to: parsed.to }, parsed.reliable ? `ok: delivered to ${parsed.to}` : `ok: sent to ${parsed.to}`)
        )
      case "Broadcast":
        return Effect.zipRight(member.broadcast(parsed.message), ok({}, "ok: broadcast queued"))
      case "Leave":
        return Effect.zipRight(member.leave(), ok({}, "ok: left the cluster"))
      case "Quit":
        return ok({}, "ok: leaving and exiting")
      case "Help":
        return ok({ commands: usage }, `commands: ${usage.join(" | ")}`)
    }
  })()
  return operation.pipe(
    Effect.catchAll((error) => {
      const { message, reason, tag } = describeError(error)
      return print(
        { event: "error", command, message, ...(tag === undefined ? {} : { tag }), ...(reason === undefined ? {} : { reason }) },
        `error: ${message}`
      )
    }),
    Effect.as(parsed._tag === "Quit")
  )
}

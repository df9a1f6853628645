/**
 * `agent --members-file PATH`: seeds from a file, one address per line
 * (`HOST:PORT`, `[v6]:PORT`, a hostname with a port, or an address alone
 * when the agent binds a fixed port), blank lines and `#` comments ignored:
 *
 *     # the rack-2 seeds
 *     10.0.0.5:7946
 *     [fd00::6]:7946     # v6 seed
 *     seed.internal:7946
 *
 * The file is read at start, where a mistake stops the agent with the line
 * to fix, and again on every rediscovery, so editing it adds seeds to a
 * running agent (while alone it rediscovers every two probe intervals). A
 * file that later becomes malformed or unreadable fails that discovery
 * (logged, the agent keeps running with what gossip knows).
 *
 * @internal
 */
import { Effect, Either, Option } from "effect"
import * as Discovery from "effect-memberlist/Discovery"
import { readFile } from "node:fs/promises"
import { UsageError } from "./usage.js"

/** Lines a members file may hold, and bytes: a file is a seed list, not a member database. */
const maxEntries = 4096
const maxBytes = 1024 * 1024

/**
 * The entries of a members file, each checked as a static seed; errors
 * name the line (`peers.txt line 3: invalid address ...`).
 */
export const parseMembersFile = (
  path: string,
  text: string,
  defaultPort: number | undefined
): Effect.Effect<ReadonlyArray<string>, Discovery.DiscoveryError> =>
  Effect.gen(function*() {
    const entries: Array<string> = []
    const lines = text.split(/\r?\n/)
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] as string).replace(/#.*$/, "").trim()
      if (line === "") continue
      const where = `${path} line ${i + 1}`
      if (entries.length === maxEntries) {
        return yield* new Discovery.DiscoveryError({ reason: "InvalidConfig", message: `${where}: more than ${maxEntries} entries`, input: where })
      }
      yield* Discovery.makeStatic([line], defaultPort === undefined ? {} : { defaultPort }).pipe(
        Effect.mapError((error) =>
          new Discovery.DiscoveryError({ reason: error.reason, message: `${where}: ${error.message}`, input: where, cause: error })
        )
      )
      entries.push(line)
    }
    return entries
  })

const readEntries = (path: string, defaultPort: number | undefined) =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (cause) =>
      new Discovery.DiscoveryError({
        reason: "SourceFailed",
        message: `cannot read ${path}: ${cause instanceof Error ? cause.message : String(cause)}`,
        input: path,
        cause
      })
  }).pipe(
    Effect.filterOrFail(
      (text) => text.length <= maxBytes,
      () => new Discovery.DiscoveryError({ reason: "InvalidConfig", message: `${path} is over ${maxBytes} bytes`, input: path })
    ),
    Effect.flatMap((text) => parseMembersFile(path, text, defaultPort))
  )

/**
 * A discovery that reads `path` on every call, checked once now. `source`
 * is what the user set (`--members-file` or `SWIM_MEMBERS_FILE`), for the
 * error at start.
 */
export const makeMembersFile = (
  path: string,
  source: string,
  defaultPort: number | undefined
): Effect.Effect<Discovery.DiscoveryShape, UsageError> =>
  Effect.gen(function*() {
    yield* readEntries(path, defaultPort).pipe(Effect.mapError((error) => new UsageError({ message: `${source}: ${error.message}` })))
    return Discovery.make(
      readEntries(path, defaultPort).pipe(
        Effect.flatMap((entries) => Discovery.makeStatic(entries, defaultPort === undefined ? {} : { defaultPort })),
        Effect.flatMap((seeds) => seeds.discover),
        // The agent's user edits this file by hand: say what is wrong where they will see it.
        Effect.tapError((error) => Effect.logWarning(`${source}: ${error.message}`)),
        Effect.withSpan("Discovery.membersFile", { attributes: { path } })
      )
    )
  })

/** The variable that sets the members file when the option does not. */
export const membersFileVariable = "SWIM_MEMBERS_FILE"

/**
 * The members file the option or the environment names, as a discovery;
 * none when neither does. A port-less entry takes the agent's bind port when
 * it is fixed (not 0).
 */
export const resolveMembersFile = (
  option: Option.Option<string>,
  env: Readonly<Record<string, string | undefined>>,
  bindPort: number
): Effect.Effect<Option.Option<Discovery.DiscoveryShape>, UsageError> => {
  const fromEnv = env[membersFileVariable]
  const chosen = Option.isSome(option)
    ? Either.right({ path: option.value, source: "--members-file" })
    : fromEnv !== undefined && fromEnv.trim() !== ""
    ? Either.right({ path: fromEnv.trim(), source: membersFileVariable })
    : Either.left(undefined)
  if (Either.isLeft(chosen)) return Effect.succeed(Option.none())
  return Effect.map(
    makeMembersFile(chosen.right.path, chosen.right.source, bindPort > 0 ? bindPort : undefined),
    Option.some
  )
}

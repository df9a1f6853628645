/**
 * Mistakes on the command line, in the environment or at start-up (a port
 * in use, no seed answering): reported as one line on stderr and exit code
 * 1, not as a crash with a stack trace, because the person who typed the
 * option needs to know which one to fix, not where the code is.
 *
 * @internal
 */
import { Data, Effect, Either } from "effect"

/** A value that cannot be used; `message` starts with what to fix (`--bind: ...`, `SWIM_BIND_PORT: ...`). */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** An option's parsed value, or a `UsageError` naming the option (`--key: ...`). */
export const fromOption = <A>(name: string, parsed: Either.Either<A, string>): Effect.Effect<A, UsageError> =>
  Either.match(parsed, {
    onLeft: (why) => Effect.fail(new UsageError({ message: `--${name}: ${why}` })),
    onRight: Effect.succeed
  })

/** Text as one line: ANSI styles dropped, lines trimmed and joined with "; ". */
export const oneLine = (text: string): string =>
  text
    .replace(/\u001b\[[0-9;]*m/g, "")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .join("; ")

/**
 * What an error says, whatever its type: its `message` (every error of the
 * library and of the CLI has one), its `_tag`, and its `reason` when it has
 * one. Nothing here depends on which tagged errors exist.
 */
export const describeError = (error: unknown): { readonly message: string; readonly tag?: string; readonly reason?: string } => {
  if (typeof error !== "object" || error === null) return { message: String(error) }
  const e = error as { readonly message?: unknown; readonly _tag?: unknown; readonly reason?: unknown }
  const message = typeof e.message === "string" && e.message.length > 0
    ? oneLine(e.message)
    : typeof e._tag === "string"
    ? e._tag
    : String(error)
  return {
    message,
    ...(typeof e._tag === "string" ? { tag: e._tag } : {}),
    ...(typeof e.reason === "string" ? { reason: e.reason } : {})
  }
}

/**
 * Prints `effect-memberlist: <message>` on stderr and makes the process exit
 * with code 1. It writes to stderr directly rather than through `Console`,
 * which `main.ts` silences while @effect/cli parses.
 */
export const reportError = (error: unknown): Effect.Effect<void> =>
  Effect.sync(() => {
    process.stderr.write(`effect-memberlist: ${describeError(error).message}\n`)
    // Not process.exit: let pending output flush; nothing else keeps the process alive.
    process.exitCode = 1
  })

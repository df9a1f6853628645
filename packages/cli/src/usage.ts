/**
 * Mistakes on the command line: reported as one line on stderr and a
 * non-zero exit, not as a crash with a stack trace, because the person who
 * typed the option needs to know which one to fix, not where the code is.
 *
 * @internal
 */
import { Console, Data, Effect, Either } from "effect"

/** A command-line value that cannot be used; `message` starts with the option's name. */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** An option's parsed value, or a `UsageError` naming the option (`--key: ...`). */
export const fromOption = <A>(name: string, parsed: Either.Either<A, string>): Effect.Effect<A, UsageError> =>
  Either.match(parsed, {
    onLeft: (why) => Effect.fail(new UsageError({ message: `--${name}: ${why}` })),
    onRight: Effect.succeed
  })

/** Prints the error as `effect-memberlist: <message>` and makes the process exit with code 1. */
export const reportUsageError = (error: UsageError): Effect.Effect<void> =>
  Console.error(`effect-memberlist: ${error.message}`).pipe(
    Effect.zipRight(Effect.sync(() => {
      // Not process.exit: let pending output flush; nothing else keeps the process alive.
      process.exitCode = 1
    }))
  )

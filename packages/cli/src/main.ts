#!/usr/bin/env node
/**
 * The `effect-memberlist` command: `agent`, `demo`, `simulate`.
 *
 * @internal
 */
import { Command, HelpDoc, ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { defaultTeardown } from "@effect/platform/Runtime"
import type { Console } from "effect"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { agent } from "./agent.js"
import { demo } from "./demo.js"
import { simulate, simulationStopped, stoppedExitCode } from "./simulate.js"
import { oneLine, reportError } from "./usage.js"

/** This package's version: src/ and dist/ both sit next to package.json. */
const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version

/**
 * @effect/cli prints a command-line mistake (an unknown option, a missing
 * value) over several lines on stderr before failing with it; the console
 * below drops that, and the mistake is reported as one line instead. The
 * commands themselves run with the real console.
 */
const console: Console.Console = Effect.runSync(Effect.console)
const parsingConsole: Console.Console = { ...console, error: () => Effect.void }
const withConsole = <Name extends string, R, E, A>(command: Command.Command<Name, R, E, A>) =>
  Command.transformHandler(command, (effect) => Effect.withConsole(effect, console))

const root = Command.make("effect-memberlist").pipe(
  Command.withDescription("cluster membership and failure detection (SWIM + Lifeguard), memberlist-compatible"),
  Command.withSubcommands([withConsole(agent), withConsole(demo), withConsole(simulate)])
)

const cli = Command.run(root, { name: "effect-memberlist", version })

cli(process.argv).pipe(
  Effect.withConsole(parsingConsole),
  Effect.catchAll((error) =>
    // A command-line mistake, or any other expected failure of a command (a bad --loss for simulate, ...): one line.
    reportError(ValidationError.isValidationError(error) ? { message: oneLine(HelpDoc.toAnsiText(error.error)) } : error)
  ),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({
    // A signal ends every command with exit code 0 (the agent leaves gracefully), except a simulation it cut short.
    teardown: (exit, onExit) => defaultTeardown(exit, (code) => onExit(code === 0 && simulationStopped() ? stoppedExitCode : code))
  })
)

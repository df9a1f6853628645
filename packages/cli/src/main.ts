#!/usr/bin/env node
/**
 * The `effect-memberlist` command: `agent`, `demo`, `simulate`.
 *
 * @internal
 */
import { Command } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { agent } from "./agent.js"
import { demo } from "./demo.js"
import { simulate } from "./simulate.js"

const root = Command.make("effect-memberlist").pipe(
  Command.withDescription("cluster membership and failure detection (SWIM + Lifeguard), memberlist-compatible"),
  Command.withSubcommands([agent, demo, simulate])
)

const cli = Command.run(root, { name: "effect-memberlist", version: "0.1.0" })

cli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain)

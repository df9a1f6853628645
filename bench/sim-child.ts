/**
 * Runs one scenario in its own process, so the parent can read this
 * process's peak memory alone. Usage: `tsx bench/sim-child.ts '<scenario json>'`.
 * Prints one JSON line: the result (without the curve) and the wall figures.
 */
import { runScenario } from "../src/internal/simulation/runner.js"
import type { Scenario } from "../src/internal/simulation/scenario.js"

const scenario = JSON.parse(process.argv[2] ?? "{}") as Scenario
const report = runScenario(scenario)
const { curve: _curve, ...result } = report.result
process.stdout.write(
  JSON.stringify({
    result,
    command: report.command,
    wall: { ...report.wall, peakRssBytes: process.resourceUsage().maxRSS * 1024 }
  }) + "\n"
)

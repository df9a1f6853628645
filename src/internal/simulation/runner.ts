/**
 * Runs a `Scenario` to a `SimulationReport`: builds the cluster, lets the
 * join storm settle, plays the actions' timeline on virtual time, and
 * gathers the statistics. Pure apart from reading the wall clock for the
 * (separate) timing figures: the report's `result` is a function of the
 * scenario alone.
 *
 * @internal
 */
import { planActions } from "./actions.js"
import { internerRefusals } from "../swim/memberTable.js"
import type { SimulatedCluster } from "./cluster.js"
import { CurveSampler, nodeMsBefore, samplePeriod } from "./curve.js"
import { DetectionWindow } from "./detectionWindow.js"
import { NodePool } from "./nodePool.js"
import { Reconvergence } from "./reconvergence.js"
import type { SimulationReport, SimulationResult } from "./result.js"
import { replayCommand, type Scenario } from "./scenario.js"
import { buildCluster, nodeCount, startConverged, startJoinStorm } from "./setup.js"
import { drain } from "./slices.js"
import { detectionReports, joinReport, resetAccuracy, TrafficWindow } from "./statistics.js"
import { Timeline } from "./timeline.js"
import { ViewTracker } from "./tracker.js"

export type {
  ActionReport,
  CurvePoint,
  DetectionReport,
  DetectionTraffic,
  SimulationReport,
  SimulationResult,
  TrafficReport
} from "./result.js"

/** Runs `scenario` to completion. Deterministic: the same scenario gives the same `result`. */
export const runScenario = (scenario: Scenario, command?: string): SimulationReport =>
  drain(scenarioSlices(scenario, command, Infinity))

/**
 * Runs `scenario`, pausing after every `budget` events (see `slices.ts`);
 * returns its report. The same events in the same order as `runScenario`.
 */
export function* scenarioSlices(scenario: Scenario, command: string | undefined, budget: number): Generator<void, SimulationReport> {
  const wallStart = performance.now()
  const refusalsBefore = internerRefusals()
  const total = nodeCount(scenario)
  const tracker = new ViewTracker(total)
  const cluster = buildCluster(scenario, tracker)
  if (scenario.convergedStart === true) {
    // The phase opens first, so the views filled at t=0 count as full at 0.
    tracker.startPhase(0)
    startConverged(cluster, scenario.nodes)
  } else {
    startJoinStorm(cluster, scenario.nodes)
    tracker.startPhase(0)
  }
  const sampler = new CurveSampler(cluster, tracker, samplePeriod(scenario))
  sampler.sample()

  const scenarioStart = yield* settleJoin(scenario, cluster, tracker, sampler, budget)
  const join = joinReport(tracker, scenario.nodes)
  // Accuracy and traffic count from the scenario's start.
  resetAccuracy(cluster)
  const traffic = TrafficWindow.open(cluster, scenarioStart)
  const detecting = new DetectionWindow(cluster, tracker)

  const timeline = new Timeline(scenarioStart)
  const reconvergence = new Reconvergence(tracker)
  planActions(scenario.actions, {
    cluster,
    timeline,
    pool: new NodePool(cluster, scenario.seed, scenario.nodes, total),
    reconvergence,
    nodes: scenario.nodes,
    baseLoss: scenario.network.loss
  })
  const end = scenarioStart + scenario.duration
  for (;;) {
    const due = timeline.nextAt
    const until = due > end ? end : due
    // Stops early (at a sample) only to close the detection window; then runs on to `until`.
    do {
      const before = cluster.now
      yield* sampler.slices(until, detecting.done, budget)
      traffic.addStep(cluster.now - before, tracker.upCount)
      detecting.addStep(cluster.now - before, tracker.upCount)
    } while (cluster.now < until)
    reconvergence.resolve()
    if (due > end) break
    timeline.runNext()
    detecting.afterAction()
    reconvergence.resolve()
  }
  sampler.finish()

  const result: SimulationResult = {
    join,
    scenarioStart,
    end: cluster.now,
    detections: detectionReports(tracker),
    actions: reconvergence.reports(),
    accuracy: { ...cluster.accuracy },
    falseDeathLog: cluster.falseDeathLog.slice(),
    traffic: traffic.report(),
    detectionTraffic: detecting.report(),
    curve: sampler.points,
    finalConverged: tracker.convergedFraction(),
    upAtEnd: tracker.upCount
  }
  const wallMs = performance.now() - wallStart
  const nodeMs = traffic.nodeMs + nodeMsBefore(sampler.points, scenarioStart)
  return {
    scenario,
    command: command ?? replayCommand(scenario),
    result,
    wall: {
      ms: wallMs,
      virtualMs: cluster.now,
      nodeSecondsPerSecond: nodeMs / 1000 / (wallMs / 1000),
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      internerRefusals: internerRefusals() - refusalsBefore
    }
  }
}

/**
 * With `settle`, runs the join storm until every node has the full view
 * (at most `settleLimit` ms) and returns that moment: the scenario's
 * start. Without, the scenario starts at 0, with the join.
 */
function* settleJoin(
  scenario: Scenario,
  cluster: SimulatedCluster,
  tracker: ViewTracker,
  sampler: CurveSampler,
  budget: number
): Generator<void, number> {
  if (!scenario.settle) return 0
  yield* sampler.slices(scenario.settleLimit, () => tracker.allConvergedAt !== undefined, budget)
  const start = tracker.allConvergedAt ?? cluster.now
  if (cluster.now < start) yield* sampler.slices(start, undefined, budget)
  return start
}

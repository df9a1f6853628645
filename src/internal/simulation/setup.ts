/**
 * Builds the simulated cluster a scenario describes: its timings, message
 * sizer and network, every node it will ever need (late joiners too, so
 * the view tracker is sized once), and the join storm that starts the run.
 *
 * @internal
 */
import type { MessageSizer } from "../swim/config.js"
import { estimateSize } from "../swim/estimateSize.js"
import { messageSize } from "../wire/messages.js"
import { SimulatedCluster } from "./cluster.js"
import { hashUnit, sample, sampleFrom } from "./network.js"
import { presetTimings, type Scenario } from "./scenario.js"
import type { ViewTracker } from "./tracker.js"

/** The name of the node at index `i`: nodes are added in index order. */
export const nodeName = (i: number): string => `node-${i}`

/** The seed node every other node joins (and rejoins) through; actions never pick it. */
export const seedNode = nodeName(0)

/** How many nodes the run needs: the initial ones and every node a `Join` action adds. */
export const nodeCount = (scenario: Scenario): number =>
  scenario.actions.reduce((n, a) => (a._tag === "Join" ? n + a.count : n), scenario.nodes)

/**
 * The cluster of `scenario`, reporting to `tracker`, with all `nodeCount`
 * nodes added (none started). Event recording is off: the tracker keeps
 * what the run needs, and a log of every event would only cost memory.
 */
export const buildCluster = (scenario: Scenario, tracker: ViewTracker): SimulatedCluster => {
  const net = scenario.network
  const sizeOf: MessageSizer = scenario.sizer === "codec" ? messageSize : estimateSize
  // A link's fixed latency comes from a hash of its ends, not from the
  // cluster's generator, so it costs no N^2 table and no draws.
  const linkSeed = (scenario.seed ^ 0x11c4) >>> 0
  const linkLatency = net.linkLatency
  const cluster = new SimulatedCluster({
    seed: scenario.seed,
    timings: { ...presetTimings(scenario.preset), ...scenario.overrides },
    sizeOf,
    tracker,
    network: {
      latency: (r) => sample(net.latency, r),
      loss: net.loss,
      streamTimeout: net.streamTimeout,
      linkLatency: linkLatency === undefined
        ? undefined
        : (a, b) => sampleFrom(linkLatency, hashUnit(linkSeed, a, b), hashUnit(linkSeed ^ 0xabcdef, a, b))
    }
  })
  cluster.recordEvents = false
  const total = nodeCount(scenario)
  for (let i = 0; i < total; i++) {
    cluster.addNode(nodeName(i))
    if (net.bandwidth !== undefined) cluster.setBandwidth(nodeName(i), net.bandwidth)
  }
  return cluster
}

/** Starts the join storm at t=0: the seed node, then every other initial node joining through it. */
export const startJoinStorm = (cluster: SimulatedCluster, nodes: number): void => {
  cluster.start(seedNode)
  for (let i = 1; i < nodes; i++) cluster.start(nodeName(i), [seedNode])
}

/**
 * The converged start: every initial node started at t=0 with every other
 * already in its view, alive (see `convergedView.ts`), and no join sent. A
 * node's discovery still answers with the seed node, for rejoins.
 */
export const startConverged = (cluster: SimulatedCluster, nodes: number): void => {
  for (let i = 0; i < nodes; i++) cluster.start(nodeName(i))
  cluster.fillViews(nodes, [seedNode])
}

/**
 * The leader-election runs the tests and the bench share: a cluster of
 * simulated members, all started at once through one seed node, each with
 * the election machine beside its core, on virtual time, from one seed.
 *
 * - `kills`: once every node names one live leader, that leader is killed
 *   every two minutes; each time, how long until all name a new one.
 * - `partition`: at two minutes the cluster splits in two random halves; the
 *   half without the leader may elect its own once SWIM has declared the
 *   other half dead. At five minutes the partition heals and the half
 *   without the seed node rejoins through it; how long until one leader
 *   remains for all.
 *
 * Every leader change on every node goes through a `LeaderLedger`, which
 * counts any term that two members led.
 *
 * @internal
 */
import { defaultElectionConfig, type ElectionConfig } from "../leader/config.js"
import { makeRng, shuffleInPlace } from "../swim/random.js"
import { lanTimings } from "../swim/config.js"
import type { SimulatedCluster } from "./cluster.js"
import { makeElectionCluster, type SimulatedElection } from "./election.js"
import { agreedLeader, type DoubleLeader, LeaderLedger } from "./electionLedger.js"

/** What to run. */
export interface ElectionRunOptions {
  readonly plan: "kills" | "partition"
  readonly seed: number
  /** Default 100. */
  readonly nodes?: number | undefined
  /** Virtual ms (default 10 minutes). */
  readonly duration?: number | undefined
  /** Uniform packet loss for the whole run (default 0). */
  readonly loss?: number | undefined
  readonly config?: ElectionConfig | undefined
}

/** The partition's outcome, in virtual ms. */
export interface PartitionOutcome {
  /** From the split until every node of the half without the old leader names one of its own, in a later term. */
  readonly sideElected: number | undefined
  /** From the heal until every node names one leader. */
  readonly healed: number | undefined
}

/** What a run measured, in virtual ms. */
export interface ElectionRunResult {
  readonly options: ElectionRunOptions
  /** From the start until every node names one live leader. */
  readonly firstLeader: number | undefined
  /** For each kill of the leader: until every live node names a new one (undefined: not within the limit). */
  readonly failovers: ReadonlyArray<number | undefined>
  readonly partition: PartitionOutcome | undefined
  /** Terms two members led: must be 0. */
  readonly doubleLeaders: number
  readonly doubles: ReadonlyArray<DoubleLeader>
  /** The highest term any node reached: elections held, roughly. */
  readonly highestTerm: number
  /** Whether every live node names one live leader at the end. */
  readonly agreedAtEnd: boolean
  /** Election messages that arrived unreadable or from an unknown address. */
  readonly dropped: number
}

/** When the first leader kill, or the split, happens. */
export const firstDisruptionAt = 120_000
/** Time between kills. */
export const killEvery = 120_000
/** When the partition heals. */
export const healAt = 300_000
/** How long a run waits for agreement before it records "not within the limit". */
export const agreementLimit = 120_000
/** How often agreement is checked while waiting for it (virtual ms): the measurements' resolution. */
export const checkEvery = 100

const nodeName = (i: number): string => `node-${i}`

/** Runs one plan to the end. Deterministic: the same options give the same result. */
export const runElection = (options: ElectionRunOptions): ElectionRunResult => {
  const n = options.nodes ?? 100
  const duration = options.duration ?? 600_000
  const ledger = new LeaderLedger()
  const { cluster, election } = makeElectionCluster(
    { seed: options.seed, timings: lanTimings },
    { config: options.config ?? defaultElectionConfig, seed: options.seed ^ 0x1eade4, onLeaderChange: ledger.record }
  )
  cluster.recordEvents = false
  const names = Array.from({ length: n }, (_, i) => nodeName(i))
  for (const name of names) cluster.addNode(name)
  if (options.loss !== undefined && options.loss > 0) cluster.setLoss(options.loss)
  for (const [i, name] of names.entries()) {
    cluster.start(name, i === 0 ? [] : [names[0] as string])
    election.start(name)
  }
  const agreed = () => agreedLeader(cluster, election, names)
  const firstLeader = cluster.runUntilTrue(() => agreed() !== undefined, agreementLimit, checkEvery)

  const failovers: Array<number | undefined> = []
  let partition: PartitionOutcome | undefined
  if (options.plan === "kills") {
    for (let at = firstDisruptionAt; at < duration; at += killEvery) {
      cluster.runUntil(at)
      failovers.push(killLeader(cluster, agreed))
    }
  } else {
    cluster.runUntil(firstDisruptionAt)
    partition = splitAndHeal(cluster, election, names, options.seed, agreed)
  }
  cluster.runUntil(duration)
  return {
    options,
    firstLeader,
    failovers,
    partition,
    doubleLeaders: ledger.doubleCount,
    doubles: ledger.doubles,
    highestTerm: ledger.highestTerm,
    agreedAtEnd: agreed() !== undefined,
    dropped: election.dropped
  }
}

type Agreement = () => { readonly leader: string; readonly term: number } | undefined

/**
 * Kills the agreed leader (waiting for agreement first: under loss a member may have missed a few
 * heartbeats just then) and waits for another; undefined when there was none or no new one came.
 */
const killLeader = (cluster: SimulatedCluster, agreed: Agreement): number | undefined => {
  cluster.runUntilTrue(() => agreed() !== undefined, agreementLimit, checkEvery)
  const old = agreed()
  if (old === undefined) return undefined
  const killedAt = cluster.now
  cluster.kill(old.leader)
  const at = cluster.runUntilTrue(() => {
    const now = agreed()
    return now !== undefined && now.leader !== old.leader
  }, agreementLimit, checkEvery)
  return at === undefined ? undefined : at - killedAt
}

/** Splits in two random halves now, heals at `healAt`, and measures both sides of it. */
const splitAndHeal = (
  cluster: SimulatedCluster,
  election: SimulatedElection,
  names: ReadonlyArray<string>,
  seed: number,
  agreed: Agreement
): PartitionOutcome => {
  const old = agreed()
  const shuffled = names.slice()
  shuffleInPlace(makeRng((seed ^ 0x5a17) >>> 0), shuffled)
  const half = shuffled.slice(0, Math.floor(names.length / 2))
  const other = shuffled.slice(half.length)
  const leaderless = old !== undefined && half.includes(old.leader) ? other : half
  const splitAt = cluster.now
  cluster.partition([half])
  const elected = cluster.runUntilTrue(() => {
    const side = agreedLeader(cluster, election, leaderless)
    return side !== undefined && (old === undefined || side.term > old.term)
  }, healAt - splitAt, checkEvery)
  cluster.runUntil(healAt)
  cluster.heal()
  const seedNode = names[0] as string
  for (const name of half.includes(seedNode) ? other : half) cluster.join(name, [seedNode])
  const healed = cluster.runUntilTrue(() => agreed() !== undefined, agreementLimit, checkEvery)
  return {
    sideElected: elected === undefined ? undefined : elected - splitAt,
    healed: healed === undefined ? undefined : healed - healAt
  }
}

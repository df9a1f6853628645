/**
 * The protocol core's configuration: timings and limits, all in
 * milliseconds and counts. The public `SwimConfig` module builds this from
 * presets, options or the environment.
 *
 * @internal
 */
import { APP_STATE_MAX_SIZE, META_MAX_SIZE } from "../limits.js"
import type { Address, NodeState, PacketMessage, Versions } from "./messages.js"
import { makeVersions, PROTOCOL_VERSION_MAX, PROTOCOL_VERSION_MIN } from "./versions.js"

/** Everything the core needs to know about itself and how to behave. */
export interface CoreConfig {
  /** This node's unique name in the cluster. */
  readonly name: string
  /** The address other members reach this node at (the advertise address). */
  readonly address: Address
  /** Initial metadata, at most `maxMetaSize` bytes. */
  readonly meta: Uint8Array
  /** `[pMin, pMax, pCur, dMin, dMax, dCur]` this node speaks. */
  readonly versions: Versions

  /** Time between probes while healthy. */
  readonly probeInterval: number
  /** How long to wait for a direct ack before probing indirectly. */
  readonly probeTimeout: number
  /** How many members are asked to probe indirectly (SWIM's k). */
  readonly indirectChecks: number
  /** Whether a failed direct probe is also retried over a stream (TCP) for peers that support it. */
  readonly tcpPingFallback: boolean
  /**
   * Whether probe targets follow a schedule every member shares (probe.ts), so each member is probed
   * by one prober per probe interval; false: memberlist's own shuffled round robin.
   */
  readonly alignedProbing: boolean
  /**
   * Whether each suspect also gets a verification ping of its own every `verificationSpacing`
   * (probe.ts, `verifySuspects`); false: only the round robin probes it, as memberlist does.
   */
  readonly verifySuspects: boolean
  /**
   * Whether the direct ping is sent once more, bare, when the probe timeout passes without an ack
   * (probe.ts, `probeTimedOut`); false: only the indirect pings then, as memberlist does.
   */
  readonly repeatDirectPing: boolean

  /** Suspicion timeout multiplier (min timeout = mult x max(1, log10 n) x probeInterval). */
  readonly suspicionMult: number
  /** Max suspicion timeout = this x min timeout; it shrinks toward min with confirmations. */
  readonly suspicionMaxTimeoutMult: number
  /** Each update is piggybacked retransmitMult x ceil(log10(n + 1)) times... */
  readonly retransmitMult: number
  /** ...but at least ln(100 n) times, so every member hears it with high probability (false: memberlist's count). */
  readonly coverageFloor: boolean

  /** Time between gossip rounds. */
  readonly gossipInterval: number
  /** Members gossiped to per round. */
  readonly gossipNodes: number
  /** How long dead members still receive gossip (so they can learn it and refute), and are kept before reaping. */
  readonly gossipToTheDeadTime: number

  /** Base time between periodic push/pull exchanges (scaled up above 32 members); 0 disables them. */
  readonly pushPullInterval: number

  /** Local health: timeouts are scaled by (score + 1), with score in [0, awarenessMaxMultiplier - 1]. */
  readonly awarenessMaxMultiplier: number

  /** After this long dead, a claim of its name from another address may carry any incarnation; 0: only a higher one (addressChange.ts). */
  readonly deadNodeReclaimTime: number

  /** Byte budget of one UDP packet after label and encryption overhead. */
  readonly packetBudget: number
  /** Share of each packet's piggyback space reserved for user broadcasts, in [0, 1]. */
  readonly userBroadcastShare: number
  /** Cap on queued membership updates; the most-sent are dropped first beyond it. */
  readonly maxMembershipQueue: number
  /** Cap on queued user broadcasts; the most-sent are dropped first beyond it. */
  readonly maxUserQueue: number
  /** Largest metadata accepted, in bytes (memberlist: 512). */
  readonly maxMetaSize: number

  /** A join gives up on seeds that have not answered after this long (ms); they count as failed. */
  readonly joinTimeout: number
  /**
   * Ask discovery for members we do not know every this many ms while we
   * have live peers (0: never); while alone, every two probe intervals
   * whatever this is.
   */
  readonly rediscoverInterval: number

  /** Largest application state (push/pull user state) handed to the application, in bytes; more is dropped. */
  readonly maxAppStateSize: number
  /**
   * Decides whether another node may be a member (memberlist's `NotifyAlive`):
   * asked for every alive message that would change what we know of it, from
   * gossip or a push/pull. A reason refuses the message; undefined admits it.
   * Must be pure and quick: it runs inside the step.
   */
  readonly filterJoin?: JoinFilter | undefined
  /**
   * Decides whether a push/pull's states may be merged (memberlist's
   * `NotifyMerge`, which sees joins only; this sees every push/pull and is
   * told which): a reason refuses the whole merge, application state included.
   */
  readonly filterMerge?: MergeFilter | undefined
  /**
   * How far above the incarnation we hold for a member a claim about it may
   * jump on another member's word (see incarnation.ts); default 1024.
   */
  readonly incarnationWindow?: number | undefined
}

/** A node as the join filter sees it. */
export interface JoinCandidate {
  readonly name: string
  readonly address: Address
  readonly meta: Uint8Array
  readonly versions: Versions
}

/** A push/pull entry as the merge filter sees it. */
export interface MergeCandidate extends JoinCandidate {
  readonly incarnation: number
  readonly state: NodeState
}

/** Returns why `candidate` is refused, or undefined to admit it. */
export type JoinFilter = (candidate: JoinCandidate) => string | undefined

/** Returns why a push/pull with these states is refused, or undefined to merge it. */
export type MergeFilter = (peers: ReadonlyArray<MergeCandidate>, join: boolean) => string | undefined

/**
 * How often the core considers asking discovery for peers: two probe
 * intervals, so a node that lost everyone finds its way back within a few
 * seconds (and also checks whether a periodic rediscovery is due).
 */
export const discoverTickInterval = (config: Pick<CoreConfig, "probeInterval">): number => 2 * config.probeInterval

/** The exact (or a safe upper-bound) encoded size of a message, type byte included. */
export type MessageSizer = (message: PacketMessage) => number

/** memberlist's per-part overhead in a compound packet (2-byte length). */
export const compoundPartOverhead = 2
/** memberlist's compound header (type byte + count byte). */
export const compoundHeaderOverhead = 2
/**
 * Parts of one compound packet. The format allows 255, but Debian's
 * memberlist 0.2.2 misreads 128 or more (an 8-bit offset overflow fixed
 * upstream), so we stay at 127 to share a cluster with it.
 */
export const maxCompoundParts = 127

/** memberlist's protocol versions: we understand 1..5 and speak 2 by default, as its LAN config does. */
export const defaultVersions: Versions = makeVersions(PROTOCOL_VERSION_MIN, PROTOCOL_VERSION_MAX, 2, 0, 0, 0)

/** Timings and limits shared by the presets; each preset overrides some. */
export type Timings = Omit<CoreConfig, "name" | "address" | "meta" | "versions">

const common = {
  tcpPingFallback: true,
  alignedProbing: true,
  verifySuspects: true,
  repeatDirectPing: true,
  coverageFloor: true,
  suspicionMaxTimeoutMult: 6,
  awarenessMaxMultiplier: 8,
  deadNodeReclaimTime: 0,
  packetBudget: 1400,
  userBroadcastShare: 0.25,
  maxMembershipQueue: 8192,
  maxUserQueue: 1024,
  maxMetaSize: META_MAX_SIZE,
  joinTimeout: 20_000,
  rediscoverInterval: 30_000,
  maxAppStateSize: APP_STATE_MAX_SIZE
} as const

/** memberlist's DefaultLANConfig timings. */
export const lanTimings: Timings = {
  ...common,
  probeInterval: 1000,
  probeTimeout: 500,
  indirectChecks: 3,
  suspicionMult: 4,
  retransmitMult: 4,
  gossipInterval: 200,
  gossipNodes: 3,
  gossipToTheDeadTime: 30_000,
  pushPullInterval: 30_000
}

/** memberlist's DefaultWANConfig timings. */
export const wanTimings: Timings = {
  ...lanTimings,
  probeInterval: 5000,
  probeTimeout: 3000,
  suspicionMult: 6,
  gossipInterval: 500,
  gossipNodes: 4,
  gossipToTheDeadTime: 60_000,
  pushPullInterval: 60_000
}

/** memberlist's DefaultLocalConfig timings (a single host or a fast LAN). */
export const localTimings: Timings = {
  ...lanTimings,
  probeInterval: 1000,
  probeTimeout: 200,
  indirectChecks: 1,
  suspicionMult: 3,
  retransmitMult: 2,
  gossipInterval: 100,
  gossipToTheDeadTime: 15_000,
  pushPullInterval: 15_000
}

/**
 * The protocol core's state and the step context every handler works in.
 *
 * The state is owned by one caller at a time and mutated in place by the
 * step function (for speed in large simulations); everything that leaves
 * the core is a copy.
 *
 * @internal
 */
import type { AddressClaims } from "./addressChange.js"
import type { CoreConfig, MessageSizer } from "./config.js"
import type { BroadcastQueue } from "./broadcastQueue.js"
import type { Address, PushNodeState } from "./messages.js"
import { NodeState } from "./messages.js"
import type { MemberRecord } from "./member.js"
import type { MemberTable } from "./memberTable.js"
import type { HeardTimes } from "./heardTimes.js"
import type { MembershipEvent, Output, Timer } from "./io.js"
import type { Rng } from "./random.js"
import type { Suspicion } from "./suspicion.js"
import type { SeenBroadcasts } from "./userBroadcast.js"
import type { Admission } from "./trust.js"
import type { PendingCatchUp } from "./catchUp.js"

/** The probe in flight, if any. */
export interface Probe {
  readonly seqNo: number
  readonly target: string
  readonly address: Address
  readonly incarnation: number
  /** When its ping went out. */
  readonly startedAt: number
  readonly deadline: number
  acked: boolean
  /** When the indirect probes went out; undefined before. */
  indirectAt: number | undefined
  /** Nacks asked of the relays, and nacks received. */
  expectedNacks: number
  nacks: number
  /** A ping of this probe could not leave this host: the probe ends without a verdict (see localFailure.ts). */
  unsent?: true
}

/** A ping this node relays for someone else's indirect probe. */
export interface Relay {
  readonly requester: Address
  readonly seqNo: number
  readonly nack: boolean
}

/** A push/pull this node started and waits on. */
export interface PendingPushPull {
  readonly to: Address
  readonly join: boolean
}

/** A join in progress. */
export interface PendingJoin {
  /** Tokens of the join's push/pulls that have not ended. */
  readonly outstanding: Set<number>
  contacted: number
  failed: number
  /** When it was opened (a join that joins it keeps this). */
  readonly startedAt: number
  /** Token of this join's `JoinDeadline` timer. */
  readonly deadlineToken: number
}

/** Everything one node's protocol core knows. */
export interface CoreState {
  readonly config: CoreConfig
  readonly sizeOf: MessageSizer
  readonly rng: Rng
  status: "idle" | "alive" | "leaving" | "left"
  /** Every known member by name, this node included. */
  readonly members: MemberTable<MemberRecord>
  /** The same members by `host:port`, to recognise who a packet came from. */
  readonly byAddress: MemberTable<MemberRecord>
  /** When each member was last heard from (inTouch.ts). */
  readonly heardAt: HeardTimes
  /** When we last started a push/pull with a member we hold dead but heard from. */
  readonly contactPushPulls: Map<string, number>
  /** memberlist's node list: the probe order, reshuffled (or, aligned, sorted by name) on wrap. */
  probeOrder: Array<MemberRecord>
  probeIndex: number
  /** Where this node sat in `probeOrder` when last looked up (aligned probing; checked before use). */
  probeSelf: number
  /** `probeOrder`'s length when last sorted (aligned probing): members added since leave it unsorted. */
  probeSortedSize: number
  /** Aligned probing: a round robin of this node's own, which takes the turns that fall to dead members. */
  probeCursor: number
  seqNo: number
  /** Lifeguard local health score. */
  awareness: number
  /** Someone else was alive after the last step that changed who is (see connectivity.ts). */
  connected: boolean
  /** When a well-formed message from another member last arrived (see isolation.ts). */
  lastHeardAt: number
  /** When this node last heard from someone after being cut off (-Infinity: never cut off). */
  reconnectedAt: number
  probe: Probe | undefined
  /** A failed probe whose toll on local health waits for its relays' nacks. */
  nackWait: Probe | undefined
  readonly relays: Map<number, Relay>
  readonly suspicions: Map<string, Suspicion>
  readonly membershipQueue: BroadcastQueue
  readonly userQueue: BroadcastQueue
  /** Source of tokens for timers and push/pulls. */
  nextToken: number
  probeTickToken: number
  gossipTickToken: number
  /**
   * When the last gossip round fired and found nothing queued, so set no next round: the rounds' grid
   * point to resume from once something is queued (gossipRounds.ts). Undefined while the rounds run.
   */
  gossipParkedAt: number | undefined
  pushPullTickToken: number
  /** The catch-up push/pull armed (after our join, or claims turned away), until its tick fires (catchUp.ts). */
  catchUp: PendingCatchUp | undefined
  /** When a catch-up was last armed; undefined before the first. */
  catchUpArmedAt: number | undefined
  readonly pushPulls: Map<number, PendingPushPull>
  join: PendingJoin | undefined
  discoverTickToken: number
  /** When the `Discover` still waiting for its `Discovered` went out; undefined when none is. */
  discoverAskedAt: number | undefined
  /** When we last asked discovery (or started, or rejoined): the periodic rediscovery counts from here. */
  lastDiscoverAt: number
  /** A Leave waits for its announcement to be sent. */
  leaveWaiting: boolean
  /** Sequence number of our last user broadcast. */
  broadcastSeq: number
  /** User broadcasts already delivered, so their echoes are not. */
  readonly seenBroadcasts: SeenBroadcasts
  /** Claims of members' names from new addresses: checks in progress, refusals, rivals for our own name. */
  readonly addressClaims: AddressClaims
  /** Names heard of on someone else's word, and the budgets of each source (see trust.ts). */
  readonly admission: Admission
}

/** Most relayed pings in flight at once; beyond it, requests are refused. */
export const maxRelays = 1024
/** Longest member name accepted, in UTF-16 units. */
export const maxNameLength = 512

/** One call of the step function: the state, the time, and the outputs gathered so far. */
export interface Step {
  readonly state: CoreState
  readonly now: number
  readonly out: Array<Output>
}

/** The record of this node itself. */
export const selfRecord = (state: CoreState): MemberRecord => state.members.get(state.config.name) as MemberRecord

/** A fresh token. */
export const newToken = (state: CoreState): number => ++state.nextToken

/** A fresh probe sequence number (uint32, wrapping). */
export const newSeqNo = (state: CoreState): number => {
  state.seqNo = (state.seqNo + 1) >>> 0
  return state.seqNo
}

/** Asks for `timer` at `at`. */
export const setTimer = (step: Step, at: number, timer: Timer): void => {
  step.out.push({ _tag: "SetTimer", at, timer })
}

/** Publishes `event`. */
export const emit = (step: Step, event: MembershipEvent): void => {
  step.out.push({ _tag: "Event", event })
}

/**
 * This node's view as push/pull states. A shared record (sharedRecord.ts) is
 * frozen, so it goes as it is: the state sent is the state at sending time
 * all the same, and a converged view's push/pull allocates no entry per member.
 */
export const localStates = (state: CoreState): Array<PushNodeState> => {
  const states: Array<PushNodeState> = []
  state.members.forEach((m) => {
    if (Object.isFrozen(m)) {
      states.push(m)
      return
    }
    states.push({
      name: m.name,
      address: m.address,
      meta: m.meta,
      incarnation: m.incarnation,
      state: m.state,
      versions: m.versions
    })
  })
  return states
}

/** Some member other than this node is alive or suspect: someone is there to talk to. */
export const anyoneElseAlive = (state: CoreState): boolean => state.members.some(aliveOther, state.config.name)

const aliveOther = (m: MemberRecord, self: string): boolean =>
  m.name !== self && (m.state === NodeState.Alive || m.state === NodeState.Suspect)

/** How many members this node knows, itself and not-yet-reaped dead ones included (memberlist's estimate). */
export const clusterSize = (state: CoreState): number => state.members.size

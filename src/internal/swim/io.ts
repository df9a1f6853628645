/**
 * What goes into the protocol core and what comes out of it.
 *
 * The core is a state value and a step function: the shell feeds it an
 * `Input` and `now`, and performs the `Output`s it returns. Timers are data:
 * the core asks for a `Timer` to fire at a time, and when it fires the shell
 * hands it back; a timer that no longer matches the state is ignored, so
 * nothing is ever cancelled.
 *
 * @internal
 */
import type { Address, PacketMessage, PushNodeState } from "./messages.js"
import type { Member } from "./member.js"
import type { Observation } from "./observation.js"

// ---------------------------------------------------------------- timers

/** A timer the core asked for. `token` or `seqNo` tell a stale timer from a live one. */
export type Timer =
  | { readonly _tag: "ProbeTick"; readonly token: number }
  /** The probe's direct ping went unanswered: go indirect. Set again when a failed probe's nacks are due. */
  | { readonly _tag: "ProbeTimeout"; readonly seqNo: number }
  | { readonly _tag: "RelayTimeout"; readonly seqNo: number }
  | { readonly _tag: "SuspicionTimeout"; readonly node: string; readonly token: number }
  | { readonly _tag: "GossipTick"; readonly token: number }
  | { readonly _tag: "PushPullTick"; readonly token: number }
  /** `joinTimeout` after a join started: seeds still outstanding count as failed and the join completes. */
  | { readonly _tag: "JoinDeadline"; readonly token: number }
  /** Every two probe intervals: time to consider asking discovery (while alone, or every `rediscoverInterval`). */
  | { readonly _tag: "DiscoverTick"; readonly token: number }
  /** A check of `node`'s claim to a new address: its probe timeout, then its end (see addressChange.ts). */
  | { readonly _tag: "AddressClaimTimeout"; readonly node: string; readonly token: number }

// ---------------------------------------------------------------- inputs

/** Everything that can happen to a node. */
export type Input =
  /** Begin: mark self alive and start the periodic timers. */
  | { readonly _tag: "Start" }
  /** Messages that arrived in one packet (or one stream frame). */
  | {
    readonly _tag: "Received"
    readonly from: Address
    readonly messages: ReadonlyArray<PacketMessage>
    readonly via: "packet" | "stream"
    /** For a stream: the id to answer on (a stream ping's ack goes back on the same stream). */
    readonly replyTo?: number | undefined
  }
  /** A timer fired. */
  | { readonly _tag: "TimerFired"; readonly timer: Timer }
  /**
   * A packet carrying the ping `seqNo` could not leave this host (the
   * socket refused it: our interface is down, no route). Not evidence
   * against the peer: that probe ends without a verdict.
   */
  | { readonly _tag: "SendFailed"; readonly seqNo: number }
  /** A remote node opened a push/pull exchange; answer with `PushPullReply` carrying the same `replyTo`. */
  | {
    readonly _tag: "PushPullRequest"
    readonly from: Address
    readonly join: boolean
    readonly states: ReadonlyArray<PushNodeState>
    readonly replyTo: number
    /** The application state it sent (memberlist's user state); empty or absent when none. */
    readonly userState?: Uint8Array | undefined
  }
  /** The answer to a push/pull this node started, with the application state it carried. */
  | {
    readonly _tag: "PushPullResponse"
    readonly token: number
    readonly states: ReadonlyArray<PushNodeState>
    readonly userState?: Uint8Array | undefined
  }
  /** A push/pull this node started could not complete (connect, timeout, decode). */
  | { readonly _tag: "PushPullFailed"; readonly token: number; readonly reason: string }
  /**
   * API: join (or rejoin) through these seeds. A join while another is
   * pending joins it: one `JoinCompleted` answers both, by the first one's
   * deadline at the latest.
   */
  | { readonly _tag: "Join"; readonly seeds: ReadonlyArray<Address> }
  /** API: leave gracefully. */
  | { readonly _tag: "Leave" }
  /** API: gossip opaque bytes to every member. `key` dedups: a newer broadcast with the same key replaces the older. */
  | { readonly _tag: "Broadcast"; readonly payload: Uint8Array; readonly key?: string | undefined }
  /** API: replace this node's metadata. */
  | { readonly _tag: "UpdateMetadata"; readonly meta: Uint8Array }
  /**
   * The answer to a `Discover` output: the addresses discovery found (empty
   * when it failed). The core joins through those it should - all but its
   * own while alone, else those of no known member - or does nothing when
   * none are left. Dropped (NotRunning) unless the node is alive.
   */
  | { readonly _tag: "Discovered"; readonly addresses: ReadonlyArray<Address> }

// ---------------------------------------------------------------- events

/** A change in the cluster as this node sees it. */
export type MembershipEvent =
  | { readonly _tag: "MemberJoined"; readonly member: Member }
  /** Metadata changed, or (with `previousAddress`) the member moved to a new address. */
  | { readonly _tag: "MemberUpdated"; readonly member: Member; readonly previousAddress?: Address | undefined }
  | { readonly _tag: "MemberSuspected"; readonly member: Member; readonly from: string }
  | { readonly _tag: "MemberRecovered"; readonly member: Member }
  | { readonly _tag: "MemberFailed"; readonly member: Member; readonly from: string }
  | { readonly _tag: "MemberLeft"; readonly member: Member }
  | {
    readonly _tag: "LocalStatus"
    readonly status: LocalStatus
    readonly incarnation: number
    /**
     * Why it changed: started, refuted an accusation, leaving, left, rejoined,
     * metadata; or, still alive, lost its last live peer (isolated) or has
     * one again (connected).
     */
    readonly cause: "started" | "refuted" | "leaving" | "left" | "rejoined" | "metadata" | "isolated" | "connected"
  }
  /**
   * Another address claims a live member's name and the member still answers
   * at its own, so it keeps it; published once per claimant. On the member
   * itself: another process at `claimant` holds its name.
   */
  | { readonly _tag: "NameConflict"; readonly existing: Member; readonly claimant: Address }

/** This node's own standing. */
export type LocalStatus = "alive" | "leaving" | "left"

// ---------------------------------------------------------------- outputs

/** Why an input was ignored as invalid or out of place. */
export type DropReason =
  | "Malformed" // a field out of range (a negative port, an incarnation above 2^32-1, an empty name, oversized meta)
  | "NotForUs" // a ping naming another node
  | "UnknownMessage" // a message the core does not handle on that path
  | "BadVersions" // a protocol version range that cannot be right
  | "IncompatibleVersions" // a push/pull whose members' versions cannot share a cluster with ours (memberlist's verifyProtocol)
  | "NotRunning" // an input before Start or after leaving that cannot apply
  | "Rejected" // an API call that cannot be honoured (see detail)
  | "InTouch" // another member's `dead` about a member we heard from lately, applied as a suspicion (inTouch.ts)
  | "JoinRefused" // an alive message the join filter refused: its node is not (or no longer) taken as a member
  | "MergeRefused" // a push/pull the merge filter refused: nothing of it was merged
  | "AppStateTooLarge" // a push/pull's application state over maxAppStateSize: not handed to the application
  | "Unconfirmed" // a claim not taken on the sender's word: too far ahead, an unknown member not yet heard from, over a budget

/** What the shell must do. */
export type Output =
  /**
   * Send these messages to `to` in one packet (a compound when there are
   * several). `crc`: `to` reads a CRC frame (a known member that
   * speaks protocol 5; wire/crcPolicy.ts decides which packets get one). `probe`: this packet is a probe of `to` this node
   * started - round robin or verifying a suspicion - counted as one; never
   * set on a ping relayed for someone else, nor on the repeat of a probe's
   * direct ping at its timeout.
   */
  | {
    readonly _tag: "SendPacket"
    readonly to: Address
    readonly messages: ReadonlyArray<PacketMessage>
    readonly crc: boolean
    readonly probe: boolean
  }
  /** Ping `to` over a stream (TCP fallback); feed any Ack back as `Received` via "stream". */
  | { readonly _tag: "StreamPing"; readonly to: Address; readonly ping: PacketMessage; readonly deadline: number }
  /** Open a push/pull with `to`, sending `states`; answer with PushPullResponse or PushPullFailed and `token`. */
  | {
    readonly _tag: "PushPullStart"
    readonly to: Address
    readonly join: boolean
    readonly states: ReadonlyArray<PushNodeState>
    readonly token: number
  }
  /** Answer on the stream `replyTo` with these messages. */
  | { readonly _tag: "StreamReply"; readonly replyTo: number; readonly messages: ReadonlyArray<PacketMessage> }
  /** Answer the push/pull request `replyTo` with these states. */
  | { readonly _tag: "PushPullReply"; readonly replyTo: number; readonly states: ReadonlyArray<PushNodeState> }
  /** Fire `timer` at virtual/real time `at` (ms). */
  | { readonly _tag: "SetTimer"; readonly at: number; readonly timer: Timer }
  /** Publish a membership event. */
  | { readonly _tag: "Event"; readonly event: MembershipEvent }
  /**
   * Deliver application bytes that arrived in a user message; `origin` names
   * the member that broadcast it (undefined for a direct message), `sender`
   * the member that sent it to us, when known (see `sender.ts`).
   */
  | {
    readonly _tag: "UserMessage"
    readonly from: Address
    readonly payload: Uint8Array
    readonly origin: string | undefined
    readonly sender: string | undefined
  }
  /**
   * A join finished: how many seeds answered with states we could merge, and
   * how many failed, refused as incompatible, or had not answered by the deadline.
   */
  | { readonly _tag: "JoinCompleted"; readonly contacted: number; readonly failed: number }
  /** The leave announcement has been sent as often as an update is (or there was no one to tell). */
  | { readonly _tag: "LeaveCompleted" }
  /**
   * Ask discovery for addresses; answer with a `Discovered` input (empty on
   * failure). No other goes out until it is answered, or for four ticks.
   */
  | { readonly _tag: "Discover"; readonly reason: "alone" | "periodic" }
  /**
   * Hand a push/pull's application state to the application (memberlist's
   * `MergeRemoteState`): only non-empty state, only from a push/pull whose
   * membership was merged, after it was.
   */
  | { readonly _tag: "MergeAppState"; readonly state: Uint8Array; readonly join: boolean }
  /** An input was ignored; the shell counts and logs it. */
  | {
    readonly _tag: "Dropped"
    readonly reason: DropReason
    readonly detail: string
    /** How many inputs this one report stands for (default 1): a flood is reported once per step. */
    readonly count?: number | undefined
  }
  /** A fact for telemetry (see observation.ts); nothing to perform. */
  | { readonly _tag: "Observed"; readonly observation: Observation }

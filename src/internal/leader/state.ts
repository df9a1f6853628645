/**
 * One member's election state and the context every handler works in.
 * Mutated in place by `step`, owned by one caller at a time.
 *
 * @internal
 */
import { makeRng, type Rng } from "../swim/random.js"
import type { ElectionConfig } from "./config.js"
import type { ElectionOutput } from "./io.js"

/** A member's part in the election of its current term. */
export type Role = "follower" | "precandidate" | "candidate" | "leader"

/** The round a (pre)candidate runs: the quorum it needs and who granted. */
export interface Round {
  /** Members it saw alive when the round began, itself included. */
  readonly size: number
  readonly granted: Set<string>
}

/** Everything one member's election machine knows. */
export interface ElectionState {
  readonly self: string
  readonly config: ElectionConfig
  readonly rng: Rng
  started: boolean
  term: number
  /** Whom this member voted for in `term`, if anyone: one vote per term. */
  votedFor: string | undefined
  role: Role
  /** The leader of `term` this member follows; undefined when it has none (or lost it). */
  leader: string | undefined
  /** When a leader (of this term) was last heard; -Infinity when none since the term began. */
  leaderHeardAt: number
  /** Members seen alive and taking part, this one included while it takes part. */
  view: Set<string>
  round: Round | undefined
  /** When this member asks for an election unless a leader is heard first. */
  electionAt: number
  /** The one election timer in flight: its token, and when it fires (Infinity: none). */
  electionToken: number
  electionTimerAt: number
  heartbeatToken: number
  /** The leader and term last announced, so only changes go out. */
  announcedLeader: string | undefined
  announcedTerm: number
}

/** The context of one step. */
export interface Step {
  readonly state: ElectionState
  readonly now: number
  readonly out: Array<ElectionOutput>
}

/** A follower in term 0 that knows no one, before `Start`. */
export const make = (self: string, config: ElectionConfig, seed: number): ElectionState => ({
  self,
  config,
  rng: makeRng(seed),
  started: false,
  term: 0,
  votedFor: undefined,
  role: "follower",
  leader: undefined,
  leaderHeardAt: -Infinity,
  view: new Set([self]),
  round: undefined,
  electionAt: Infinity,
  electionToken: 0,
  electionTimerAt: Infinity,
  heartbeatToken: 0,
  announcedLeader: undefined,
  announcedTerm: 0
})

/** The leader this member would name now: itself when it leads, the one it follows, or none. */
export const currentLeader = (state: ElectionState): string | undefined =>
  state.role === "leader" ? state.self : state.role === "follower" ? state.leader : undefined

/** Whether this member takes part: it sees itself in its own view. */
export const participates = (state: ElectionState): boolean => state.view.has(state.self)

/** The votes a round among `size` members needs: a strict majority. */
export const quorum = (size: number): number => Math.floor(size / 2) + 1

/**
 * Who is believed about a member nobody here knows yet.
 *
 * Without a key, anyone who can send us a packet can claim that members
 * exist. A name learned from someone else's word (gossip, a push/pull a
 * stranger opened) is therefore not a member at once: it waits in a bounded
 * table of candidates until it answers a ping of ours by name, and only
 * then joins the member table, the events and the probe order. A member
 * that speaks for itself - its own alive from its own address, its entry in
 * a push/pull with it - or that a peer we chose to ask vouches for (the
 * answer to our own push/pull, as on join) is admitted at once, so joins
 * stay fast. Every door has a budget per source and per probe interval;
 * when one bites, the claim is dropped and counted (`Unconfirmed`).
 *
 * @internal
 */
import type { Address, Alive } from "./messages.js"
import { formatAddress, sameAddress } from "./messages.js"
import { catchUpAfterTurningAway } from "./catchUp.js"
import type { Step } from "./state.js"

/**
 * Where a claim about a member came from:
 * - `self`: this node's own start;
 * - `own`: the member speaking for itself (a packet from its own address);
 * - `answer`: the answer to a push/pull this node started, with a peer it chose;
 * - `confirmed`: a candidate that answered our ping by name;
 * - `request`: a push/pull a peer opened with us;
 * - `relayed`: gossip passed on by another member.
 */
export type Origin = "self" | "own" | "answer" | "confirmed" | "request" | "relayed"

/** A name heard of on someone else's word, waiting to answer our ping. */
export interface Candidate {
  readonly alive: Alive
  readonly seqNo: number
  readonly since: number
  /** When we last pinged it: a later claim may ping it again once a probe timeout has passed (admission.ts). */
  readonly pingedAt: number
}

/** The candidates and the budgets of each source. */
export interface Admission {
  readonly candidates: Map<string, Candidate>
  /** seqNo of the ping sent to a candidate -> its name. */
  readonly pings: Map<number, string>
  /** Per source: when its budget period began, and how much of it is used. */
  readonly budgets: Map<string, { since: number; used: number }>
  /** Claims turned away in this step, reported once at its end. */
  unreported: number
  /** Claims of unknown members turned away since the start, all steps together (catchUp.ts reads it). */
  turnedAway: number
}

/** Most candidates held at once; beyond it, new names are dropped until some answer or expire. */
export const maxCandidates = 256
/** Most sources whose budgets are tracked; the oldest is forgotten beyond it. */
export const maxBudgetSources = 1024
/** New names one relaying source may make candidates per probe interval. */
export const relayedPerSource = 32
/** New names a peer's push/pull request may admit per probe interval (from one host). */
export const requestedPerSource = 64
/** Members speaking for themselves admitted at once per probe interval, all sources together (sources can be forged). */
export const ownPerInterval = 256
/** A candidate that has not answered within this many probe intervals is forgotten. */
export const candidateLifetime = 3

/** An empty admission table. */
export const makeAdmission = (): Admission => ({
  candidates: new Map(),
  pings: new Map(),
  budgets: new Map(),
  unreported: 0,
  turnedAway: 0
})

/** A claim that was not taken at its word: counted (the shell's drop metric, reason `Unconfirmed`) and logged. */
export const reportUnconfirmed = (step: Step, detail: string, count = 1): void => {
  step.out.push({ _tag: "Dropped", reason: "Unconfirmed", detail, count })
}

/** Reports, once, the claims turned away during this step. */
export const flushUnconfirmed = (step: Step): void => {
  const admission = step.state.admission
  if (admission.unreported === 0) return
  admission.turnedAway += admission.unreported
  catchUpAfterTurningAway(step)
  reportUnconfirmed(step, `${admission.unreported} claims of unknown members over budget or table`, admission.unreported)
  admission.unreported = 0
}

/** Spends one unit of `key`'s budget of `limit` per probe interval; false when it is spent. */
export const spend = (step: Step, key: string, limit: number): boolean => {
  const { state, now } = step
  const budgets = state.admission.budgets
  let budget = budgets.get(key)
  if (budget === undefined || now - budget.since >= state.config.probeInterval) {
    budgets.delete(key)
    if (budgets.size >= maxBudgetSources) {
      const oldest = budgets.keys().next()
      if (oldest.done !== true) budgets.delete(oldest.value)
    }
    budget = { since: now, used: 0 }
    budgets.set(key, budget)
  }
  if (budget.used >= limit) return false
  budget.used++
  return true
}

/** The one budget every member speaking for itself shares (made once: each greeting of a join asks for it). */
const ownBudget = { key: "own", limit: ownPerInterval } as const

/** The budget a claim about an unknown member spends, or undefined when it needs none. */
export const budgetOf = (origin: Origin, source: Address | undefined): { readonly key: string; readonly limit: number } | undefined => {
  switch (origin) {
    case "self":
    case "answer":
    case "confirmed":
      return undefined
    case "own":
      return ownBudget
    case "request":
      return { key: `request ${source?.host ?? ""}`, limit: requestedPerSource }
    case "relayed":
      return { key: `relayed ${source === undefined ? "" : formatAddress(source)}`, limit: relayedPerSource }
  }
}

/**
 * Which door an entry of a push/pull goes through. An entry at the peer's
 * own address is the peer speaking for itself. A push/pull request arrives
 * on a stream the peer dialled, whose port is an ephemeral one, never the
 * peer's member port, so there the peer's host decides: TCP's handshake
 * proves the host, and any process on that host could as well claim a
 * name at one of its ports by a datagram from that port (the `own` door).
 * The shell and the simulator pass the stream's remote address as they
 * have it; this rule makes both admit the requester the same way.
 */
export const pushPullEntryOrigin = (entry: Address, origin: "answer" | "request", peer: Address): Origin =>
  (origin === "request" ? entry.host === peer.host : sameAddress(entry, peer)) ? "own" : origin

/**
 * Incarnation numbers that cannot be exhausted.
 *
 * An incarnation is a uint32 on the wire. memberlist compares them as plain
 * integers and lets a refutation overflow to 0, so one forged accusation at
 * 2^32-1 leaves its victim nothing to refute with. Two rules fix that here:
 *
 * - **Serial-number order** (RFC 1982, 32 bits): `a` is newer than `b` when
 *   `(a - b) mod 2^32` lies in (0, 2^31); at exactly 2^31 the larger value
 *   wins. One above anything is always newer, so a refutation always wins,
 *   even past 2^32-1 (it wraps to 0). For honest clusters, whose members'
 *   incarnations never lie 2^31 apart, this is the same order as memberlist's.
 * - **A window**: a claim about another member at an incarnation more than
 *   `incarnationWindow` above what we hold for it is not believed on someone
 *   else's word. An accusation that far ahead is taken at the incarnation we
 *   know, so it becomes a suspicion our own probes check and the member
 *   refutes in the ordinary way; an alive that far ahead is believed only
 *   from the member itself.
 *
 * @internal
 */
import type { CoreConfig } from "./config.js"

const modulus = 2 ** 32
const half = 2 ** 31

/** How far above the known incarnation a claim may jump on another member's word (default). */
export const defaultIncarnationWindow = 1024

/** The window of `config`: `incarnationWindow`, or the default. */
export const incarnationWindow = (config: Pick<CoreConfig, "incarnationWindow">): number =>
  config.incarnationWindow ?? defaultIncarnationWindow

/**
 * `(a - b) mod 2^32`. Both uint32 (always, once validated) takes integer
 * arithmetic; `%` on numbers this large is a floating-point remainder, and
 * this runs for every alive a simulated join storm delivers.
 */
const distance = (a: number, b: number): number =>
  (a >>> 0) === a && (b >>> 0) === b ? (a - b) >>> 0 : (((a - b) % modulus) + modulus) % modulus

/** Whether incarnation `a` is newer than `b` in serial-number order. */
export const isNewer = (a: number, b: number): boolean => {
  const d = distance(a, b)
  return d !== 0 && (d < half || (d === half && a > b))
}

/** Whether incarnation `a` is older than `b` in serial-number order. */
export const isOlder = (a: number, b: number): boolean => isNewer(b, a)

/** The incarnation after `a`: wraps from 2^32-1 to 0, which is newer. */
export const nextIncarnation = (a: number): number => (a + 1) % modulus

/** An incarnation newer than both `a` and `b`: what a refutation of an accusation at `b` takes. */
export const above = (a: number, b: number): number => nextIncarnation(isNewer(b, a) ? b : a)

/** Whether `claimed` is newer than `known` by more than `window`: not to be taken on someone else's word. */
export const beyondWindow = (claimed: number, known: number, window: number): boolean =>
  isNewer(claimed, known) && distance(claimed, known) > window

/**
 * The incarnation a node starts at: the clock's seconds (at least 1), so a
 * node that restarts comes back above every incarnation it held before -
 * unless it refuted more than once a second on average - and a capture of
 * an old accusation about it, replayed after the restart, is stale instead
 * of news. (Its peers forget a dead member after `gossipToTheDeadTime`;
 * restarting at 1, as memberlist does, made such a replay win again.)
 * Serial-number order keeps this right across the wrap in 2106.
 */
export const startIncarnation = (now: number): number => Math.max(1, Math.floor(now / 1000) % modulus)

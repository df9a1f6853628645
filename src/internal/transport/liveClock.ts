/**
 * Whether a clock is Effect's own: then its time is the process's, and a
 * deadline can be a plain Node timer, which costs no fiber; on any other clock
 * (`TestClock`, a test's virtual clock) a deadline must sleep on that clock.
 *
 * @internal
 */
import { Clock } from "effect"

const LiveClock = Clock.make().constructor

/** True for Effect's default clock. */
export const isLive = (clock: Clock.Clock): boolean => clock.constructor === LiveClock

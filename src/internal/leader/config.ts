/**
 * The election's timings. A follower that hears no heartbeat for an
 * election timeout (drawn anew, uniformly in [min, max), each time it
 * hears one) asks for an election; the spread keeps two members from
 * asking at once. The leader heartbeats every `heartbeatInterval`, which
 * must leave room for a few heartbeats, some of them lost, within the
 * shortest timeout.
 *
 * @internal
 */

/** Timings of one member's election machine, in ms. */
export interface ElectionConfig {
  /** How often the leader tells every member it still leads. */
  readonly heartbeatInterval: number
  /** The shortest silence from the leader after which a member asks for an election. */
  readonly electionTimeoutMin: number
  /** The longest such silence (exclusive). */
  readonly electionTimeoutMax: number
}

/** Defaults for a LAN: a heartbeat a second, an election after 3 to 6 silent seconds. */
export const defaultElectionConfig: ElectionConfig = {
  heartbeatInterval: 1000,
  electionTimeoutMin: 3000,
  electionTimeoutMax: 6000
}

/** The fewest heartbeats that must fit in the shortest election timeout, so one lost heartbeat starts nothing. */
export const minHeartbeatsPerTimeout = 2

/** Why `config` cannot run, or undefined. */
export const invalidElectionConfig = (config: ElectionConfig): string | undefined => {
  const { electionTimeoutMax: max, electionTimeoutMin: min, heartbeatInterval } = config
  for (const [name, value] of Object.entries(config)) {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) return `${name} must be a positive number of ms`
  }
  if (max <= min) return "electionTimeoutMax must be above electionTimeoutMin"
  if (heartbeatInterval * minHeartbeatsPerTimeout > min) {
    return `electionTimeoutMin must hold at least ${minHeartbeatsPerTimeout} heartbeat intervals`
  }
  return undefined
}

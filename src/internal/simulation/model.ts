/**
 * The simulated network's model: latency, uniform loss, how long a stream
 * to an unreachable peer takes to fail, and optional cuts and per-link
 * latency.
 *
 * @internal
 */
import { nextFloat, type Rng } from "../swim/random.js"

/** How the simulated network behaves. */
export interface NetworkModel {
  /** One-way latency of a packet or stream message, in ms; drawn per message. */
  readonly latency: (rng: Rng) => number
  /** Probability that a UDP packet is lost, in [0, 1]. */
  readonly loss: number
  /** How long a stream exchange with an unreachable peer takes to fail, in ms. */
  readonly streamTimeout: number
  /** Whether traffic from one node to another is cut (a partition); undefined means never. */
  readonly blocked?: ((from: string, to: string) => boolean) | undefined
  /** A fixed extra latency per directed link (by node index), added to every draw. */
  readonly linkLatency?: ((from: number, to: number) => number) | undefined
}

/** A 1-2 ms LAN without loss. */
export const lanNetwork: NetworkModel = {
  latency: (rng) => 1 + nextFloat(rng),
  loss: 0,
  streamTimeout: 1000
}

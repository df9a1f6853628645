/**
 * effect-memberlist: cluster membership and failure detection for Effect
 * (SWIM + Lifeguard), wire-compatible with HashiCorp memberlist.
 *
 * @since 0.1.0
 */

/**
 * The member service: who is in the cluster, events, typed messages.
 *
 * @since 0.1.0
 */
export * as Memberlist from "./Memberlist.js"

/**
 * Configuration: presets, options, environment variables.
 *
 * @since 0.1.0
 */
export * as SwimConfig from "./SwimConfig.js"

/**
 * Where seeds come from: a static list or DNS.
 *
 * @since 0.1.0
 */
export * as Discovery from "./Discovery.js"

/**
 * How members reach each other: UDP + TCP, or in memory.
 *
 * @since 0.1.0
 */
export * as Transport from "./Transport.js"

/**
 * Encryption keys.
 *
 * @since 0.1.0
 */
export * as Keyring from "./Keyring.js"

/**
 * Many members on a simulated network, on virtual time, reproducible from a seed.
 *
 * @since 0.1.0
 */
export * as Simulator from "./Simulator.js"

/**
 * A member's cluster view over HTTP: live page, members, Prometheus metrics, health.
 *
 * @since 0.1.0
 */
export * as HttpView from "./HttpView.js"

/**
 * Leader election over the membership: who leads, in which term.
 *
 * @since 0.1.0
 */
export * as Leader from "./Leader.js"

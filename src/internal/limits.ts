/**
 * memberlist's protocol limits that more than one layer enforces: the core
 * when it accepts configuration and messages, the codec when it reads bytes,
 * the public API when a user hands it data.
 *
 * Dependency-free on purpose: the core (`internal/swim`) must not import I/O
 * or wire modules, and every layer can import this one.
 *
 * @internal
 */

/**
 * memberlist's MetaMaxSize: the most metadata bytes a member may carry. A
 * memberlist sender refuses more, so more on the wire is an attack or a bug.
 */
export const META_MAX_SIZE = 512

/**
 * The default bound on application state exchanged in a push/pull (both the
 * state this member sends and the state it hands to the application). Go
 * memberlist sets none; its codec accepts what fits a stream frame.
 */
export const APP_STATE_MAX_SIZE = 1024 * 1024

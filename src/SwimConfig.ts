/**
 * Configuration of a member: who it is, where it binds, and how the SWIM
 * protocol is timed. Presets mirror HashiCorp memberlist's (`lan`, `wan`,
 * `local`); every field can be overridden in code or from the environment.
 *
 * @since 0.1.0
 */
import { Config, Context, Duration, Effect, Layer, Redacted } from "effect"
import type { ConfigError } from "effect/ConfigError"
import { envProvider, envVariable } from "./internal/config/env.js"
import * as internal from "./internal/config/swimConfig.js"

/**
 * The settings of one member.
 *
 * @since 0.1.0
 * @category models
 */
export interface SwimConfigShape {
  /** Unique name of this member in the cluster. */
  readonly name: string
  /** Address to bind UDP and TCP to (an IP literal, `0.0.0.0` or `::` for all). */
  readonly bindHost: string
  /** Port to bind UDP and TCP to; 0 picks a free one. */
  readonly bindPort: number
  /** Address other members should use, when it differs from the bind address (NAT, containers). */
  readonly advertiseHost: string | undefined
  /** Port other members should use, when it differs from the bound port. */
  readonly advertisePort: number | undefined
  /** Time between probes while healthy. */
  readonly probeInterval: Duration.Duration
  /** How long to wait for a direct ack before asking others to probe. */
  readonly probeTimeout: Duration.Duration
  /** How many members are asked to probe indirectly. */
  readonly indirectChecks: number
  /** Also try a TCP ping when UDP probes fail (for peers speaking protocol 3+). */
  readonly tcpPingFallback: boolean
  /**
   * Probe on a schedule every member shares, so each member is probed once per probe interval
   * (docs/detection.md); false: memberlist's shuffled round robin. Default true.
   */
  readonly alignedProbing: boolean
  /**
   * Ping each suspect on its own every third of the min suspicion timeout, so a live suspect's
   * refutation reaches this member before its timeout (docs/detection.md, "What detection traffic
   * buys"); false: only the round robin probes a suspect, as memberlist does. Default true.
   */
  readonly verifySuspects: boolean
  /**
   * Send the direct ping once more when the probe timeout passes without an ack, besides the
   * indirect pings (docs/detection.md, "What detection traffic buys"); false: memberlist's
   * indirect pings only. Default true.
   */
  readonly repeatDirectPing: boolean
  /** Suspicion timeout multiplier. */
  readonly suspicionMult: number
  /** Upper bound of the suspicion timeout, as a multiple of its lower bound. */
  readonly suspicionMaxTimeoutMult: number
  /** Retransmission multiplier for gossiped updates (memberlist's count: mult x ceil(log10(n + 1))). */
  readonly retransmitMult: number
  /** Send each update at least ln(100 n) times so every member hears it (false: memberlist's count only). */
  readonly coverageFloor: boolean
  /** Time between gossip rounds. */
  readonly gossipInterval: Duration.Duration
  /** Members gossiped to per round. */
  readonly gossipNodes: number
  /** How long dead members keep receiving gossip. */
  readonly gossipToTheDeadTime: Duration.Duration
  /** Time between periodic full-state exchanges (0 disables them). */
  readonly pushPullInterval: Duration.Duration
  /** Lifeguard: the most local health can slow probing down. */
  readonly awarenessMaxMultiplier: number
  /**
   * After this long dead, a claim of the member's name from a new address is
   * considered at any incarnation, as memberlist's reclaim (0: only above the
   * dead member's). Either way the name moves only once the old address stays
   * silent for a probe and the new one answers (docs/address-change.md).
   */
  readonly deadNodeReclaimTime: Duration.Duration
  /**
   * How far above the incarnation this member holds for another a claim
   * about it may jump on a third member's word (default 1024): an accusation
   * beyond it is only a suspicion at the known incarnation, an alive beyond
   * it is believed from the member itself only (see docs/security.md).
   */
  readonly incarnationWindow: number
  /** Largest UDP packet we send, in bytes. */
  readonly udpBufferSize: number
  /** Share of each packet's spare room reserved for user broadcasts. */
  readonly userBroadcastShare: number
  /** Timeout of TCP exchanges (push/pull, reliable messages). */
  readonly tcpTimeout: Duration.Duration
  /** memberlist protocol version to speak (1-5). */
  readonly protocolVersion: number
  /** Cluster label: packets and streams carry it and others are rejected. Empty for none. */
  readonly label: string
  /**
   * Encryption keys (16, 24 or 32 bytes); the first encrypts, all decrypt.
   * Empty for plaintext. `Redacted`, so printing, inspecting or logging a
   * configuration never shows key bytes. They are the member's keyring when
   * it starts; a running member changes it through `Memberlist.keyring`.
   */
  readonly secretKeys: ReadonlyArray<Redacted.Redacted<Uint8Array>>
  /** Compress packets with LZW when it makes them smaller. */
  readonly compression: boolean
  /**
   * Which packets carry memberlist's 5-byte CRC frame, to peers that read it
   * (protocol 5). `"withState"` (default): packets with membership claims,
   * user data or an ack payload; bare pings and acks go without, as
   * memberlist sends them, since a corrupted one costs no more than a lost
   * one. `"always"`: every packet. `"never"`: none (integrity guaranteed
   * below, e.g. by a VPN). Encrypted packets never carry it: AES-GCM already
   * authenticates every byte. See docs/wire-bytes.md.
   */
  readonly packetCrc: "withState" | "always" | "never"
}

/**
 * The configuration service.
 *
 * @since 0.1.0
 * @category tags
 */
export class SwimConfig extends Context.Tag("effect-memberlist/SwimConfig")<SwimConfig, SwimConfigShape>() {}

/**
 * What a preset takes: the member's name and any field to override. Secret
 * keys may be given as raw bytes; the preset wraps them in `Redacted`, so the
 * configuration it returns holds no printable key.
 *
 * @since 0.1.0
 * @category models
 */
export type PresetOptions =
  & { readonly name: string }
  & Partial<Omit<SwimConfigShape, "secretKeys">>
  & { readonly secretKeys?: ReadonlyArray<Redacted.Redacted<Uint8Array> | Uint8Array> }

const fromPreset = (base: Omit<SwimConfigShape, "name">, options: PresetOptions): SwimConfigShape => {
  const { secretKeys, ...rest } = options
  return {
    ...base,
    ...rest,
    ...(secretKeys === undefined ? {} : {
      secretKeys: secretKeys.map((key) => (Redacted.isRedacted(key) ? key : Redacted.make(key)))
    })
  }
}

/**
 * memberlist's LAN defaults (1 s probes, 500 ms probe timeout), for the given name.
 *
 * @since 0.1.0
 * @category presets
 */
export const lan = (options: PresetOptions): SwimConfigShape => fromPreset(internal.lan, options)

/**
 * memberlist's WAN defaults (5 s probes, 3 s probe timeout), for the given name.
 *
 * @since 0.1.0
 * @category presets
 */
export const wan = (options: PresetOptions): SwimConfigShape => fromPreset(internal.wan, options)

/**
 * memberlist's local defaults (a single host or a very fast network), bound to 127.0.0.1.
 *
 * @since 0.1.0
 * @category presets
 */
export const local = (options: PresetOptions): SwimConfigShape => fromPreset(internal.local, options)

/**
 * The presets by name.
 *
 * @since 0.1.0
 * @category presets
 */
export const presets = { lan, wan, local } as const

/**
 * Checks a configuration; the error names the first bad field.
 *
 * @since 0.1.0
 * @category validation
 */
export const validate: (config: SwimConfigShape) => Effect.Effect<SwimConfigShape, internal.SwimConfigError> =
  internal.validate

/**
 * The error for an invalid configuration: `field` names the setting (or the
 * environment variable), `reason` is `InvalidValue` or `Missing`.
 *
 * @since 0.1.0
 * @category errors
 */
export const SwimConfigError: typeof internal.SwimConfigError = internal.SwimConfigError

/**
 * @since 0.1.0
 * @category errors
 */
export type SwimConfigError = internal.SwimConfigError

/**
 * A layer from a configuration value, validated before anything binds.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (config: SwimConfigShape): Layer.Layer<SwimConfig, internal.SwimConfigError> =>
  Layer.effect(SwimConfig, validate(config))

/**
 * The configuration read from Effect `Config`: `preset` picks the defaults
 * (`lan` when absent), then every field may be overridden by its own key
 * (`name`, `bindAddress`, `bindPort`, `probeInterval`, ...). Durations take
 * Effect's forms, such as `"500 millis"` or `"2 seconds"`.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<SwimConfigShape> = internal.config

/**
 * A layer from `config` with a custom provider path, for instance
 * `layerConfig(Config.nested(SwimConfig.config, "cluster"))`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  source: Config.Config<SwimConfigShape> = config
): Layer.Layer<SwimConfig, ConfigError | internal.SwimConfigError> =>
  Layer.effect(SwimConfig, Effect.flatMap(source, validate))

/**
 * A layer from environment variables under a prefix (default `SWIM`):
 * `SWIM_NAME`, `SWIM_PRESET`, `SWIM_BIND_ADDRESS`, `SWIM_BIND_PORT`,
 * `SWIM_ADVERTISE_ADDRESS`, `SWIM_ADVERTISE_PORT`, `SWIM_PROBE_INTERVAL`,
 * `SWIM_PROBE_TIMEOUT`, `SWIM_SECRET_KEYS` (comma-separated base64, read as
 * `Config.redacted`),
 * `SWIM_LABEL`, ... An invalid value fails with a `ConfigError` naming the
 * variable (`SwimConfigError` with `field: "SWIM_BIND_PORT"`), before
 * anything binds.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromEnv = (prefix = "swim"): Layer.Layer<SwimConfig, internal.SwimConfigError> =>
  Layer.effect(SwimConfig, fromEnv(prefix))

/**
 * The configuration `layerFromEnv` provides, as an effect: read from the
 * environment variables under `prefix` and validated, for
 * `Memberlist.layerNode`'s `config`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromEnv = (prefix = "swim"): Effect.Effect<SwimConfigShape, internal.SwimConfigError> =>
  Effect.flatMap(Config.nested(config, prefix), validate).pipe(
    Effect.withConfigProvider(envProvider()),
    Effect.mapError(internal.toEnvError(prefix))
  )

/**
 * The environment variable `layerFromEnv` reads a setting from: the path's
 * segments in constant case, joined with `_` (`["swim", "probeInterval"]`
 * is `SWIM_PROBE_INTERVAL`). Tools that layer their own options over the
 * environment use it to name the variable they read or override.
 *
 * @since 0.1.0
 * @category environment
 */
export const environmentVariable: (path: ReadonlyArray<string>) => string = envVariable

/**
 * Presets, validation and the `Config` description behind `SwimConfig`.
 *
 * @internal
 */
import { Config, ConfigError, Data, Duration, Effect, Either, Redacted } from "effect"
import { isIP } from "node:net"
import type { SwimConfigShape } from "../../SwimConfig.js"
import { envVariable, firstLeaf } from "./env.js"
import { lanTimings, localTimings, type Timings, wanTimings } from "../swim/config.js"
import { defaultIncarnationWindow } from "../swim/incarnation.js"
import { maxNameLength } from "../swim/state.js"
import { crcPolicies } from "../wire/crcPolicy.js"
import { decodeBase64Key, validateKey } from "../wire/keyring.js"
import { encodeLabel } from "../wire/label.js"

/** Why a configuration was refused: `field` names the setting (or the environment variable). */
export class SwimConfigError extends Data.TaggedError("SwimConfigError")<{
  readonly reason: "InvalidValue" | "Missing"
  readonly field: string
  readonly message: string
}> {}

/** A `ConfigError` (or a validation error) restated with the environment variable to fix. */
export const toEnvError = (prefix: string) => (error: ConfigError.ConfigError | SwimConfigError): SwimConfigError => {
  if (error._tag === "SwimConfigError") {
    const key = error.field === "bindHost" ? "bindAddress" : error.field === "advertiseHost" ? "advertiseAddress" : error.field
    const variable = envVariable([prefix, key])
    return new SwimConfigError({ reason: error.reason, field: variable, message: `${variable}: ${error.message}` })
  }
  const leaf = firstLeaf(error)
  const path = "path" in leaf ? leaf.path : []
  const variable = envVariable(path.length > 0 && path[0]?.toLowerCase() === prefix.toLowerCase() ? path : [prefix, ...path])
  return new SwimConfigError({
    reason: leaf._op === "MissingData" ? "Missing" : "InvalidValue",
    field: variable,
    message: `${variable}: ${leaf.message}`
  })
}

const fromTimings = (t: Timings, tcpTimeout: number, bindHost: string): Omit<SwimConfigShape, "name"> => ({
  bindHost,
  bindPort: 7946,
  advertiseHost: undefined,
  advertisePort: undefined,
  probeInterval: Duration.millis(t.probeInterval),
  probeTimeout: Duration.millis(t.probeTimeout),
  indirectChecks: t.indirectChecks,
  tcpPingFallback: t.tcpPingFallback,
  alignedProbing: t.alignedProbing,
  verifySuspects: t.verifySuspects,
  repeatDirectPing: t.repeatDirectPing,
  suspicionMult: t.suspicionMult,
  suspicionMaxTimeoutMult: t.suspicionMaxTimeoutMult,
  retransmitMult: t.retransmitMult,
  coverageFloor: t.coverageFloor,
  gossipInterval: Duration.millis(t.gossipInterval),
  gossipNodes: t.gossipNodes,
  gossipToTheDeadTime: Duration.millis(t.gossipToTheDeadTime),
  pushPullInterval: Duration.millis(t.pushPullInterval),
  awarenessMaxMultiplier: t.awarenessMaxMultiplier,
  deadNodeReclaimTime: Duration.millis(t.deadNodeReclaimTime),
  incarnationWindow: t.incarnationWindow ?? defaultIncarnationWindow,
  udpBufferSize: t.packetBudget,
  userBroadcastShare: t.userBroadcastShare,
  tcpTimeout: Duration.millis(tcpTimeout),
  protocolVersion: 2,
  label: "",
  secretKeys: [],
  compression: false,
  packetCrc: "withState"
})

/** memberlist's DefaultLANConfig. */
export const lan = fromTimings(lanTimings, 10_000, "0.0.0.0")
/** memberlist's DefaultWANConfig. */
export const wan = fromTimings(wanTimings, 30_000, "0.0.0.0")
/** memberlist's DefaultLocalConfig, on loopback. */
export const local = fromTimings(localTimings, 1_000, "127.0.0.1")

const fail = (field: string, message: string) =>
  Effect.fail(new SwimConfigError({ reason: "InvalidValue", field, message }))

const positiveInt = (n: number) => Number.isInteger(n) && n > 0
const ms = (d: Duration.Duration) => Duration.toMillis(d)

/** Checks every field; fails on the first bad one, naming it. */
export const validate = (c: SwimConfigShape): Effect.Effect<SwimConfigShape, SwimConfigError> => {
  if (typeof c.name !== "string" || c.name.length === 0 || c.name.length > maxNameLength) {
    return fail("name", `must be 1 to ${maxNameLength} characters`)
  }
  if (isIP(c.bindHost) === 0) return fail("bindHost", `"${c.bindHost}" is not an IP address`)
  if (!Number.isInteger(c.bindPort) || c.bindPort < 0 || c.bindPort > 65535) return fail("bindPort", "must be 0 to 65535")
  if (c.advertiseHost !== undefined && isIP(c.advertiseHost) === 0) return fail("advertiseHost", `"${c.advertiseHost}" is not an IP address`)
  if (c.advertisePort !== undefined && (!Number.isInteger(c.advertisePort) || c.advertisePort < 1 || c.advertisePort > 65535)) {
    return fail("advertisePort", "must be 1 to 65535")
  }
  for (const field of ["probeInterval", "probeTimeout", "gossipInterval", "tcpTimeout"] as const) {
    if (!(ms(c[field]) > 0) || !Duration.isFinite(c[field])) return fail(field, "must be a positive, finite duration")
  }
  for (const field of ["gossipToTheDeadTime", "pushPullInterval", "deadNodeReclaimTime"] as const) {
    if (!(ms(c[field]) >= 0) || !Duration.isFinite(c[field])) return fail(field, "must be a finite duration")
  }
  // Untyped callers (JSON, JavaScript) could pass "false", which a truthiness test would read as on.
  for (
    const field of [
      "tcpPingFallback",
      "alignedProbing",
      "verifySuspects",
      "repeatDirectPing",
      "coverageFloor",
      "compression"
    ] as const
  ) {
    if (typeof c[field] !== "boolean") return fail(field, "must be true or false")
  }
  if (ms(c.probeTimeout) >= ms(c.probeInterval)) return fail("probeTimeout", "must be shorter than probeInterval")
  for (const field of ["suspicionMult", "suspicionMaxTimeoutMult", "retransmitMult", "awarenessMaxMultiplier"] as const) {
    if (!positiveInt(c[field])) return fail(field, "must be a positive integer")
  }
  if (!positiveInt(c.incarnationWindow) || c.incarnationWindow >= 2 ** 31) {
    return fail("incarnationWindow", "must be a positive integer below 2^31")
  }
  for (const field of ["indirectChecks", "gossipNodes"] as const) {
    if (!Number.isInteger(c[field]) || c[field] < 0 || c[field] > 64) return fail(field, "must be 0 to 64")
  }
  if (!Number.isInteger(c.udpBufferSize) || c.udpBufferSize < 512 || c.udpBufferSize > 65_000) {
    return fail("udpBufferSize", "must be 512 to 65000 bytes")
  }
  if (!(c.userBroadcastShare >= 0 && c.userBroadcastShare <= 0.9)) return fail("userBroadcastShare", "must be 0 to 0.9")
  if (!Number.isInteger(c.protocolVersion) || c.protocolVersion < 1 || c.protocolVersion > 5) {
    return fail("protocolVersion", "must be 1 to 5")
  }
  const label = encodeLabel(c.label)
  if (Either.isLeft(label)) return fail("label", label.left.message)
  for (const key of c.secretKeys) {
    // A raw key (from untyped code) would print wherever the configuration does.
    if (!Redacted.isRedacted(key)) return fail("secretKeys", "keys must be Redacted (Redacted.make(bytes))")
    const valid = validateKey(Redacted.value(key))
    if (Either.isLeft(valid)) return fail("secretKeys", valid.left.message)
  }
  if (!crcPolicies.includes(c.packetCrc)) return fail("packetCrc", `must be one of ${crcPolicies.join(", ")}`)
  return Effect.succeed(c)
}

const optional = <A>(c: Config.Config<A>, description: string): Config.Config<A | undefined> =>
  c.pipe(Config.option, Config.map((o) => (o._tag === "Some" ? o.value : undefined)), Config.withDescription(description))

const ipAddress = (key: string) =>
  Config.string(key).pipe(Config.validate({ message: "Expected an IP address", validation: (s) => isIP(s) !== 0 }))

/**
 * Comma-separated base64 keys, read as `Config.redacted` so the text never
 * sits in a printable value; each decoded key is wrapped again at once.
 * Errors say which key is bad, never what it holds.
 */
const secretKeys = (key: string) =>
  // Nested outside the parse, so a parse error's path names the key (`SWIM_SECRET_KEYS`).
  Config.redacted().pipe(
    Config.mapOrFail((raw) => {
      const keys: Array<Redacted.Redacted<Uint8Array>> = []
      // Spaces around the commas are list formatting, not part of a key.
      for (const part of Redacted.value(raw).split(",").map((p) => p.trim()).filter((p) => p.length > 0)) {
        const decoded = decodeBase64Key(part)
        if (Either.isLeft(decoded)) {
          return Either.left(ConfigError.InvalidData([], `secret key ${keys.length + 1}: ${decoded.left.message}`))
        }
        keys.push(Redacted.make(decoded.right))
      }
      return Either.right(keys as ReadonlyArray<Redacted.Redacted<Uint8Array>>)
    }),
    Config.nested(key)
  )

/** Each field's own key; absent keys keep the preset's value. */
const fields = {
  name: optional(Config.string("name"), "Unique name of this member"),
  bindHost: optional(ipAddress("bindAddress"), "IP address to bind UDP and TCP to"),
  bindPort: optional(Config.port("bindPort"), "Port to bind UDP and TCP to"),
  advertiseHost: optional(ipAddress("advertiseAddress"), "IP address other members should use to reach this one"),
  advertisePort: optional(Config.port("advertisePort"), "Port other members should use to reach this one"),
  probeInterval: optional(Config.duration("probeInterval"), "Time between probes"),
  probeTimeout: optional(Config.duration("probeTimeout"), "Direct probe timeout"),
  indirectChecks: optional(Config.integer("indirectChecks"), "Members asked to probe indirectly"),
  tcpPingFallback: optional(Config.boolean("tcpPingFallback"), "Try a TCP ping when UDP probes fail"),
  alignedProbing: optional(Config.boolean("alignedProbing"), "Probe on a schedule all members share"),
  verifySuspects: optional(Config.boolean("verifySuspects"), "Ping each suspect on its own to catch its refutation"),
  repeatDirectPing: optional(Config.boolean("repeatDirectPing"), "Ping directly once more when the probe times out"),
  suspicionMult: optional(Config.integer("suspicionMult"), "Suspicion timeout multiplier"),
  suspicionMaxTimeoutMult: optional(Config.integer("suspicionMaxTimeoutMult"), "Max suspicion timeout multiplier"),
  retransmitMult: optional(Config.integer("retransmitMult"), "Gossip retransmission multiplier"),
  coverageFloor: optional(Config.boolean("coverageFloor"), "Send updates at least ln(100 n) times"),
  gossipInterval: optional(Config.duration("gossipInterval"), "Time between gossip rounds"),
  gossipNodes: optional(Config.integer("gossipNodes"), "Members gossiped to per round"),
  gossipToTheDeadTime: optional(Config.duration("gossipToTheDeadTime"), "How long dead members get gossip"),
  pushPullInterval: optional(Config.duration("pushPullInterval"), "Time between full state exchanges"),
  awarenessMaxMultiplier: optional(Config.integer("awarenessMaxMultiplier"), "Lifeguard max slow-down"),
  deadNodeReclaimTime: optional(Config.duration("deadNodeReclaimTime"), "When a dead member's name may be claimed at any incarnation"),
  incarnationWindow: optional(Config.integer("incarnationWindow"), "How far a claim about a member may jump on another's word"),
  udpBufferSize: optional(Config.integer("udpBufferSize"), "Largest UDP packet, bytes"),
  userBroadcastShare: optional(Config.number("userBroadcastShare"), "Share of packet room reserved for user broadcasts"),
  tcpTimeout: optional(Config.duration("tcpTimeout"), "TCP exchange timeout"),
  protocolVersion: optional(Config.integer("protocolVersion"), "memberlist protocol version to speak"),
  label: optional(Config.string("label"), "Cluster label"),
  secretKeys: optional(secretKeys("secretKeys"), "Comma-separated base64 keys; the first encrypts"),
  compression: optional(Config.boolean("compression"), "LZW-compress packets when smaller"),
  packetCrc: optional(Config.literal(...crcPolicies)("packetCrc"), "Packets with a CRC: withState, always or never")
}

const preset = Config.literal("lan", "wan", "local")("preset").pipe(
  Config.withDefault("lan" as const),
  Config.withDescription("Defaults to start from: lan, wan or local")
)

/** The configuration from Effect Config: a preset, then per-field overrides. `name` is required. */
export const config: Config.Config<SwimConfigShape> = Config.all({ preset, fields: Config.all(fields) }).pipe(
  Config.mapOrFail(({ fields, preset }) => {
    const base: Omit<SwimConfigShape, "name"> = preset === "wan" ? wan : preset === "local" ? local : lan
    if (fields.name === undefined) return Either.left(ConfigError.MissingData(["name"], "a member name is required"))
    const merged: Record<string, unknown> = { ...base }
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) merged[key] = value
    return Either.right(merged as unknown as SwimConfigShape)
  })
)

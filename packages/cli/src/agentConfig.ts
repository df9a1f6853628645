/**
 * The agent's configuration: its command-line options win, the `SWIM_*`
 * environment variables the library reads fill in the rest, and the member's
 * name defaults to the host name.
 *
 * The configuration is read by the library's own `Config` descriptions
 * (`SwimConfig.config`, `Discovery.config`) under the `swim` prefix, from the
 * provider the library's `layerFromEnv` uses (the environment, paths joined
 * with `_`, constant case: `swim.probeInterval` is `SWIM_PROBE_INTERVAL`),
 * with the options layered on top. So the agent accepts exactly the variables
 * and values the library does, and parses none of them itself.
 *
 * Every error names what to fix: the option (`--bind: ...`) when an option set
 * the value, otherwise the environment variable (`SWIM_BIND_PORT: ...`).
 *
 * @internal
 */
import { Config, ConfigProvider, Effect, Either, Option } from "effect"
import type { ConfigError } from "effect"
import * as Discovery from "effect-memberlist/Discovery"
import * as Keyring from "effect-memberlist/Keyring"
import * as SwimConfig from "effect-memberlist/SwimConfig"
import { readFileSync } from "node:fs"
import { parseHostPort } from "./hostPort.js"
import { fromOption, UsageError } from "./usage.js"

/** The agent's configuration options as the command line gave them (all optional: the environment fills in). */
export interface ConfigOptions {
  readonly name: Option.Option<string>
  readonly preset: Option.Option<string>
  readonly bind: Option.Option<string>
  readonly advertise: Option.Option<string>
  readonly label: Option.Option<string>
  readonly key: ReadonlyArray<string>
  readonly keyFile: Option.Option<string>
  readonly join: ReadonlyArray<string>
  readonly dns: Option.Option<string>
  readonly dnsPort: Option.Option<string>
  readonly dnsType: Option.Option<string>
  readonly dnsServer: Option.Option<string>
}

/** What the agent runs with. */
export interface AgentConfig {
  readonly swim: SwimConfig.SwimConfigShape
  readonly discovery: Discovery.DiscoveryShape
}

/** The prefix of the environment variables, as in `SwimConfig.layerFromEnv()` and `Discovery.fromEnv()`. */
const prefix = "swim"

/** The library's config keys an option can set (and SWIM_DNS_TIMEOUT, which only the environment sets). */
type Key =
  | "name"
  | "preset"
  | "bindAddress"
  | "bindPort"
  | "advertiseAddress"
  | "advertisePort"
  | "label"
  | "secretKeys"
  | "join"
  | "dnsName"
  | "dnsPort"
  | "dnsType"
  | "dnsServer"
  | "dnsTimeout"

const keys: ReadonlyArray<Key> = [
  "name",
  "preset",
  "bindAddress",
  "bindPort",
  "advertiseAddress",
  "advertisePort",
  "label",
  "secretKeys",
  "join",
  "dnsName",
  "dnsPort",
  "dnsType",
  "dnsServer",
  "dnsTimeout"
]
const dnsKeys: ReadonlyArray<Key> = ["dnsName", "dnsPort", "dnsType", "dnsServer", "dnsTimeout"]
/** `Discovery.DnsRecordType`'s values, checked here so that a bad `--dns-type` is reported as such. */
const dnsTypes = ["A", "AAAA", "A+AAAA", "SRV"] as const

/** The environment variable the library reads for a config path: ["swim", "bindPort"] is SWIM_BIND_PORT. */
export const envVariable = SwimConfig.environmentVariable

const variableOf = (key: string) => envVariable([prefix, key])

/**
 * The options, sorted into what they set:
 *
 * - `texts`: config text for the library to parse, as if it came from the
 *   environment (`name`, `preset`, `label`, `secretKeys`, `join`, `dns*`);
 * - `patch`: the bind and advertise addresses, set on the configuration after
 *   it is read, because `Config.port` refuses port 0, which `--bind` allows;
 * - `setBy`: which option set each key, for error messages, and so that the
 *   environment variable of that key is not read at all (an option wins even
 *   over a variable that does not parse).
 *
 * Texts are checked here first (host:port, keys, preset, DNS type, port),
 * so that a mistake is reported in the option's own terms.
 */
interface Overrides {
  readonly texts: Map<Key, string>
  readonly patch: Partial<Pick<SwimConfig.SwimConfigShape, "bindHost" | "bindPort" | "advertiseHost" | "advertisePort">>
  readonly setBy: Map<Key, string>
}

const usage = (message: string) => new UsageError({ message })

/** A `--key`: the keyring's strict base64 parser, so a key with junk after it is refused, not truncated. */
const checkKey = (text: string) => fromOption("key", Either.mapLeft(Keyring.keyFromBase64(text), (e) => e.message))

/**
 * The keys of a key file: one base64 key per line, the first encrypts;
 * blank lines and lines starting with `#` are ignored. Errors name the line.
 */
export const parseKeyFile = (path: string, text: string): Either.Either<ReadonlyArray<string>, string> => {
  const keys: Array<string> = []
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim()
    if (line === "" || line.startsWith("#")) continue
    const decoded = Keyring.keyFromBase64(line)
    if (Either.isLeft(decoded)) return Either.left(`${path} line ${i + 1}: ${decoded.left.message}`)
    keys.push(line)
  }
  return keys.length === 0 ? Either.left(`${path} holds no keys`) : Either.right(keys)
}

const readKeyFile = (path: string) =>
  Effect.try({
    try: () => readFileSync(path, "utf8"),
    catch: (error) => usage(`--key-file: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`)
  }).pipe(Effect.flatMap((text) => fromOption("key-file", parseKeyFile(path, text))))

const toOverrides = (o: ConfigOptions): Effect.Effect<Overrides, UsageError> =>
  Effect.gen(function*() {
    const texts = new Map<Key, string>()
    const setBy = new Map<Key, string>()
    const patch: { -readonly [K in keyof Overrides["patch"]]: Overrides["patch"][K] } = {}
    const text = (key: Key, option: string, value: string) => {
      texts.set(key, value)
      setBy.set(key, option)
    }
    if (Option.isSome(o.name)) text("name", "--name", o.name.value)
    if (Option.isSome(o.preset)) {
      const preset = o.preset.value
      const known = Object.keys(SwimConfig.presets)
      if (!known.includes(preset)) return yield* usage(`--preset: unknown preset "${preset}" (use ${known.join(", ")})`)
      text("preset", "--preset", preset)
    }
    if (Option.isSome(o.bind)) {
      const bind = yield* fromOption("bind", parseHostPort(o.bind.value))
      patch.bindHost = bind.host
      patch.bindPort = bind.port
      setBy.set("bindAddress", "--bind").set("bindPort", "--bind")
    }
    if (Option.isSome(o.advertise)) {
      const advertise = yield* fromOption("advertise", parseHostPort(o.advertise.value))
      patch.advertiseHost = advertise.host
      patch.advertisePort = advertise.port
      setBy.set("advertiseAddress", "--advertise").set("advertisePort", "--advertise")
    }
    if (Option.isSome(o.label)) text("label", "--label", o.label.value)
    if (o.key.length > 0 && Option.isSome(o.keyFile)) return yield* usage("--key and --key-file: give one or the other")
    if (o.key.length > 0) {
      yield* Effect.forEach(o.key, checkKey, { discard: true })
      text("secretKeys", "--key", o.key.join(","))
    }
    if (Option.isSome(o.keyFile)) text("secretKeys", "--key-file", (yield* readKeyFile(o.keyFile.value)).join(","))
    // Config.array splits on commas, so `--join a:1,b:2` works as SWIM_JOIN does.
    if (o.join.length > 0) text("join", "--join", o.join.join(","))
    if (Option.isSome(o.dns)) text("dnsName", "--dns", o.dns.value)
    if (Option.isSome(o.dnsPort)) {
      if (!/^\d+$/.test(o.dnsPort.value)) return yield* usage(`--dns-port: "${o.dnsPort.value}" is not a port number`)
      text("dnsPort", "--dns-port", o.dnsPort.value)
    }
    if (Option.isSome(o.dnsType)) {
      const type = o.dnsType.value.toUpperCase()
      if (!(dnsTypes as ReadonlyArray<string>).includes(type)) {
        return yield* usage(`--dns-type: unknown record type "${o.dnsType.value}" (use ${dnsTypes.join(", ")})`)
      }
      text("dnsType", "--dns-type", type)
    }
    if (Option.isSome(o.dnsServer)) text("dnsServer", "--dns-server", o.dnsServer.value)
    return { texts, patch, setBy }
  })

/** Every single failure inside a config error that may combine several (And/Or). */
const leaves = (error: ConfigError.ConfigError): ReadonlyArray<ConfigError.ConfigError> =>
  error._op === "And" || error._op === "Or" ? [...leaves(error.left), ...leaves(error.right)] : [error]

/**
 * Resolves the options over the environment `env` (`process.env` in the agent).
 * Nothing binds here; the result is validated by `SwimConfig.validate`.
 */
export const resolve = (
  options: ConfigOptions,
  env: Readonly<Record<string, string | undefined>>,
  hostname: string
): Effect.Effect<AgentConfig, UsageError> =>
  Effect.gen(function*() {
    const { patch, setBy, texts } = yield* toOverrides(options)
    // The environment without the variables an option replaces.
    const shadowed = new Set([...setBy.keys()].map(variableOf))
    const visible = new Map<string, string>()
    for (const [name, value] of Object.entries(env)) if (value !== undefined && !shadowed.has(name)) visible.set(name, value)
    const environment = ConfigProvider.fromMap(visible, { pathDelim: "_", seqDelim: "," }).pipe(ConfigProvider.constantCase)
    const provider = ConfigProvider.fromMap(new Map([...texts].map(([key, value]) => [`${prefix}.${key}`, value]))).pipe(
      ConfigProvider.orElse(() => environment),
      ConfigProvider.orElse(() => ConfigProvider.fromMap(new Map([[`${prefix}.name`, hostname]])))
    )

    /** What to fix for a key: the option that set it, else its variable (for the name, perhaps the host name). */
    const source = (key: Key): string => {
      const option = setBy.get(key)
      if (option !== undefined) return option
      const variable = variableOf(key)
      if (key === "name" && !visible.has(variable)) return `the host name "${hostname}" (set --name or ${variable})`
      return variable
    }
    /** What to fix for a config path (["swim", "bindPort"], or ["SWIM", "BIND_PORT"] from the environment). */
    const blame = (path: ReadonlyArray<string>): string => {
      const variable = envVariable(path[0]?.toLowerCase() === prefix ? path : [prefix, ...path])
      const key = keys.find((k) => variableOf(k) === variable)
      return key === undefined ? variable : source(key)
    }
    const configError = (error: ConfigError.ConfigError) => {
      // The first failure that is not "missing": each layer without the key adds a MissingData.
      const all = leaves(error)
      const leaf = all.find((l) => l._op !== "MissingData") ?? all[0] ?? error
      return usage(`${blame("path" in leaf ? leaf.path : [])}: ${leaf.message}`)
    }
    const read = <A>(config: Config.Config<A>) =>
      Config.nested(config, prefix).pipe(Effect.withConfigProvider(provider), Effect.mapError(configError))

    const base = yield* read(SwimConfig.config)
    const swim = yield* SwimConfig.validate({ ...base, ...patch }).pipe(
      Effect.mapError((error) => {
        const field = error.field === "bindHost" ? "bindAddress" : error.field === "advertiseHost" ? "advertiseAddress" : error.field
        return usage(`${blame([prefix, field])}: ${error.message}`)
      })
    )

    const found = yield* read(Discovery.config)
    const seeds = Discovery.makeStatic(found.join).pipe(Effect.mapError((e) => usage(`${source("join")}: ${e.message}`)))
    const dns = Option.map(found.dns, (options) => {
      // A/AAAA records carry no port: the peers are taken to listen where this member does.
      const port = options.port ?? (swim.bindPort > 0 ? swim.bindPort : undefined)
      const blamed = dnsKeys.filter((k) => setBy.has(k) || visible.has(variableOf(k))).map(source).join(", ")
      return Discovery.makeDns(port === undefined ? options : { ...options, port }).pipe(
        Effect.mapError((e) => usage(`${blamed}: ${e.message}`))
      )
    })
    const discovery = Option.isNone(dns)
      ? yield* seeds
      : found.join.length === 0
      ? yield* dns.value
      : Discovery.combine(yield* Effect.all([seeds, dns.value]))
    return { swim, discovery }
  })

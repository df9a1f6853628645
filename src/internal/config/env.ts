/**
 * How configuration is read from environment variables, shared by
 * `SwimConfig` and `Discovery` so that both read, and name in their errors,
 * the same variable for the same setting.
 *
 * @internal
 */
import type { ConfigError } from "effect"
import { ConfigProvider } from "effect"

/** Environment variables in upper snake case: `swim.probeInterval` is read from `SWIM_PROBE_INTERVAL`. */
export const envProvider = (): ConfigProvider.ConfigProvider =>
  ConfigProvider.fromEnv().pipe(ConfigProvider.constantCase)

const constantCase = (segment: string) => segment.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()

/**
 * The environment variable `envProvider` reads for a config path, e.g.
 * ["swim", "probeInterval"] -> SWIM_PROBE_INTERVAL, so an error can name the
 * variable to fix rather than the path.
 */
export const envVariable = (path: ReadonlyArray<string>): string => path.map(constantCase).join("_")

/** The first single failure inside a config error that may combine several (And/Or): the one to report. */
export const firstLeaf = (error: ConfigError.ConfigError): ConfigError.ConfigError =>
  error._op === "And" || error._op === "Or" ? firstLeaf(error.left) : error

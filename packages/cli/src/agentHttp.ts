/**
 * The agent's cluster view (`--http HOST:PORT`): where to serve it and how
 * it judges readiness. As with the other options, the command line wins and
 * the `SWIM_HTTP*` environment variables fill in the rest; every error names
 * the option or the variable to fix.
 *
 * @internal
 */
import { Effect, Option } from "effect"
import type * as HttpView from "effect-memberlist/HttpView"
import type { Address } from "effect-memberlist/Transport"
import { parseHostPort } from "./hostPort.js"
import { UsageError } from "./usage.js"

/** The view's options as the command line gave them. */
export interface HttpOptions {
  readonly http: Option.Option<string>
  readonly httpMinMembers: Option.Option<string>
  readonly httpNotReadyWhileSuspected: boolean
}

/** Where to serve the view, and its options. */
export interface HttpConfig {
  readonly address: Address
  readonly view: HttpView.Options
}

/** The environment variables, named as the library names its `SWIM_*` variables. */
export const httpVariables = {
  http: "SWIM_HTTP",
  minMembers: "SWIM_HTTP_MIN_MEMBERS",
  notReadyWhileSuspected: "SWIM_HTTP_NOT_READY_WHILE_SUSPECTED"
} as const

const usage = (source: string, why: string) => new UsageError({ message: `${source}: ${why}` })

/** The option's value if given, else the variable's, each with the name to blame. */
const pick = (option: Option.Option<string>, optionName: string, env: Readonly<Record<string, string | undefined>>, variable: string) =>
  Option.isSome(option)
    ? Option.some({ value: option.value, source: optionName })
    : Option.map(Option.fromNullable(env[variable]), (value) => ({ value, source: variable }))

/** Resolves the view's configuration; none when neither `--http` nor `SWIM_HTTP` is set. */
export const resolveHttp = (
  options: HttpOptions,
  env: Readonly<Record<string, string | undefined>>
): Effect.Effect<Option.Option<HttpConfig>, UsageError> =>
  Effect.gen(function*() {
    const http = pick(options.http, "--http", env, httpVariables.http)
    const minMembers = pick(options.httpMinMembers, "--http-min-members", env, httpVariables.minMembers)
    const strictText = env[httpVariables.notReadyWhileSuspected]
    if (Option.isNone(http)) {
      if (Option.isSome(minMembers) || options.httpNotReadyWhileSuspected) {
        return yield* usage(Option.isSome(minMembers) ? minMembers.value.source : "--http-not-ready-while-suspected", "needs --http (or SWIM_HTTP)")
      }
      return Option.none()
    }
    const parsed = parseHostPort(http.value.value)
    if (parsed._tag === "Left") return yield* usage(http.value.source, parsed.left)
    let min: number | undefined
    if (Option.isSome(minMembers)) {
      const text = minMembers.value.value
      if (!/^\d+$/.test(text) || Number(text) < 1) return yield* usage(minMembers.value.source, `"${text}" is not a whole number of at least 1`)
      min = Number(text)
    }
    let strict = options.httpNotReadyWhileSuspected
    if (!strict && strictText !== undefined) {
      if (strictText !== "true" && strictText !== "false") {
        return yield* usage(httpVariables.notReadyWhileSuspected, `"${strictText}" is not true or false`)
      }
      strict = strictText === "true"
    }
    return Option.some({
      address: parsed.right,
      view: { ...(min === undefined ? {} : { minMembers: min }), notReadyWhileSuspected: strict }
    })
  })

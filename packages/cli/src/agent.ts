/**
 * `effect-memberlist agent`: runs one member until SIGTERM/SIGINT, printing
 * membership events (JSON lines with `--json`), and leaves gracefully.
 *
 * @internal
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Either, Layer, Option, Schema, Stream } from "effect"
import * as Discovery from "effect-memberlist/Discovery"
import * as Keyring from "effect-memberlist/Keyring"
import * as Memberlist from "effect-memberlist/Memberlist"
import * as SwimConfig from "effect-memberlist/SwimConfig"
import * as Transport from "effect-memberlist/Transport"
import { parseHostPort } from "./hostPort.js"
import { fromOption, reportUsageError } from "./usage.js"

/** The agent relays any JSON value as a message. */
const AgentMessage = Schema.Unknown
class Agent extends Memberlist.Tag("effect-memberlist/cli/Agent")<Agent, unknown>() {}

const hostPort = (name: string) => Options.text(name)

const parseOption = (name: string, text: string) => fromOption(name, parseHostPort(text))

/** A `--key`: the keyring's strict base64 parser, so a key with junk after it is refused, not truncated. */
const parseKey = (text: string) => fromOption("key", Either.mapLeft(Keyring.keyFromBase64(text), (e) => e.message))

const options = {
  name: Options.text("name").pipe(Options.withDescription("unique member name")),
  bind: hostPort("bind").pipe(Options.withDescription("HOST:PORT to bind UDP and TCP to")),
  advertise: hostPort("advertise").pipe(Options.optional, Options.withDescription("HOST:PORT others should use")),
  join: Options.text("join").pipe(Options.repeated, Options.withDescription("HOST:PORT of a member to join (repeatable)")),
  dns: Options.text("dns").pipe(Options.optional, Options.withDescription("DNS name whose A/AAAA records are seeds")),
  dnsPort: Options.integer("dns-port").pipe(Options.optional, Options.withDescription("port for --dns seeds (default: --bind's)")),
  dnsServer: Options.text("dns-server").pipe(Options.optional, Options.withDescription("resolver HOST:PORT for --dns")),
  preset: Options.choice("preset", ["lan", "wan", "local"]).pipe(Options.withDefault("lan" as const)),
  key: Options.text("key").pipe(Options.repeated, Options.withDescription("base64 encryption key (repeatable; first encrypts)")),
  label: Options.text("label").pipe(Options.withDefault(""), Options.withDescription("cluster label")),
  json: Options.boolean("json").pipe(Options.withDescription("print one JSON object per line per event"))
}

const eventName: Partial<Record<Memberlist.MembershipEvent["_tag"], string>> = {
  MemberJoined: "join",
  MemberUpdated: "update",
  MemberSuspected: "suspect",
  MemberFailed: "failed",
  MemberLeft: "leave",
  MemberRecovered: "alive"
}

/** The agent command. */
export const agent = Command.make("agent", options, (o) =>
  Effect.gen(function*() {
    const keys = yield* Effect.forEach(o.key, parseKey)
    const joins = yield* Effect.forEach(o.join, (j) => parseOption("join", j))
    const bind = yield* parseOption("bind", o.bind)
    const advertise = Option.isSome(o.advertise) ? yield* parseOption("advertise", o.advertise.value) : undefined
    const config = SwimConfig.presets[o.preset]({
      name: o.name,
      bindHost: bind.host,
      bindPort: bind.port,
      advertiseHost: advertise?.host,
      advertisePort: advertise?.port,
      secretKeys: keys,
      label: o.label
    })
    const sources: Array<Effect.Effect<Discovery.DiscoveryShape, Discovery.DiscoveryError>> = [
      Discovery.makeStatic(joins)
    ]
    if (Option.isSome(o.dns)) {
      const server = Option.getOrUndefined(o.dnsServer)
      sources.push(Discovery.makeDns({
        name: o.dns.value,
        port: Option.getOrElse(o.dnsPort, () => bind.port),
        ...(server !== undefined ? { server } : {})
      }))
    }
    const discovery = Layer.effect(Discovery.Discovery, Effect.map(Effect.all(sources), Discovery.combine))
    const print = (line: Record<string, unknown>, human: string) =>
      o.json ? Console.log(JSON.stringify(line)) : Console.log(human)

    const run = Effect.gen(function*() {
      const member = yield* Agent
      const self = yield* member.localMember
      yield* print({ event: "ready", name: self.name, address: Transport.formatAddress(self.address), at: Date.now() },
        `${self.name} listening on ${Transport.formatAddress(self.address)}`)
      const received = yield* member.receive
      const events = yield* member.events
      yield* Effect.fork(Stream.runForEach(received, (r) =>
        print({ event: "message", from: Transport.formatAddress(r.from), origin: r.origin ?? null, message: r.message, at: Date.now() },
          `message from ${r.origin ?? Transport.formatAddress(r.from)}: ${JSON.stringify(r.message)}`)))
      yield* Stream.runForEach(events, (e) => {
        const name = eventName[e._tag]
        if (name === undefined || !("member" in e)) {
          return e._tag === "LocalStatusChanged"
            ? print({ event: "self", status: e.status, incarnation: e.incarnation, cause: e.cause, at: e.at },
              `self ${e.status} (${e.cause}, incarnation ${e.incarnation})`)
            : Effect.void
        }
        return print(
          { event: name, name: e.member.name, address: Transport.formatAddress(e.member.address), at: e.at },
          `${name.padEnd(8)} ${e.member.name} ${Transport.formatAddress(e.member.address)}`
        )
      })
    })
    yield* run.pipe(
      Effect.scoped,
      Effect.provide(
        Memberlist.layer(Agent, { messages: AgentMessage, encoding: "json" }).pipe(
          Layer.provide(Transport.layerNode),
          Layer.provide(discovery),
          Layer.provide(SwimConfig.layer(config))
        )
      )
    )
  }).pipe(Effect.catchTag("UsageError", reportUsageError))).pipe(Command.withDescription("run one cluster member until SIGTERM; it leaves gracefully"))

/**
 * `effect-memberlist agent`: runs one member until SIGTERM/SIGINT or `quit`,
 * printing membership events and received messages (JSON lines with
 * `--json`), taking commands on stdin (see lineProtocol.ts), and leaves
 * gracefully. Its configuration is the options over the library's `SWIM_*`
 * environment variables (see agentConfig.ts).
 *
 * @internal
 */
import { Command, HelpDoc, Options } from "@effect/cli"
import { HttpServer } from "@effect/platform"
import { NodeHttpServer, NodeStream } from "@effect/platform-node"
import { Console, Context, Data, Deferred, Effect, Layer, Option, Schema, Stream } from "effect"
import * as Discovery from "effect-memberlist/Discovery"
import * as HttpView from "effect-memberlist/HttpView"
import * as Memberlist from "effect-memberlist/Memberlist"
import * as SwimConfig from "effect-memberlist/SwimConfig"
import * as Transport from "effect-memberlist/Transport"
import { createServer } from "node:http"
import { hostname } from "node:os"
import { resolve } from "./agentConfig.js"
import { type HttpConfig, httpVariables, resolveHttp } from "./agentHttp.js"
import { type Print, runLine, usage } from "./lineProtocol.js"
import { resolveMembersFile } from "./membersFile.js"
import { describeError, reportError } from "./usage.js"

/** The agent relays any JSON value as a message. */
const AgentMessage = Schema.Unknown
class Agent extends Memberlist.Tag("effect-memberlist/cli/Agent")<Agent, unknown>() {}

/** The member could not start: the port is taken, or (with --require-join) no seed answered. */
class StartError extends Data.TaggedError("StartError")<{ readonly message: string }> {}

/** A text option: its name, what its value looks like, what it does. */
const text = (name: string, pseudoName: string, description: string) =>
  Options.text(name).pipe(Options.withPseudoName(pseudoName), Options.withDescription(description))
const flag = (name: string, description: string) => Options.boolean(name).pipe(Options.withDescription(description))

const options = {
  name: text("name", "NAME", "unique member name (SWIM_NAME; default: the host name)").pipe(Options.optional),
  bind: text(
    "bind",
    "HOST:PORT",
    "address to bind UDP and TCP to, port 0 for a free one (SWIM_BIND_ADDRESS, SWIM_BIND_PORT; default 0.0.0.0:7946, 127.0.0.1:7946 with the local preset)"
  ).pipe(Options.optional),
  advertise: text(
    "advertise",
    "HOST:PORT",
    "address other members should use, behind NAT or in containers (SWIM_ADVERTISE_ADDRESS, SWIM_ADVERTISE_PORT)"
  ).pipe(Options.optional),
  join: text("join", "HOST:PORT", "a member to join, repeatable or comma-separated; hostnames are resolved (SWIM_JOIN)").pipe(
    Options.repeated
  ),
  dns: text("dns", "DNS-NAME", "name whose DNS records list the members to join (SWIM_DNS_NAME)").pipe(Options.optional),
  dnsType: text("dns-type", "TYPE", "records --dns reads: A, AAAA, A+AAAA or SRV (SWIM_DNS_TYPE; default A+AAAA)").pipe(Options.optional),
  dnsPort: text("dns-port", "PORT", "port of the members --dns finds by A/AAAA (SWIM_DNS_PORT; default: the bind port)").pipe(
    Options.optional
  ),
  dnsServer: text("dns-server", "IP[:PORT]", "resolver to ask instead of the system's (SWIM_DNS_SERVER)").pipe(Options.optional),
  membersFile: text(
    "members-file",
    "PATH",
    "file of members to join, one HOST:PORT per line, # comments; re-read on every rediscovery, so editing it adds seeds (SWIM_MEMBERS_FILE)"
  ).pipe(Options.optional),
  requireJoin: flag("require-join", "exit 1 if no member to join answers at start, instead of starting alone and retrying"),
  preset: text("preset", "PRESET", "timings to start from: lan, wan or local (SWIM_PRESET; default lan)").pipe(Options.optional),
  key: text(
    "key",
    "BASE64",
    "encryption key, repeatable, the first encrypts. Visible to anyone who can run ps: prefer --key-file or SWIM_SECRET_KEYS (comma-separated)"
  ).pipe(Options.repeated),
  keyFile: text(
    "key-file",
    "PATH",
    "file of base64 encryption keys, one per line, the first encrypts; blank lines and # comments are ignored"
  ).pipe(Options.optional),
  label: text("label", "LABEL", "cluster label: members with another label are ignored (SWIM_LABEL)").pipe(Options.optional),
  http: text(
    "http",
    "HOST:PORT",
    `serve the cluster view, /members, /metrics (Prometheus) and /health there (${httpVariables.http}); it exposes the membership: bind it to localhost or a private interface`
  ).pipe(Options.optional),
  httpMinMembers: text(
    "http-min-members",
    "N",
    `/health is not ready until N members are alive, this one included (${httpVariables.minMembers}; default 1)`
  ).pipe(Options.optional),
  httpNotReadyWhileSuspected: flag(
    "http-not-ready-while-suspected",
    `/health is not ready while others may still suspect this member, after it refuted a suspicion (${httpVariables.notReadyWhileSuspected}=true)`
  ),
  json: flag("json", "print one JSON object per line: events, messages and answers to commands"),
  exitOnEof: flag(
    "exit-on-eof",
    "leave and exit 0 when stdin ends (default: the end of stdin is ignored; the agent runs until SIGTERM, SIGINT or quit)"
  )
}

const eventName: Partial<Record<Memberlist.MembershipEvent["_tag"], string>> = {
  MemberJoined: "join",
  MemberUpdated: "update",
  MemberSuspected: "suspect",
  MemberFailed: "failed",
  MemberLeft: "leave",
  MemberRecovered: "alive"
}

/** The lines of stdin; its end, or an error reading it, ends the stream. */
const stdinLines: Stream.Stream<string> = NodeStream.fromReadable(() => process.stdin, (error) => error).pipe(
  Stream.decodeText(),
  Stream.splitLines,
  Stream.catchAll(() => Stream.empty)
)

/** Subscribes, announces itself, prints what happens, answers stdin; returns on `quit` (or stdin's end with --exit-on-eof). */
const run = (print: Print, exitOnEof: boolean, http: Option.Option<HttpConfig>) =>
  Effect.gen(function*() {
    const member = yield* Agent
    if (Option.isSome(http)) yield* serveView(http.value, print)
    // Subscribed before "ready", so a message sent to it after "ready" is printed.
    const received = yield* member.receive
    const events = yield* member.events
    const self = yield* member.localMember
    yield* print(
      { event: "ready", name: self.name, address: Transport.formatAddress(self.address), at: Date.now() },
      `${self.name} listening on ${Transport.formatAddress(self.address)}`
    )
    yield* Effect.forkScoped(Stream.runForEach(received, (r) => {
      // A `sender` name, when the library's Received carries one.
      const sender = (r as { readonly sender?: unknown }).sender
      return print(
        {
          event: "message",
          from: Transport.formatAddress(r.from),
          origin: r.origin ?? null,
          ...(typeof sender === "string" ? { sender } : {}),
          message: r.message,
          at: Date.now()
        },
        `message from ${r.origin ?? (typeof sender === "string" ? sender : Transport.formatAddress(r.from))}: ${JSON.stringify(r.message)}`
      )
    }))
    yield* Effect.forkScoped(Stream.runForEach(events, (e) => {
      const name = eventName[e._tag]
      if (e._tag === "NameConflict") {
        const [kept, claimant] = [Transport.formatAddress(e.existing.address), Transport.formatAddress(e.claimant)]
        return print(
          { event: "conflict", name: e.existing.name, address: kept, claimant, at: e.at },
          `conflict ${e.existing.name} stays at ${kept}, refused ${claimant}`
        )
      }
      if (name === undefined || !("member" in e)) {
        return e._tag === "LocalStatusChanged"
          ? print({ event: "self", status: e.status, incarnation: e.incarnation, cause: e.cause, at: e.at },
            `self ${e.status} (${e.cause}, incarnation ${e.incarnation})`)
          : Effect.void
      }
      const moved = e._tag === "MemberUpdated" && e.previousAddress !== undefined ? Transport.formatAddress(e.previousAddress) : undefined
      return print(
        {
          event: name,
          name: e.member.name,
          address: Transport.formatAddress(e.member.address),
          ...(moved === undefined ? {} : { previousAddress: moved }),
          at: e.at
        },
        `${name.padEnd(8)} ${e.member.name} ${Transport.formatAddress(e.member.address)}${moved === undefined ? "" : ` (was ${moved})`}`
      )
    }))
    const done = yield* Deferred.make<void>()
    const answer = runLine(member, print)
    yield* Effect.forkScoped(
      Stream.runForEach(stdinLines, (line) => Effect.flatMap(answer(line), (quit) => (quit ? Deferred.succeed(done, undefined) : Effect.void))).pipe(
        Effect.zipRight(exitOnEof ? Deferred.succeed(done, undefined) : Effect.void)
      )
    )
    yield* Deferred.await(done)
  })

/** Serves the cluster view until the agent stops; prints where. */
const serveView = (http: HttpConfig, print: Print) =>
  Effect.gen(function*() {
    const where = Transport.formatAddress(http.address)
    const context = yield* Layer.build(
      HttpView.layer(Agent, http.view).pipe(
        Layer.provideMerge(NodeHttpServer.layer(createServer, { host: http.address.host, port: http.address.port }))
      )
    ).pipe(Effect.mapError((error) => {
      // A ServeError says nothing itself; the listen error it carries does ("listen EADDRINUSE: ...").
      const why = error._tag === "ServeError" && error.cause instanceof Error ? error.cause.message : describeError(error).message
      return new StartError({ message: `cannot serve the cluster view on ${where}: ${why}` })
    }))
    const address = Context.get(context, HttpServer.HttpServer).address
    const url = address._tag === "TcpAddress"
      ? `http://${Transport.formatAddress({ host: address.hostname, port: address.port })}`
      : `http+unix://${address.path}`
    yield* print({ event: "http", url, at: Date.now() }, `cluster view on ${url}`)
  })

/** The agent command. */
export const agent = Command.make("agent", options, (o) =>
  Effect.gen(function*() {
    const config = yield* resolve(o, process.env, hostname())
    const http = yield* resolveHttp(o, process.env)
    const file = yield* resolveMembersFile(o.membersFile, process.env, config.swim.bindPort)
    const discovery = Option.match(file, {
      onNone: () => config.discovery,
      onSome: (members) => Discovery.combine([config.discovery, members])
    })
    const print: Print = (json, text) => Console.log(o.json ? JSON.stringify(json) : text)
    const member = Memberlist.layer(Agent, { messages: AgentMessage, encoding: "json", requireJoin: o.requireJoin }).pipe(
      Layer.mapError((error) =>
        new StartError({
          message: o.requireJoin
            ? `cannot join the cluster (--require-join): ${describeError(error).message}`
            : `cannot start: ${describeError(error).message}`
        })
      ),
      // A failure to bind says so itself: "cannot bind 127.0.0.1:7946: listen EADDRINUSE: ...".
      Layer.provide(Transport.layerNode),
      Layer.provide(Layer.succeed(Discovery.Discovery, discovery)),
      Layer.provide(SwimConfig.layer(config.swim))
    )
    yield* run(print, o.exitOnEof, http).pipe(Effect.scoped, Effect.provide(member))
  }).pipe(Effect.catchAll(reportError))).pipe(
    Command.withDescription(HelpDoc.blocks([
      HelpDoc.p(
        "Run one cluster member until SIGTERM, SIGINT or quit; it leaves gracefully. It prints membership events and received messages, one JSON object per line with --json."
      ),
      HelpDoc.p(
        "Options win; what they leave unset comes from the SWIM_* environment variables the library reads (SwimConfig.layerFromEnv, Discovery.fromEnv): those above and every other setting, e.g. SWIM_PROBE_INTERVAL=\"500 millis\", SWIM_GOSSIP_NODES=4, SWIM_SECRET_KEYS=key1,key2."
      ),
      HelpDoc.p(
        `Commands on stdin, one per line, each answered with one line (ok or error): ${usage.join(" | ")}. Messages are any JSON value.`
      )
    ]))
  )

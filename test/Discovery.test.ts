import { describe, expect, it } from "@effect/vitest"
import { Config, ConfigProvider, Effect, Either, Exit, Fiber, Layer } from "effect"
import * as Dgram from "node:dgram"
import * as Discovery from "../src/Discovery.js"
import type { Address } from "../src/Transport.js"
import * as Dnsmasq from "./support/dnsmasq.js"

/** The service a layer builds (layers here need no scope, so it outlives `provide`). */
const serviceOf = <E>(layer: Layer.Layer<Discovery.Discovery, E>) => Effect.provide(Discovery.Discovery, layer)
const discoverWith = <E>(layer: Layer.Layer<Discovery.Discovery, E>) =>
  Effect.flatMap(serviceOf(layer), (d) => d.discover)
const a = (host: string, port: number): Address => ({ host, port })

/** A UDP socket that reads queries and never answers: a resolver that is up but silent. */
const blackHole = Effect.acquireRelease(
  Effect.async<Dgram.Socket>((resume) => {
    const socket = Dgram.createSocket("udp4")
    socket.on("message", () => {})
    socket.bind(0, "127.0.0.1", () => resume(Effect.succeed(socket)))
  }),
  (socket) =>
    Effect.async<void>((resume) => {
      socket.close(() => resume(Effect.void))
    })
).pipe(Effect.map((socket) => `127.0.0.1:${socket.address().port}`))

/** A loopback port nothing listens on: bound, read, closed. */
const deadPort = Effect.async<number>((resume) => {
  const socket = Dgram.createSocket("udp4")
  socket.bind(0, "127.0.0.1", () => {
    const { port } = socket.address()
    socket.close(() => resume(Effect.succeed(port)))
  })
})

describe("Discovery.static", () => {
  it.effect("parses IPv4, bracketed IPv6 and Address values; sorted and deduplicated", () =>
    Effect.gen(function*() {
      const found = yield* discoverWith(
        Discovery.static([
          "[::1]:7947",
          "127.0.0.10:7946",
          { host: "127.0.0.2", port: 7946 },
          " 127.0.0.9:7946 ",
          "[0:0:0:0:0:0:0:1]:7947", // the same as [::1]:7947
          { host: "::1", port: 7946 },
          "127.0.0.2:7946"
        ])
      )
      expect(found).toEqual([
        a("127.0.0.2", 7946),
        a("127.0.0.9", 7946),
        a("127.0.0.10", 7946),
        a("::1", 7946),
        a("::1", 7947)
      ])
    }))

  it.effect("entries without a port take defaultPort; a bare IPv6 literal never carries one", () =>
    Effect.gen(function*() {
      const found = yield* discoverWith(
        Discovery.static(["127.0.0.1", "::1", "[::1]", "127.0.0.1:8000"], { defaultPort: 7946 })
      )
      expect(found).toEqual([a("127.0.0.1", 7946), a("127.0.0.1", 8000), a("::1", 7946)])
    }))

  it.effect("an empty list is a valid source of no seeds", () =>
    Effect.gen(function*() {
      expect(yield* discoverWith(Discovery.static([]))).toEqual([])
    }))

  it.effect("bad entries fail the layer when it is built, with InvalidAddress", () =>
    Effect.gen(function*() {
      const bad: ReadonlyArray<string | Address> = [
        "",
        "127.0.0.1", // no port and no defaultPort
        "::1", // likewise
        "127.0.0.1:0",
        "127.0.0.1:65536",
        "127.0.0.1:http",
        "127.0.0.1:",
        "::1:7946:x",
        "fe80::1:7946x",
        "[127.0.0.1]:7946", // brackets are for IPv6
        "[::1]7946",
        "[::1]:",
        "bad host:7946",
        "-leading.dash:7946",
        "300.1.1.1:7946", // a mistyped IPv4, not a hostname
        "127.0.0:7946",
        { host: "127.0.0.1", port: 70000 },
        { host: "not a host", port: 7946 }
      ]
      for (const entry of bad) {
        // Building the layer is enough: nothing is discovered.
        const result = yield* Effect.either(Layer.build(Discovery.static(["127.0.0.1:1", entry])).pipe(Effect.scoped))
        expect(Either.isLeft(result), JSON.stringify(entry)).toBe(true)
        if (Either.isLeft(result)) {
          expect(result.left).toBeInstanceOf(Discovery.DiscoveryError)
          expect(result.left._tag).toBe("DiscoveryError")
          expect(result.left.reason, JSON.stringify(entry)).toBe("InvalidAddress")
        }
      }
      const badDefault = yield* Effect.flip(Discovery.makeStatic(["127.0.0.1"], { defaultPort: 0 }))
      expect(badDefault.reason).toBe("InvalidOptions")
    }))

  it.live("hostnames are resolved at discover time: localhost", () =>
    Effect.gen(function*() {
      const found = yield* discoverWith(Discovery.static(["localhost:7946", "127.0.0.1:7946"]))
      expect(found).toContainEqual(a("127.0.0.1", 7946))
      // Sorted, deduplicated, only loopback: localhost may also be ::1 (/etc/hosts decides).
      expect(new Set(found.map((x) => `${x.host}:${x.port}`)).size).toBe(found.length)
      for (const x of found) {
        expect(["127.0.0.1", "::1"]).toContain(x.host)
        expect(x.port).toBe(7946)
      }
    }))
})

describe("Discovery.make / layer / combine", () => {
  it.effect("a custom source is normalized like the others", () =>
    Effect.gen(function*() {
      let calls = 0
      const source = Effect.sync(() => {
        calls += 1
        return [a("::1", 2), a("127.0.0.1", 1), a("0::1", 2), a("127.0.0.1", 1)]
      })
      const d = yield* serviceOf(Discovery.layer(source))
      expect(yield* d.discover).toEqual([a("127.0.0.1", 1), a("::1", 2)])
      yield* d.discover
      expect(calls).toBe(2) // not cached: each call asks again
      expect(yield* Discovery.make(source).discover).toEqual([a("127.0.0.1", 1), a("::1", 2)])
    }))

  it.effect("combine unions sources; a failing source is skipped while another finds peers", () =>
    Effect.gen(function*() {
      const failing = Discovery.make(
        Effect.fail(new Discovery.DiscoveryError({ reason: "ResolveFailed", message: "test" }))
      )
      const one = Discovery.make(Effect.succeed([a("127.0.0.2", 1)]))
      const two = Discovery.make(Effect.succeed([a("127.0.0.1", 1), a("127.0.0.2", 1)]))
      expect(yield* Discovery.combine([one, failing, two]).discover).toEqual([a("127.0.0.1", 1), a("127.0.0.2", 1)])
      const error = yield* Effect.flip(Discovery.combine([failing, Discovery.make(Effect.succeed([]))]).discover)
      expect(error.reason).toBe("ResolveFailed")
    }))
})

describe("Discovery.layerConfig", () => {
  // Building the layer reads the fiber's ConfigProvider: a map stands in for the environment.
  const fromEnvMap = (env: Record<string, string>) =>
    discoverWith(Discovery.layerConfig(Config.nested(Discovery.config, "swim"))).pipe(
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)), { pathDelim: "_" }).pipe(ConfigProvider.constantCase))
    )

  it.effect("SWIM_JOIN is a comma list of static seeds", () =>
    Effect.gen(function*() {
      const found = yield* fromEnvMap({ SWIM_JOIN: "127.0.0.1:7946,[::1]:7946" })
      expect(found).toEqual([a("127.0.0.1", 7946), a("::1", 7946)])
    }))

  it.effect("nothing set: no seeds; bad values are typed errors naming the variable", () =>
    Effect.gen(function*() {
      expect(yield* fromEnvMap({})).toEqual([])
      const badPort = yield* Effect.flip(
        fromEnvMap({ SWIM_DNS_NAME: "x.test", SWIM_DNS_PORT: "abc" })
      )
      expect(String(badPort)).toContain("DNS_PORT")
      const badJoin = yield* Effect.flip(
        fromEnvMap({ SWIM_JOIN: "127.0.0.1" })
      )
      expect(badJoin).toBeInstanceOf(Discovery.DiscoveryError)
    }))

  it.effect("fromEnv: errors are InvalidConfig naming the variable to fix", () =>
    Effect.gen(function*() {
      const env = (vars: Record<string, string>) =>
        Effect.acquireRelease(
          Effect.sync(() => Object.assign(process.env, vars)),
          () => Effect.sync(() => Object.keys(vars).forEach((k) => delete process.env[k]))
        )
      // The variables are set only while the layer is built, then removed.
      const withVars = <A, E>(vars: Record<string, string>, self: Effect.Effect<A, E>) =>
        Effect.scoped(Effect.zipRight(env(vars), self))
      const errorOf = (vars: Record<string, string>) =>
        withVars(vars, Effect.flip(discoverWith(Discovery.fromEnv("swim_test"))))
      const badTimeout = yield* errorOf({ SWIM_TEST_DNS_NAME: "x.test", SWIM_TEST_DNS_TIMEOUT: "soon" })
      expect(badTimeout.reason).toBe("InvalidConfig")
      expect(badTimeout.message).toContain("SWIM_TEST_DNS_TIMEOUT")
      const badJoin = yield* errorOf({ SWIM_TEST_JOIN: "127.0.0.1:7946,127.0.0.1" })
      expect(badJoin.reason).toBe("InvalidConfig")
      expect(badJoin.message).toContain("SWIM_TEST_JOIN")
      const badPort = yield* errorOf({ SWIM_TEST_DNS_NAME: "x.test", SWIM_TEST_DNS_PORT: "70000" })
      expect(badPort.message).toContain("SWIM_TEST_DNS_")
      const found = yield* withVars(
        { SWIM_TEST_JOIN: "127.0.0.1:7946, [::1]:7946" },
        discoverWith(Discovery.fromEnv("swim_test"))
      )
      expect(found).toEqual([a("127.0.0.1", 7946), a("::1", 7946)])
    }))
})

describe("Discovery.dns options", () => {
  it.effect("are checked when the layer is built", () =>
    Effect.gen(function*() {
      const reasonOf = (options: Discovery.DnsOptions) =>
        Effect.flip(Discovery.makeDns(options)).pipe(Effect.map((e) => e.reason))
      expect(yield* reasonOf({ name: "bad name" })).toBe("InvalidOptions")
      expect(yield* reasonOf({ name: "" })).toBe("InvalidOptions")
      expect(yield* reasonOf({ name: "ok.test", port: 0 })).toBe("InvalidOptions")
      expect(yield* reasonOf({ name: "ok.test", timeoutMillis: 0 })).toBe("InvalidOptions")
      expect(yield* reasonOf({ name: "ok.test", server: "resolver.test:53" })).toBe("InvalidAddress")
      expect(yield* reasonOf({ name: "ok.test", server: "127.0.0.1:99999" })).toBe("InvalidAddress")
      // Valid forms of server: ip (port 53), ip:port, [v6]:port.
      for (const server of ["127.0.0.1", "127.0.0.1:5353", "[::1]:5353", "::1"]) {
        yield* Discovery.makeDns({ name: "ok.test", server })
      }
    }))
})

const records: Dnsmasq.DnsRecords = {
  hosts: {
    "peers.test": ["127.0.0.3", "127.0.0.1", "127.0.0.2", "::1"],
    "v4only.test": ["127.0.0.1"],
    "node-a.test": ["127.0.0.1"],
    "node-b.test": ["127.0.0.2", "::1"]
  },
  srv: [
    { name: "_swim._udp.peers.test", target: "node-a.test", port: 7001 },
    { name: "_swim._udp.peers.test", target: "node-b.test", port: 7002, priority: 1, weight: 5 },
    // A target without addresses is skipped, not an error.
    { name: "_swim._udp.peers.test", target: "gone.test", port: 7003 }
  ]
}

describe("Discovery.dns against dnsmasq", () => {
  it.scopedLive("A: all addresses of the name, with the configured port", () =>
    Effect.gen(function*() {
      const server = yield* Dnsmasq.start(records)
      const found = yield* discoverWith(Discovery.dns({ name: "peers.test", port: 7946, type: "A", server: server.server }))
      expect(found).toEqual([a("127.0.0.1", 7946), a("127.0.0.2", 7946), a("127.0.0.3", 7946)])
    }))

  it.scopedLive("AAAA, and A+AAAA (the default) with the default port 7946", () =>
    Effect.gen(function*() {
      const server = yield* Dnsmasq.start(records)
      const v6 = yield* discoverWith(Discovery.dns({ name: "peers.test", port: 9000, type: "AAAA", server: server.server }))
      expect(v6).toEqual([a("::1", 9000)])
      const both = yield* discoverWith(Discovery.dns({ name: "peers.test", server: server.server }))
      expect(both).toEqual([
        a("127.0.0.1", 7946),
        a("127.0.0.2", 7946),
        a("127.0.0.3", 7946),
        a("::1", 7946)
      ])
      // A name with only A records: the empty AAAA answer (NODATA) is not an error.
      const v4only = yield* discoverWith(Discovery.dns({ name: "v4only.test", server: server.server }))
      expect(v4only).toEqual([a("127.0.0.1", 7946)])
    }))

  it.scopedLive("SRV: each target's addresses with its record's port", () =>
    Effect.gen(function*() {
      const server = yield* Dnsmasq.start(records)
      const found = yield* discoverWith(
        Discovery.dns({ name: "_swim._udp.peers.test", type: "SRV", port: 1, server: server.server })
      )
      expect(found).toEqual([a("127.0.0.1", 7001), a("127.0.0.2", 7002), a("::1", 7002)])
    }))

  it.scopedLive("an unknown name, or a name without such records, is an empty list", () =>
    Effect.gen(function*() {
      const server = yield* Dnsmasq.start(records)
      for (const options of [
        { name: "nobody.test" },
        { name: "nobody.test", type: "A" as const },
        { name: "v4only.test", type: "AAAA" as const },
        { name: "_swim._udp.nobody.test", type: "SRV" as const },
        { name: "peers.test", type: "SRV" as const }
      ]) {
        expect(yield* discoverWith(Discovery.dns({ ...options, server: server.server })), options.name).toEqual([])
      }
    }))

  it.scopedLive("changed records are picked up by the same service (A via SIGHUP, SRV via restart)", () =>
    Effect.gen(function*() {
      const server = yield* Dnsmasq.start({ hosts: { "peers.test": ["127.0.0.1"] } })
      const byA = yield* serviceOf(Discovery.dns({ name: "peers.test", port: 7946, server: server.server }))
      const bySrv = yield* serviceOf(
        Discovery.dns({ name: "_swim._udp.peers.test", type: "SRV", server: server.server })
      )
      expect(yield* byA.discover).toEqual([a("127.0.0.1", 7946)])
      expect(yield* bySrv.discover).toEqual([])

      // A/AAAA only: the hosts file is rewritten and dnsmasq reloads it on SIGHUP.
      yield* server.setRecords({ hosts: { "peers.test": ["127.0.0.2", "127.0.0.4", "::1"] } })
      expect(yield* byA.discover).toEqual([a("127.0.0.2", 7946), a("127.0.0.4", 7946), a("::1", 7946)])
      const starts = Effect.map(server.log, (log) => log.match(/started, version/g)?.length ?? 0)
      expect(yield* starts).toBe(1) // reloaded in place, not restarted

      // SRV appears: dnsmasq restarts on the same port.
      yield* server.setRecords({
        hosts: { "peers.test": ["127.0.0.2"], "node-a.test": ["127.0.0.5"] },
        srv: [{ name: "_swim._udp.peers.test", target: "node-a.test", port: 7100 }]
      })
      expect(yield* byA.discover).toEqual([a("127.0.0.2", 7946)])
      expect(yield* bySrv.discover).toEqual([a("127.0.0.5", 7100)])
      expect(yield* starts).toBe(2)

      // The SRV target moves (hosts only, SIGHUP), then the SRV port changes (restart).
      yield* server.setRecords({
        hosts: { "node-a.test": ["127.0.0.6"] },
        srv: [{ name: "_swim._udp.peers.test", target: "node-a.test", port: 7100 }]
      })
      expect(yield* bySrv.discover).toEqual([a("127.0.0.6", 7100)])
      expect(yield* byA.discover).toEqual([]) // the name is gone: NXDOMAIN is no peers
      yield* server.setRecords({
        hosts: { "node-a.test": ["127.0.0.6"] },
        srv: [{ name: "_swim._udp.peers.test", target: "node-a.test", port: 7200 }]
      })
      expect(yield* bySrv.discover).toEqual([a("127.0.0.6", 7200)])

      // The server going away is a typed failure; coming back, the same service recovers.
      yield* server.stop
      const error = yield* Effect.flip(byA.discover)
      expect(["ResolveFailed", "Timeout"]).toContain(error.reason)
      yield* server.setRecords({ hosts: { "peers.test": ["127.0.0.7"] } })
      expect(yield* byA.discover).toEqual([a("127.0.0.7", 7946)])
    }))

  it.scopedLive("a dead resolver port fails with ResolveFailed or Timeout within the timeout", () =>
    Effect.gen(function*() {
      const port = yield* deadPort
      const d = yield* serviceOf(Discovery.dns({ name: "peers.test", server: `127.0.0.1:${port}`, timeoutMillis: 1_000 }))
      const started = Date.now()
      const error = yield* Effect.flip(d.discover)
      expect(["ResolveFailed", "Timeout"]).toContain(error.reason)
      expect(Date.now() - started).toBeLessThan(1_000 + 2_000)
    }))

  it.scopedLive("a silent resolver fails with Timeout within timeoutMillis", () =>
    Effect.gen(function*() {
      const server = yield* blackHole
      for (const type of ["A+AAAA", "SRV"] as const) {
        const d = yield* serviceOf(Discovery.dns({ name: "peers.test", type, server, timeoutMillis: 400 }))
        const started = Date.now()
        const error = yield* Effect.flip(d.discover)
        expect(error.reason).toBe("Timeout")
        // A bound, not a speed claim: well under the resolver's own default retries (seconds).
        expect(Date.now() - started).toBeLessThan(400 + 1_500)
      }
    }))

  it.scopedLive("interrupting discover cancels the queries at once", () =>
    Effect.gen(function*() {
      const server = yield* blackHole
      const d = yield* serviceOf(Discovery.dns({ name: "peers.test", server, timeoutMillis: 30_000 }))
      const fiber = yield* Effect.fork(d.discover)
      yield* Effect.sleep("100 millis")
      const started = Date.now()
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(Date.now() - started).toBeLessThan(1_000)
    }))

  it.scopedLive("the helper fails clearly when dnsmasq is not installed", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Dnsmasq.start({}, { binary: "/nonexistent/dnsmasq" }))
      expect(error.reason).toBe("NotInstalled")
      expect(error.message).toContain("dnsmasq-base")
    }))
})

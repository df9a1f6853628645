import { HttpRouter, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, Metric, MetricBoundaries } from "effect"
import { createServer } from "node:http"
import * as HttpView from "../src/HttpView.js"
import { encodePacket } from "../src/internal/wire/packet.js"
import * as Transport from "../src/Transport.js"
import { eventually, startMember } from "./support/cluster.js"
import { get, serveView } from "./support/httpView.js"
import { checkHistogram, family, parsePrometheus } from "./support/prometheus.js"

// Short protocol periods; bounds below are in these periods.
const probe = Duration.millis(300)
const periods = (n: number) => Duration.times(probe, n)
const config = { probeInterval: probe, probeTimeout: Duration.millis(100), gossipInterval: Duration.millis(50) }

/** A histogram of our own, so the exposition has one whatever else is registered. */
/** A label value with each character the format escapes. */
const awkward = "a\"b\\c\nd"
const testHistogram = Metric.histogram("http_view_test_latency", MetricBoundaries.fromIterable([1, 5, 25]), "test latencies")

describe("HttpView over a real HTTP server on loopback", () => {
  it.scopedLive("serves /metrics in Prometheus text format, /members, /health by minMembers, and the page", () =>
    Effect.gen(function*() {
      const a = yield* startMember({ name: "view-a", seeds: [], config })
      yield* Effect.addFinalizer(() => a.stop)
      const url = yield* serveView(a.member, { minMembers: 2, sampleInterval: Duration.millis(200) })

      // Alone, with two members required: not ready, and why.
      const alone = yield* get(url + HttpView.paths.health)
      expect(alone.status).toBe(503)
      expect(JSON.parse(alone.body)).toMatchObject({ ready: false, members: 1 })
      expect(JSON.parse(alone.body).reason).toContain("1 of the 2 members")
      expect((yield* get(url + HttpView.paths.live)).status).toBe(200)

      const b = yield* startMember({ name: "view-b", seeds: [a.address], config, leaveOnClose: false })
      yield* Effect.addFinalizer(() => b.stop)
      yield* eventually(
        Effect.map(get(url + HttpView.paths.health), (r) => r.status === 200),
        periods(20),
        "ready once a second member joined"
      )
      const ready = JSON.parse((yield* get(url + HttpView.paths.health)).body)
      expect(ready).toEqual({ ready: true, members: 2 })

      const members = JSON.parse((yield* get(url + HttpView.paths.members)).body)
      expect(members.map((m: { name: string }) => m.name).sort()).toEqual(["view-a", "view-b"])
      const viewB = members.find((m: { name: string }) => m.name === "view-b")
      // On a loaded machine a 300 ms probe can fail for a moment: suspect is still a member.
      expect(["alive", "suspect"]).toContain(viewB.state)
      expect(viewB).toMatchObject({
        address: `127.0.0.1:${b.address.port}`,
        self: false,
        meta: { text: null, hex: "", bytes: 0 }
      })

      for (const v of [0.5, 3, 3, 100]) yield* Metric.update(testHistogram, v)
      yield* Metric.incrementBy(Metric.counter("http_view_test_tagged").pipe(Metric.tagged("path", awkward), Metric.tagged("member", "view-a")), 2)
      // The join was a TCP exchange: the first UDP packet may still be a probe interval away.
      yield* eventually(
        Effect.map(get(url + HttpView.paths.metrics), (r) => parsePrometheus(r.body).has("memberlist_packets_out")),
        periods(10),
        "a packet sent"
      )
      const metrics = yield* get(url + HttpView.paths.metrics)
      expect(metrics.status).toBe(200)
      expect(metrics.type).toBe("text/plain; version=0.0.4; charset=utf-8")
      const families = parsePrometheus(metrics.body)
      const packetsOut = family(families, "memberlist_packets_out")
      expect(packetsOut.type).toBe("counter")
      expect(packetsOut.help).toBe("UDP packets sent")
      expect(packetsOut.samples.reduce((sum, s) => sum + s.value, 0)).toBeGreaterThan(0)
      expect(family(families, "memberlist_members_alive").type).toBe("gauge")
      // Tagged series keep all their labels, values escaped and read back intact.
      const tagged = family(families, "http_view_test_tagged")
      expect(tagged.samples).toEqual([{ name: "http_view_test_tagged", labels: { path: awkward, member: "view-a" }, value: 2, timestamp: undefined }])
      const histogram = family(families, "http_view_test_latency")
      expect(histogram.help).toBe("test latencies")
      expect(checkHistogram(histogram)).toBeGreaterThanOrEqual(1)
      const bucket = (le: string) => histogram.samples.find((s) => s.name.endsWith("_bucket") && s.labels["le"] === le)?.value
      expect([bucket("1"), bucket("5"), bucket("25"), bucket("+Inf")]).toEqual([1, 3, 3, 4])
      // Every other histogram registered (the member's own, if any) is well formed too.
      for (const f of families.values()) if (f.type === "histogram") checkHistogram(f)

      const page = yield* get(url + HttpView.paths.view)
      expect(page.status).toBe(200)
      expect(page.type).toContain("text/html")
      // Self-contained: nothing loaded from elsewhere (the SVG namespace is a name, not a fetch).
      expect(page.body).not.toMatch(/<script[^>]+src=|<link[^>]+href=|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg")/)

      const state = JSON.parse((yield* get(url + HttpView.paths.state)).body)
      expect(state).toMatchObject({ self: "view-a", status: "alive", ready: { ready: true, reason: null } })
      expect((yield* get(url + "/no-such-path")).status).toBe(404)
    }))

  it.scopedLive("the event stream starts with a snapshot, then pushes the change when a member stops", () =>
    Effect.gen(function*() {
      const a = yield* startMember({ name: "sse-a", seeds: [], config })
      yield* Effect.addFinalizer(() => a.stop)
      const b = yield* startMember({ name: "sse-b", seeds: [a.address], config, leaveOnClose: false })
      const url = yield* serveView(a.member, { sampleInterval: Duration.millis(200) })
      yield* eventually(Effect.map(a.member.members, (m) => m.length === 2), periods(20), "a sees b")

      const controller = new AbortController()
      yield* Effect.addFinalizer(() => Effect.sync(() => controller.abort()))
      const response = yield* Effect.promise(() => fetch(url + HttpView.paths.events, { signal: controller.signal }))
      expect(response.headers.get("content-type")).toBe("text/event-stream")
      const reader = response.body!.getReader()
      const decoder = new TextDecoder()
      let buffer = ""
      const frames: Array<{ event: string; data: any }> = []
      const readUntil = (what: string, predicate: (f: { event: string; data: any }) => boolean, limit: Duration.Duration) =>
        Effect.tryPromise(async () => {
          const deadline = Date.now() + Duration.toMillis(limit)
          for (;;) {
            const found = frames.find(predicate)
            if (found !== undefined) return found
            if (Date.now() > deadline) throw new Error(`no ${what} within ${Duration.format(limit)}`)
            const chunk = await Promise.race([
              reader.read(),
              new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${what} in time`)), Math.max(1, deadline - Date.now())))
            ])
            if (chunk.done) throw new Error("the stream ended")
            buffer += decoder.decode(chunk.value, { stream: true })
            let end: number
            while ((end = buffer.indexOf("\n\n")) >= 0) {
              const text = buffer.slice(0, end)
              buffer = buffer.slice(end + 2)
              const event = /^event: (.*)$/m.exec(text)?.[1] ?? "message"
              const data = /^data: (.*)$/m.exec(text)?.[1]
              frames.push({ event, data: data === undefined ? undefined : JSON.parse(data) })
            }
          }
        })

      const snapshot = yield* readUntil("snapshot", (f) => f.event === "snapshot", periods(10))
      expect(frames[0]!.event).toBe("snapshot")
      expect(snapshot.data.state.members.map((m: { name: string }) => m.name).sort()).toEqual(["sse-a", "sse-b"])
      expect(snapshot.data.samples.length).toBeGreaterThanOrEqual(1)
      yield* readUntil("sample", (f) => f.event === "sample", periods(10))

      yield* b.stop
      const stateOf = (f: { event: string; data: any }, name: string) =>
        f.event === "state" ? f.data.members.find((m: { name: string }) => m.name === name)?.state : undefined
      yield* readUntil("b suspect", (f) => stateOf(f, "sse-b") === "suspect", periods(30))
      const suspected = frames.find((f) => f.event === "state" && f.data.suspicions.some((s: { suspect: string }) => s.suspect === "sse-b"))
      expect(suspected?.data.suspicions[0].accusers).toContain("sse-a")
      yield* readUntil("b dead", (f) => stateOf(f, "sse-b") === "dead", periods(60))
      yield* readUntil("failed event", (f) => f.event === "event" && f.data.kind === "MemberFailed" && f.data.member === "sse-b", periods(5))
    }))

  it.scopedLive("HttpView.make gives a router an application can mount under a prefix of its own", () =>
    Effect.gen(function*() {
      const a = yield* startMember({ name: "mount-a", seeds: [], config })
      yield* Effect.addFinalizer(() => a.stop)
      const app = HttpRouter.empty.pipe(HttpRouter.mount("/ops/view", yield* HttpView.make(a.member, { minMembers: 2 })))
      const context = yield* Layer.build(
        HttpServer.serve(app).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { host: "127.0.0.1", port: 0 })))
      )
      const address = Context.get(context, HttpServer.HttpServer).address
      const base = `http://127.0.0.1:${address._tag === "TcpAddress" ? address.port : 0}/ops/view`
      expect((yield* get(base)).body).toContain("<!doctype html>")
      expect((yield* get(base + HttpView.paths.health)).status).toBe(503)
      expect(JSON.parse((yield* get(base + HttpView.paths.members)).body).map((m: { name: string }) => m.name)).toEqual(["mount-a"])
      const controller = new AbortController()
      const events = yield* Effect.promise(() => fetch(base + HttpView.paths.events, { signal: controller.signal }))
      expect(events.headers.get("content-type")).toBe("text/event-stream")
      controller.abort()
    }))

  it.effect("bad options fail with InvalidOptions naming the option", () =>
    Effect.gen(function*() {
      const member = {} as Parameters<typeof HttpView.make>[0]
      const error = (options: HttpView.Options) => Effect.flip(Effect.scoped(HttpView.make(member, options)))
      expect(yield* error({ minMembers: 0 })).toMatchObject({ _tag: "InvalidOptions", option: "minMembers" })
      expect(yield* error({ history: 1.5 })).toMatchObject({ option: "history" })
      expect(yield* error({ recentEvents: -1 })).toMatchObject({ option: "recentEvents" })
      expect(yield* error({ sampleInterval: "1 millis" })).toMatchObject({ option: "sampleInterval", problem: "must be at least 10 milliseconds" })
    }))

  it.scopedLive("notReadyWhileSuspected: after refuting an accusation, not ready until the longest suspicion is over", () =>
    Effect.gen(function*() {
      const a = yield* startMember({ name: "refute-a", seeds: [], config })
      yield* Effect.addFinalizer(() => a.stop)
      const b = yield* startMember({ name: "refute-b", seeds: [a.address], config })
      yield* Effect.addFinalizer(() => b.stop)
      yield* eventually(Effect.map(a.member.members, (m) => m.length === 2), periods(20), "a sees b")
      const strict = yield* serveView(a.member, { notReadyWhileSuspected: true })
      const lenient = yield* serveView(a.member)
      expect((yield* get(strict + HttpView.paths.health)).status).toBe(200)

      // An accusation of a at its current incarnation, as b would gossip it: a refutes at once.
      const incarnation = (yield* a.member.localMember).incarnation
      const raw = yield* Transport.makeNode({ host: "127.0.0.1", port: 0 })
      yield* raw.sendPacket(a.address, encodePacket([{ _tag: "Suspect", incarnation, node: a.name, from: b.name }]))
      yield* eventually(Effect.map(a.member.localMember, (m) => m.incarnation > incarnation), periods(10), "a refutes")

      const during = yield* get(strict + HttpView.paths.health)
      expect(during.status).toBe(503)
      expect(JSON.parse(during.body).reason).toMatch(/^this member refuted a suspicion of itself \d+ ms ago; others may suspect it for \d+ s more$/)
      expect((yield* get(lenient + HttpView.paths.health)).status).toBe(200)
      const state = JSON.parse((yield* get(strict + HttpView.paths.state)).body)
      expect(state.refutedAt).toBeTypeOf("number")

      // Ready again once the longest suspicion is over.
      const maxTimeout = Duration.toMillis((yield* a.member.suspicions).maxTimeout)
      expect(maxTimeout).toBeGreaterThan(0)
      yield* eventually(
        Effect.map(get(strict + HttpView.paths.health), (r) => r.status === 200),
        Duration.sum(Duration.millis(maxTimeout), periods(10)),
        "ready again after the max suspicion timeout"
      )
    }))
})

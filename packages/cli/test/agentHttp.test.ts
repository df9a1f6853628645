import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import * as HttpView from "effect-memberlist/HttpView"
import { checkHistogram, family, parsePrometheus } from "../../../test/support/prometheus.js"
import { type HttpOptions, resolveHttp } from "../src/agentHttp.js"
import { runToExit, startAgent, stopAll, stopProcess, waitFor } from "./agentProcess.js"

afterEach(stopAll)

// The local preset probes every second; bounds are in those periods (plus process start-up).
const periods = (n: number) => n * 1000

const none: HttpOptions = { http: Option.none(), httpMinMembers: Option.none(), httpNotReadyWhileSuspected: false }
const resolved = (o: Partial<HttpOptions>, env: Record<string, string> = {}) =>
  Effect.runPromise(Effect.either(resolveHttp({ ...none, ...o }, env)))

describe("agent --http options", () => {
  it("none without --http or SWIM_HTTP; the option wins over the variable", async () => {
    expect(await resolved({})).toEqual(Either.right(Option.none()))
    expect(await resolved({ http: Option.some("127.0.0.1:8080") }, { SWIM_HTTP: "10.0.0.1:1" })).toEqual(
      Either.right(Option.some({ address: { host: "127.0.0.1", port: 8080 }, view: { notReadyWhileSuspected: false } }))
    )
    expect(await resolved({}, { SWIM_HTTP: "0.0.0.0:8080", SWIM_HTTP_MIN_MEMBERS: "3", SWIM_HTTP_NOT_READY_WHILE_SUSPECTED: "true" }))
      .toEqual(Either.right(Option.some({ address: { host: "0.0.0.0", port: 8080 }, view: { minMembers: 3, notReadyWhileSuspected: true } })))
  })
  it("errors name the option or the variable to fix", async () => {
    const message = async (o: Partial<HttpOptions>, env: Record<string, string> = {}) => {
      const result = await resolved(o, env)
      return Either.isLeft(result) ? result.left.message : "no error"
    }
    expect(await message({ http: Option.some("localhost") })).toBe(`--http: "localhost" is not HOST:PORT (use [v6]:PORT for IPv6)`)
    expect(await message({}, { SWIM_HTTP: "x:1" })).toBe(`SWIM_HTTP: "x" is not an IP address`)
    expect(await message({ http: Option.some("127.0.0.1:0"), httpMinMembers: Option.some("0") })).toBe(
      `--http-min-members: "0" is not a whole number of at least 1`
    )
    expect(await message({ httpMinMembers: Option.some("2") })).toBe("--http-min-members: needs --http (or SWIM_HTTP)")
    expect(await message({ http: Option.some("127.0.0.1:0") }, { SWIM_HTTP_NOT_READY_WHILE_SUSPECTED: "yes" })).toBe(
      `SWIM_HTTP_NOT_READY_WHILE_SUSPECTED: "yes" is not true or false`
    )
  })
})

describe("effect-memberlist agent --http, as processes", () => {
  it("serves /health (503 alone with --http-min-members 2, 200 once a second agent joined), /metrics and /members", async () => {
    const start = (name: string, args: ReadonlyArray<string>) =>
      startAgent(name, ["--name", name, "--bind", "127.0.0.1:0", "--preset", "local", ...args])
    const first = await start("http-0", ["--http", "127.0.0.1:0", "--http-min-members", "2"])
    const http = await waitFor(first, "http line", (l) => l["event"] === "http", periods(5))
    const url = String(http["url"])
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const health = async () => {
      const response = await fetch(url + HttpView.paths.health, { signal: AbortSignal.timeout(10_000) })
      return { status: response.status, body: await response.json() }
    }
    expect(await health()).toEqual({ status: 503, body: { ready: false, members: 1, reason: "1 of the 2 members required are alive" } })

    const second = await start("http-1", ["--join", first.address])
    await waitFor(first, "join of http-1", (l) => l["event"] === "join" && l["name"] === second.name, periods(20))
    const deadline = Date.now() + periods(10)
    let last = await health()
    while (last.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      last = await health()
    }
    expect(last).toEqual({ status: 200, body: { ready: true, members: 2 } })

    // The join was a TCP exchange: the first UDP packet from the newcomer may still be a probe interval away.
    const scrape = async () => {
      const response = await fetch(url + HttpView.paths.metrics, { signal: AbortSignal.timeout(10_000) })
      expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8")
      return parsePrometheus(await response.text())
    }
    const packetsDeadline = Date.now() + periods(10)
    let families = await scrape()
    // ...and its first acked probe of the newcomer, which the round-trip histogram records.
    while (!(families.has("memberlist_packets_in") && families.has("memberlist_probe_rtt_ms")) && Date.now() < packetsDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      families = await scrape()
    }
    const packetsIn = family(families, "memberlist_packets_in")
    expect(packetsIn.type).toBe("counter")
    expect(packetsIn.samples.reduce((sum, s) => sum + s.value, 0)).toBeGreaterThan(0)
    // Every series of the agent's member is labelled with its name.
    expect(packetsIn.samples.map((s) => s.labels["member"])).toEqual(packetsIn.samples.map(() => "http-0"))
    expect(family(families, "memberlist_members_alive").samples).toContainEqual(
      expect.objectContaining({ labels: { member: "http-0" }, value: 2 })
    )
    // The member's probe round-trip histogram, labelled, and every histogram well formed.
    const rtt = family(families, "memberlist_probe_rtt_ms")
    expect(rtt.type).toBe("histogram")
    expect(new Set(rtt.samples.map((s) => s.labels["member"]))).toEqual(new Set(["http-0"]))
    expect(checkHistogram(rtt)).toBe(1)
    for (const f of families.values()) if (f.type === "histogram") checkHistogram(f)

    const members = (await (await fetch(url + HttpView.paths.members, { signal: AbortSignal.timeout(10_000) })).json()) as Array<{ name: string }>
    expect(members.map((m) => m.name).sort()).toEqual(["http-0", "http-1"])
    // A page still following the event stream does not hold the agent up: SIGTERM ends the stream and the agent.
    const controller = new AbortController()
    const stream = await fetch(url + HttpView.paths.events, { signal: controller.signal })
    expect(stream.headers.get("content-type")).toBe("text/event-stream")
    const reading = stream.text().catch(() => "")
    expect(await stopProcess(first, "SIGTERM")).toBe(0)
    expect(await reading).toMatch(/^event: snapshot\n/)
    controller.abort()
  }, 120_000)

  it("a port in use for --http is a clear error and exit code 1", async () => {
    const first = await startAgent("http-busy", ["--name", "busy", "--bind", "127.0.0.1:0", "--preset", "local", "--http", "127.0.0.1:0"])
    const url = String((await waitFor(first, "http line", (l) => l["event"] === "http", periods(5)))["url"])
    const taken = url.replace("http://", "")
    const { code, stderr } = await runToExit(["--name", "x", "--bind", "127.0.0.1:0", "--http", taken])
    expect(code).toBe(1)
    expect(stderr).toMatch(new RegExp(`^effect-memberlist: cannot serve the cluster view on ${taken.replace(/\./g, "\\.")}: .*EADDRINUSE`))
  }, 120_000)
})

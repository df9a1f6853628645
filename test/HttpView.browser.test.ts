import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { launchChromium } from "./support/browser.js"
import { eventually, startMember } from "./support/cluster.js"
import { serveView } from "./support/httpView.js"

// Short protocol periods; bounds below are in these periods.
const probe = Duration.millis(300)
const periods = (n: number) => Duration.toMillis(Duration.times(probe, n))
const config = { probeInterval: probe, probeTimeout: Duration.millis(100), gossipInterval: Duration.millis(50) }

describe("the cluster view in a real browser (headless Chromium)", () => {
  it.scopedLive("shows the members, then a member stopped without leaving turn suspect and dead, without a reload", () =>
    Effect.gen(function*() {
      const a = yield* startMember({ name: "web-a", seeds: [], config })
      yield* Effect.addFinalizer(() => a.stop)
      const b = yield* startMember({ name: "web-b", seeds: [a.address], config })
      yield* Effect.addFinalizer(() => b.stop)
      const c = yield* startMember({ name: "web-c", seeds: [a.address], config, leaveOnClose: false })
      yield* b.member.updateMetadata(new TextEncoder().encode("zone=eu-1"))
      yield* c.member.updateMetadata(new Uint8Array([0x81, 0x00, 0xff]))
      yield* eventually(Effect.map(a.member.members, (m) => m.length === 3), Duration.millis(periods(20)), "a sees all three")
      const url = yield* serveView(a.member, { sampleInterval: Duration.millis(250) })

      const browser = yield* launchChromium
      const page = yield* Effect.promise(() => browser.newPage())
      let loads = 0
      page.on("load", () => loads++)
      const errors: Array<string> = []
      page.on("pageerror", (error) => errors.push(error.message))
      yield* Effect.promise(() => page.goto(url, { waitUntil: "load", timeout: 15_000 }))

      const row = (name: string, state: string) => `tr[data-member="${name}"][data-state="${state}"]`
      yield* Effect.promise(() =>
        Promise.all(["web-a", "web-b", "web-c"].map((n) => page.waitForSelector(row(n, "alive"), { timeout: periods(30) })))
      )
      yield* Effect.promise(() => page.waitForSelector(row("web-c", "alive") + ` td:nth-child(5)`, { timeout: periods(30) }))
      const cells = yield* Effect.promise(() =>
        page.$$eval("#members tr", (rows: Array<any>) => rows.map((r) => Array.from(r.querySelectorAll("td"), (td: any) => td.textContent as string)))
      )
      const cellsOf = (name: string) => cells.find((r) => r[0]?.startsWith(name))
      expect(cellsOf("web-b")?.[4]).toBe("zone=eu-1")
      expect(cellsOf("web-c")?.[4]).toBe("0x8100ff")
      expect(cellsOf("web-c")?.[3]).toBe(`127.0.0.1:${c.address.port}`)
      expect(yield* Effect.promise(() => page.textContent("#self"))).toBe("web-a")
      // The charts are drawn from the samples the stream brings.
      yield* Effect.promise(() => page.waitForSelector("#c-packets svg polyline", { timeout: periods(20) }))

      yield* c.stop
      yield* Effect.promise(() => page.waitForSelector(row("web-c", "suspect"), { timeout: periods(40) }))
      yield* Effect.promise(() => page.waitForSelector(`#suspicions tr[data-suspect="web-c"]`, { timeout: periods(10) }))
      yield* Effect.promise(() => page.waitForSelector(row("web-c", "dead"), { timeout: periods(60) }))
      const seen = yield* Effect.promise(() => page.getAttribute(`tr[data-member="web-c"]`, "data-seen"))
      expect(seen?.split(" ")).toEqual(expect.arrayContaining(["alive", "suspect", "dead"]))
      const events = yield* Effect.promise(() => page.$$eval("#events li", (items: Array<any>) => items.map((li) => (li.textContent ?? "") as string)))
      expect(events.some((e) => e.includes("web-c declared dead"))).toBe(true)
      expect(yield* Effect.promise(() => page.textContent("#n-dead"))).toBe("1")
      expect(loads).toBe(1)
      expect(errors).toEqual([])
    }))
})

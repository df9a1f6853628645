/**
 * Stopped members' series (seriesRetirement.ts): kept for the names stopped
 * most recently, so that an exporter collecting after a member stopped still
 * reads it, and removed from Effect's registry beyond them, so that a process
 * starting members under ever new names does not keep every name's series.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Metric, Schema, Scope } from "effect"
import * as Discovery from "../../src/Discovery.js"
import { holdMemberSeries, keptStoppedNames, retiresSeries } from "../../src/internal/seriesRetirement.js"
import { MemberMetrics } from "../../src/internal/shell/memberMetrics.js"
import * as metrics from "../../src/internal/shell/metrics.js"
import * as Memberlist from "../../src/Memberlist.js"
import * as SwimConfig from "../../src/SwimConfig.js"
import * as Transport from "../../src/Transport.js"

/** Registry entries labelled `member=name`, read from the registry's snapshot (which creates nothing). */
const seriesOf = (name: string) =>
  Metric.unsafeSnapshot().filter((pair) => pair.metricKey.tags.some((t) => t.key === "member" && t.value === name))

const retiredCount = () => Metric.unsafeSnapshot().reduce((sum, pair) =>
  pair.metricKey.name === "memberlist_metric_series_retired" ? sum + (pair.metricState as unknown as { count: number }).count : sum, 0)

/** A member's worth of series: a counter, a tagged counter and a gauge. */
const writeSeries = (name: string) => {
  const member = new MemberMetrics(name)
  member.count(metrics.packetsOut, 3)
  member.countAs(metrics.pushPulls, "reason", "ok")
  member.set(metrics.healthScore, 1)
}

/** Stops `count` other names, each having written its series, pushing older stopped names out. */
const stopOthers = (prefix: string, count: number) => {
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${i}`
    const release = holdMemberSeries(name)
    writeSeries(name)
    release()
  }
}

describe("stopped members' metric series", () => {
  it("can be removed from this Effect's registry (an Effect upgrade that changes its shape fails here)", () => {
    expect(retiresSeries).toBe(true)
  })

  it("stay after the stop, for the most recently stopped names, and go once more names have stopped", () => {
    const release = holdMemberSeries("kept-then-retired")
    writeSeries("kept-then-retired")
    release()
    expect(seriesOf("kept-then-retired")).toHaveLength(3)
    const before = retiredCount()
    stopOthers("kept-filler", keptStoppedNames - 1)
    expect(seriesOf("kept-then-retired")).toHaveLength(3)
    stopOthers("kept-push", 1)
    expect(seriesOf("kept-then-retired")).toHaveLength(0)
    expect(retiredCount() - before).toBe(3)
    // Every name stopped since is still kept.
    expect(seriesOf("kept-push-0")).toHaveLength(3)
    expect(seriesOf(`kept-filler-${keptStoppedNames - 2}`)).toHaveLength(3)
  })

  it("are kept while any member of the name runs, and a name running again is no longer a stopped one", () => {
    const first = holdMemberSeries("shared-name")
    const second = holdMemberSeries("shared-name")
    writeSeries("shared-name")
    first()
    first() // a second release of the same hold changes nothing
    stopOthers("shared-filler", keptStoppedNames + 5)
    expect(seriesOf("shared-name")).toHaveLength(3)
    second()
    const again = holdMemberSeries("shared-name")
    stopOthers("shared-filler-2", keptStoppedNames + 5)
    expect(seriesOf("shared-name")).toHaveLength(3)
    again()
    stopOthers("shared-filler-3", keptStoppedNames)
    expect(seriesOf("shared-name")).toHaveLength(0)
  })

  it.live("a real member's series: there right after its scope closes, gone after 64 more members stopped", () =>
    Effect.gen(function*() {
      const network = Transport.makeMemoryNetwork()
      const run = (name: string, port: number) =>
        Effect.gen(function*() {
          const scope = yield* Scope.make()
          const transport = yield* Scope.extend(network.make({ host: "127.0.0.1", port }), scope)
          yield* Scope.extend(Memberlist.make({ messages: Schema.String, leaveOnClose: false }), scope).pipe(
            Effect.provideService(Transport.Transport, transport),
            Effect.provideService(Discovery.Discovery, Discovery.make(Effect.succeed([]))),
            Effect.provideService(SwimConfig.SwimConfig, SwimConfig.local({ name }))
          )
          yield* Scope.close(scope, Exit.void)
        })
      yield* run("real-member", 7400)
      const kept = seriesOf("real-member").length
      expect(kept).toBeGreaterThan(0)
      for (let i = 0; i < keptStoppedNames; i++) yield* run(`real-filler-${i}`, 7401 + i)
      expect(seriesOf("real-member")).toHaveLength(0)
      expect(seriesOf(`real-filler-${keptStoppedNames - 1}`).length).toBeGreaterThan(0)
    }))
})

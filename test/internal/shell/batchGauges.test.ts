/**
 * The gauges set after each batch (batchGauges.ts): the alive members are
 * counted after membership events at most once per eventRecountMillis, or
 * once a second, not after every packet nor after every event.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { BatchGauges, eventRecountMillis, recountMillis } from "../../../src/internal/shell/batchGauges.js"
import { MemberMetrics } from "../../../src/internal/shell/memberMetrics.js"
import * as metrics from "../../../src/internal/shell/metrics.js"

const gaugeOf = (member: string, gauge: Metric.Metric.Gauge<number>) =>
  Metric.value(Metric.tagged(gauge, "member", member)).pipe(Effect.map((state) => state.value))

/** Gauges over a fake member whose alive count and clock the test sets, counting the passes over its table. */
const fakeMember = (name: string, alive: number) => {
  const member = { alive, now: 0, passes: 0 }
  const gauges = new BatchGauges(new MemberMetrics(name), {
    healthScore: () => 0,
    queueDepths: () => ({ membership: 0, user: 0 }),
    countAlive: () => {
      member.passes++
      return member.alive
    },
    now: () => member.now
  })
  return { member, gauges }
}

describe("BatchGauges", () => {
  it.effect("recounts the alive members after a membership event or recountMillis, not after every batch", () =>
    Effect.gen(function*() {
      const name = "batch-gauges-alive"
      const { gauges, member } = fakeMember(name, 3)
      gauges.update()
      expect(yield* gaugeOf(name, metrics.aliveMembers)).toBe(3)

      // 100 batches without an event: no pass over the table.
      member.alive = 2
      for (let i = 0; i < 100; i++) gauges.update()
      expect(member.passes).toBe(1)

      member.now = eventRecountMillis
      gauges.changed()
      gauges.update()
      expect(member.passes).toBe(2)
      expect(yield* gaugeOf(name, metrics.aliveMembers)).toBe(2)

      // A change that published no event is caught by the backstop.
      member.alive = 1
      member.now = eventRecountMillis + recountMillis - 1
      gauges.update()
      expect(yield* gaugeOf(name, metrics.aliveMembers)).toBe(2)
      member.now = eventRecountMillis + recountMillis
      gauges.update()
      expect(yield* gaugeOf(name, metrics.aliveMembers)).toBe(1)
    }))

  it.effect("takes the time it is given (the driver loop's last read) instead of reading the clock", () =>
    Effect.gen(function*() {
      const name = "batch-gauges-given-time"
      const { gauges, member } = fakeMember(name, 4)
      gauges.update(0)
      member.alive = 5
      gauges.changed()
      // The member's own clock stands still; the time handed in is what decides.
      gauges.update(eventRecountMillis - 1)
      expect(member.passes).toBe(1)
      gauges.update(eventRecountMillis)
      expect(member.passes).toBe(2)
      expect(yield* gaugeOf(name, metrics.aliveMembers)).toBe(5)
    }))

  it.effect("a burst of membership events costs one pass over the table per eventRecountMillis, and the gauge catches up", () =>
    Effect.gen(function*() {
      const name = "batch-gauges-burst"
      const { gauges, member } = fakeMember(name, 1)
      gauges.update()
      expect(member.passes).toBe(1)
      // A join storm: 99 newcomers greet this member within 99 ms, one event and one batch each.
      for (let i = 0; i < 99; i++) {
        member.now = i + 1
        member.alive++
        gauges.changed()
        gauges.update()
      }
      expect(member.passes).toBe(1)
      expect(yield* gaugeOf(name, metrics.aliveMembers)).toBe(1)
      // The first batch a period after the last count counts once more, and the gauge is exact again.
      member.now = eventRecountMillis
      gauges.update()
      expect(member.passes).toBe(2)
      expect(yield* gaugeOf(name, metrics.aliveMembers)).toBe(100)
      // No event since: later batches within the backstop's second do not count.
      for (let i = 0; i < 50; i++) {
        member.now = eventRecountMillis + 10 * (i + 1)
        gauges.update()
      }
      expect(member.passes).toBe(2)
    }))

  it.effect("sets the health and queue gauges on every batch they changed", () =>
    Effect.gen(function*() {
      const name = "batch-gauges-queues"
      let depth = 5
      const gauges = new BatchGauges(new MemberMetrics(name), {
        healthScore: () => depth % 3,
        queueDepths: () => ({ membership: depth, user: depth * 2 }),
        countAlive: () => 1,
        now: () => 0
      })
      gauges.update()
      expect(yield* gaugeOf(name, metrics.membershipQueue)).toBe(5)
      depth = 7
      gauges.update()
      expect(yield* gaugeOf(name, metrics.membershipQueue)).toBe(7)
      expect(yield* gaugeOf(name, metrics.userQueue)).toBe(14)
      expect(yield* gaugeOf(name, metrics.healthScore)).toBe(1)
    }))
})

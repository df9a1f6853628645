/**
 * A core drop (nodeRuntime.ts `dropped`) is always counted; its debug line
 * is left for the driver fiber only when debug lines are logged. Otherwise a
 * flood of bad inputs would wake the fiber once per input to log nothing.
 * Drops with a line above debug (a filter's refusal) keep it at any level.
 */
import { describe, expect, it } from "@effect/vitest"
import { Metric, type MetricState } from "effect"
import { MemberMetrics } from "../../../src/internal/shell/memberMetrics.js"
import { make, type NodeRuntimeOptions } from "../../../src/internal/shell/nodeRuntime.js"

let members = 0
/** A runtime whose `dropped` touches only the metrics; a fresh member name per call keeps the series apart. */
const runtimeWith = (debugLogged: boolean) => {
  const name = `dropped-log-${members++}`
  const options = { debugLogged, metrics: new MemberMetrics(name), telemetry: { observe: () => {} } } as unknown as NodeRuntimeOptions<unknown>
  return { name, runtime: make(options) }
}

/** The `memberlist_core_dropped` count of member `name` for `reason`. */
const counted = (name: string, reason: string): number => {
  let sum = 0
  for (const pair of Metric.unsafeSnapshot()) {
    if (pair.metricKey.name !== "memberlist_core_dropped") continue
    const tags = new Map(pair.metricKey.tags.map((t) => [t.key, t.value]))
    if (tags.get("member") === name && tags.get("reason") === reason) {
      sum += (pair.metricState as MetricState.MetricState.Counter<number>).count
    }
  }
  return sum
}

describe("a core drop's log line", () => {
  it("at the default level (debug filtered out): counted, nothing left for the fiber", () => {
    const { name, runtime } = runtimeWith(false)
    runtime.dropped({ _tag: "Dropped", reason: "NotForUs", detail: "a ping for another node", count: 3 })
    expect(runtime.pending).toHaveLength(0)
    expect(counted(name, "NotForUs")).toBe(3)
  })

  it("when debug lines are logged: counted, and the line left for the fiber", () => {
    const { name, runtime } = runtimeWith(true)
    runtime.dropped({ _tag: "Dropped", reason: "NotForUs", detail: "a ping for another node" })
    expect(runtime.pending).toHaveLength(1)
    expect(counted(name, "NotForUs")).toBe(1)
  })

  it("a filter's refusal keeps its info line at any level", () => {
    const { runtime } = runtimeWith(false)
    runtime.dropped({ _tag: "Dropped", reason: "JoinRefused", detail: "filterJoin said no" })
    expect(runtime.pending).toHaveLength(1)
  })
})

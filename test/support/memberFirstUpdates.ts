/**
 * The first metric updates of a member of the lan 100 join phase, in the
 * order a start and a join make them: the 12 series it ends with (4 gauges,
 * 6 counters, `push_pulls{reason=ok}`, the join-duration and probe-rtt
 * histograms). Shared by test/internal/seriesHooks.test.ts and
 * bench/member-series.ts.
 */
import type { MemberMetrics } from "../../src/internal/shell/memberMetrics.js"
import * as metrics from "../../src/internal/shell/metrics.js"

/** Makes `member`'s first updates. */
export const memberFirstUpdates = (member: MemberMetrics): void => {
  member.set(metrics.healthScore, 0)
  member.set(metrics.membershipQueue, 0)
  member.set(metrics.userQueue, 0)
  member.set(metrics.aliveMembers, 1)
  member.count(metrics.packetsOut)
  member.count(metrics.bytesOut, 100)
  member.count(metrics.packetsIn)
  member.count(metrics.bytesIn, 100)
  member.countAs(metrics.pushPulls, "reason", "ok")
  member.observe(metrics.joinDuration, 12)
  member.count(metrics.probes)
  member.observe(metrics.probeRtt, 1)
}

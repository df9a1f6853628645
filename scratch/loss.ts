import { SimulatedCluster, lanNetwork } from "../src/internal/simulation/cluster.js"
import { NodeState } from "../src/internal/swim/messages.js"
for (const seed of [1,2,3,4,5,6,7,8]) {
const c = new SimulatedCluster({ seed }); const ov = { tcpPingFallback: false }
const names = Array.from({ length: 50 }, (_, i) => `n${i}`)
for (const n of names) c.addNode(n, ov)
c.start("n0")
for (const n of names.slice(1)) c.start(n, ["n0"])
c.runUntilTrue(() => names.every((o) => { const v = c.view(o); return names.every((n) => v.get(n) === NodeState.Alive) }), 60000, 50)
c.setNetwork({ ...lanNetwork, loss: 0.1 })
const start = c.now
c.runFor(600_000)
const fails = c.events.filter(e => e.event._tag === "MemberFailed")
const susp = c.events.filter(e => e.at > start && e.event._tag === "MemberSuspected")
console.log(seed, "false deaths", fails.length, "suspicions", susp.length, c.stats)
}

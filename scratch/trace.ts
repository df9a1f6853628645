import { SimulatedCluster, lanNetwork } from "../src/internal/simulation/cluster.js"
import { NodeState } from "../src/internal/swim/messages.js"
const seed = Number(process.argv[2] ?? 1)
const c = new SimulatedCluster({ seed }); const ov = { tcpPingFallback: false }
const names = Array.from({ length: 50 }, (_, i) => `n${i}`)
for (const n of names) c.addNode(n, ov)
c.start("n0")
for (const n of names.slice(1)) c.start(n, ["n0"])
c.runUntilTrue(() => names.every((o) => { const v = c.view(o); return names.every((n) => v.get(n) === NodeState.Alive) }), 60000, 50)
c.setNetwork({ ...lanNetwork, loss: 0.1 })
c.runFor(600_000)
const fails = c.events.filter(e => e.event._tag === "MemberFailed")
for (const f of fails) {
  const ev = f.event as any
  const victim = ev.member.name
  console.log("FAILED", f.at, "observer", f.node, "victim", victim, "inc", ev.member.incarnation, "from", ev.from)
  for (const e of c.events) {
    const m = (e.event as any).member
    if (e.at > f.at - 60000 && e.at < f.at + 5000 && ((m && m.name === victim && e.node === f.node) || (e.node === victim && e.event._tag === "LocalStatus")))
      console.log("   ", e.at, e.node, e.event._tag, m?.incarnation ?? (e.event as any).incarnation, (e.event as any).from ?? "")
  }
}

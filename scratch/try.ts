import { SimulatedCluster } from "../src/internal/simulation/cluster.js"
import { NodeState } from "../src/internal/swim/messages.js"
const c = new SimulatedCluster({ seed: 1 })
const names = Array.from({ length: 50 }, (_, i) => `n${i}`)
for (const n of names) c.addNode(n)
c.start("n0")
for (const n of names.slice(1)) c.start(n, ["n0"])
const allSee = () => names.every((o) => { const v = c.view(o); return names.every((n) => v.get(n) === NodeState.Alive) })
const t = c.runUntilTrue(allSee, 60000, 50)
console.log("converged at", t, c.stats)
c.kill("n7")
const t0 = c.now
const dead = () => names.filter(n => n !== "n7").every((o) => c.view(o).get("n7") === NodeState.Dead)
console.log("detected after", (c.runUntilTrue(dead, 60000, 50) ?? NaN) - t0)
const falseDeaths = c.events.filter(e => e.event._tag === "MemberFailed" && e.event.member.name !== "n7")
console.log("false deaths", falseDeaths.length)
c.restart("n7", ["n0"])
const t1 = c.now
const back = () => names.every((o) => c.view(o).get("n7") === NodeState.Alive)
console.log("rejoined after", (c.runUntilTrue(back, 60000, 50) ?? NaN) - t1, c.node("n7").core.members.get("n7")?.incarnation)

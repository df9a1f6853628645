/**
 * Push/pull in a converged simulation: the state a node sends holds its
 * shared records themselves (one frozen record per member, sharedRecord.ts)
 * and copies only of what is private, and a merge reads what it is given
 * without copying either side's view.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Core from "../../../src/internal/swim/core.js"
import type { PushNodeState } from "../../../src/internal/swim/messages.js"
import { NodeState } from "../../../src/internal/swim/messages.js"
import { MemberTable, memberNames } from "../../../src/internal/swim/memberTable.js"
import { ownRecord } from "../../../src/internal/swim/sharedRecord.js"
import { localStates } from "../../../src/internal/swim/state.js"
import { invalidPushState } from "../../../src/internal/swim/validate.js"
import { makeVersions, verifyProtocol } from "../../../src/internal/swim/versions.js"
import { makeScenario } from "../../../src/internal/simulation/scenario.js"
import { buildCluster, nodeName, startConverged } from "../../../src/internal/simulation/setup.js"
import { ViewTracker } from "../../../src/internal/simulation/tracker.js"
import { addressOf, CoreDriver, pushState } from "./driver.js"

const nodes = 10

const convergedCluster = () => {
  const cluster = buildCluster(makeScenario({ nodes, seed: 5, convergedStart: true }), new ViewTracker(nodes))
  startConverged(cluster, nodes)
  return cluster
}

const fieldsOf = (s: PushNodeState) => ({
  name: s.name,
  address: s.address,
  meta: s.meta,
  incarnation: s.incarnation,
  state: s.state,
  versions: s.versions
})

describe("push/pull of a converged view", () => {
  it("sends every shared record as it is and a snapshot of each private one", () => {
    const core = convergedCluster().list[3]!.core
    const states = localStates(core)
    expect(states.map((s) => s.name).sort()).toEqual(Array.from({ length: nodes }, (_, i) => nodeName(i)).sort())
    for (const s of states) {
      const record = core.members.get(s.name)!
      if (s.name === nodeName(3)) {
        expect(s).not.toBe(record)
        expect(fieldsOf(s)).toEqual(fieldsOf(record))
      } else {
        expect(s).toBe(record)
        expect(Object.isFrozen(s)).toBe(true)
      }
    }
  })

  it("keeps what was sent when the sender later changes a record it made private", () => {
    const core = convergedCluster().list[0]!.core
    const shared = core.members.get(nodeName(4))!
    const own = ownRecord(core, shared)
    const before = localStates(core).find((s) => s.name === nodeName(4))!
    expect(before).not.toBe(own)
    own.state = NodeState.Suspect
    own.incarnation = 9
    expect(before).toMatchObject({ state: NodeState.Alive, incarnation: shared.incarnation })
    expect(localStates(core).find((s) => s.name === nodeName(4))).toMatchObject({ state: NodeState.Suspect, incarnation: 9 })
  })

  it("changes nothing when a converged node merges another's state: answered, nothing queued, reported or dropped", () => {
    const cluster = convergedCluster()
    const [a, b] = [cluster.list[1]!, cluster.list[2]!]
    const before = Core.snapshot(a.core)
    const out = Core.step(a.core, {
      _tag: "PushPullRequest",
      from: b.address,
      join: false,
      states: localStates(b.core),
      replyTo: 1
    }, 0)
    expect(out.map((o) => o._tag)).toEqual(["PushPullReply"])
    expect(Core.snapshot(a.core)).toEqual(before)
  })

  it("merges the valid entries of a state with a malformed one and reports that one", () => {
    const d = new CoreDriver()
    const bad = { ...pushState("bad", NodeState.Alive, 1), incarnation: -1 }
    const out = d.input({
      _tag: "PushPullRequest",
      from: addressOf("q"),
      join: false,
      states: [pushState("q", NodeState.Alive, 1), bad, pushState("r", NodeState.Alive, 2)],
      replyTo: 2
    })
    expect(out.filter((o) => o._tag === "Dropped")).toEqual([
      { _tag: "Dropped", reason: "Malformed", detail: "push/pull entry: bad incarnation" }
    ])
    expect(d.member("q")?.incarnation).toBe(1)
    expect(d.member("r")?.incarnation).toBe(2)
    expect(d.member("bad")).toBeUndefined()
  })
})

describe("validating a shared push/pull entry", () => {
  const entry = (name: string, meta: number) => Object.freeze({ ...pushState(name, NodeState.Alive, 1), meta: new Uint8Array(meta) })

  it("remembers only that it is well formed: each bound still judges its metadata", () => {
    const shared = entry("vs-a", 3)
    expect(invalidPushState(shared, 10)).toBeUndefined()
    expect(invalidPushState(shared, 2)).toBe("bad or oversized meta")
    expect(invalidPushState(shared, 3)).toBeUndefined()
  })

  it("remembers nothing of an entry refused: a larger bound accepts it later, a bad one is refused each time", () => {
    const big = entry("vs-b", 5)
    expect(invalidPushState(big, 4)).toBe("bad or oversized meta")
    expect(invalidPushState(big, 5)).toBeUndefined()
    const badName = Object.freeze({ ...pushState("vs-c", NodeState.Alive, 1), name: "" })
    expect([invalidPushState(badName, 10), invalidPushState(badName, 10)]).toEqual(["bad name", "bad name"])
  })
})

describe("verifyProtocol over a member table", () => {
  const member = (name: string, versions: ReturnType<typeof makeVersions>, state: NodeState = NodeState.Alive) => ({
    name,
    state,
    versions
  })

  it("gives the answer it gives for the same members in an array", () => {
    const local = [
      member("cpt-me", makeVersions(1, 5, 5, 0, 0, 0)),
      member("cpt-old", makeVersions(1, 3, 2, 0, 0, 0)),
      member("cpt-gone", makeVersions(4, 5, 5, 0, 0, 0), NodeState.Dead)
    ]
    const table = new MemberTable<(typeof local)[number]>(memberNames)
    for (const m of local) table.set(m.name, m)
    for (const remote of [[member("a", makeVersions(1, 5, 2, 0, 0, 0))], [member("b", makeVersions(1, 5, 5, 0, 0, 0))], []]) {
      expect(verifyProtocol(table, remote)).toEqual(verifyProtocol(local, remote))
    }
    // The local member whose current version the cluster cannot speak is found in the table too.
    expect(verifyProtocol(table, [])).toMatchObject({ kind: "protocol", node: "cpt-me", current: 5, max: 3 })
  })
})

/**
 * A member whose socket refuses every packet (its interface is down) while
 * its streams still work (no stream ping fallback, which would hide the
 * difference): the shell tells the core each refused ping, and
 * the member suspects no one — against a control whose packets are lost on
 * the way, which does suspect.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, Ref, TestClock } from "effect"
import * as Discovery from "../../../src/Discovery.js"
import * as Memberlist from "../../../src/Memberlist.js"
import * as SwimConfig from "../../../src/SwimConfig.js"
import * as Transport from "../../../src/Transport.js"
import * as VirtualCluster from "../../support/virtualCluster.js"

/** Starts a member at `address` seeded with `seed`; `refuse`: its socket refuses every packet. */
const startMember = (network: Transport.MemoryNetwork, name: string, address: Transport.Address, seed: Transport.Address, refuse: boolean) =>
  Effect.gen(function*() {
    const transport = Layer.scoped(
      Transport.Transport,
      Effect.map(network.make(address), (t): Transport.TransportShape =>
        refuse
          ? {
            ...t,
            sendPacket: (to) =>
              Effect.fail(new Transport.TransportError({ reason: "SendFailed", message: `no route to ${to.host}` }))
          }
          : t)
    )
    const layer = Memberlist.layer(VirtualCluster.Cluster, { messages: VirtualCluster.Note, seed: 7, leaveOnClose: false }).pipe(
      Layer.provide(transport),
      Layer.provide(Discovery.layer(Effect.succeed([seed]))),
      Layer.provide(SwimConfig.layer(SwimConfig.local({ name, bindHost: address.host, bindPort: address.port, tcpPingFallback: false })))
    )
    const context = yield* Layer.build(layer)
    return Context.get(context, VirtualCluster.Cluster)
  })

const suspectsAfter = (refuse: boolean) =>
  Effect.gen(function*() {
    const cluster = yield* VirtualCluster.make()
    const [b] = yield* cluster.startMany(1)
    const a = yield* startMember(cluster.network, "a", VirtualCluster.addressOf(5), b!.address, refuse)
    yield* VirtualCluster.advanceUntil(
      Effect.map(a.members, (view) => view.some((m) => m.name === b!.name)),
      Duration.seconds(5),
      "a joined over its stream"
    )
    // The control loses a's packets on the way: the same silence, but not one a's socket reports.
    if (!refuse) yield* cluster.network.setFilter((p) => p.from.host === VirtualCluster.addressOf(5).host)
    const events = yield* VirtualCluster.recordEvents({ member: a } as VirtualCluster.VirtualMember)
    for (let i = 0; i < 100; i++) yield* TestClock.adjust(Duration.millis(100))
    return VirtualCluster.eventsAbout(yield* Ref.get(events), b!.name).filter((e) => e !== "MemberJoined")
  })

describe("sends refused by the local socket", () => {
  it.scoped("are no evidence: a member whose every packet is refused suspects no one in 10 s", () =>
    Effect.gen(function*() {
      expect(yield* suspectsAfter(true)).toEqual([])
    }))

  it.scoped("the control: the same silence from packets lost on the way makes it suspect its peer", () =>
    Effect.gen(function*() {
      expect(yield* suspectsAfter(false)).toContain("MemberSuspected")
    }))
})

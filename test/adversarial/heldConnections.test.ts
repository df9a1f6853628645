/**
 * Attack: 2,000 TCP connections held open on a member's real port on
 * 127.0.0.1, never writing a byte (about 4,000 descriptors in this process;
 * the test checks `ulimit -n` leaves room).
 *
 * Figure: with the 2,000 held, a new member's join through the held member
 * completes (its push/pull is served: the newest stream pushes out the
 * oldest of its host over 64), and both see each other within 5 s. Before:
 * 1,100 held connections blocked push/pull, stream pings and reliable sends
 * for each timeout window.
 */
import { describe, expect, it } from "@effect/vitest"
import { execSync } from "node:child_process"
import * as net from "node:net"
import { Duration, Effect } from "effect"
import * as Memberlist from "../../src/Memberlist.js"
import { eventually, seesExactly, startMember } from "../support/cluster.js"
import { counted } from "../support/virtualCluster.js"

const held = 2000

const openFileLimit = (): number => {
  try {
    const out = execSync("ulimit -n", { shell: "/bin/sh" }).toString().trim()
    return out === "unlimited" ? Infinity : Number(out)
  } catch {
    return 0
  }
}

/** Opens `n` connections to `port` and holds them until the scope closes. */
const holdConnections = (port: number, n: number) =>
  Effect.acquireRelease(
    Effect.async<Array<net.Socket>, Error>((resume) => {
      const sockets: Array<net.Socket> = []
      let connected = 0
      let failed = false
      for (let i = 0; i < n; i++) {
        const socket = net.connect({ host: "127.0.0.1", port })
        socket.on("error", () => {}) // the member closes the evicted ones: expected
        socket.once("connect", () => {
          if (++connected === n) resume(Effect.succeed(sockets))
        })
        socket.once("close", () => {
          if (connected < n && !failed && socket.connecting) {
            failed = true
            resume(Effect.fail(new Error("a held connection could not be opened")))
          }
        })
        sockets.push(socket)
      }
    }),
    (sockets) => Effect.sync(() => sockets.forEach((s) => s.destroy()))
  )

describe("held connections on real sockets", () => {
  it.scopedLive(`${held} connections held open on 127.0.0.1 do not stop a join's push/pull`, () =>
    Effect.gen(function*() {
      expect(openFileLimit()).toBeGreaterThan(2 * held + 256)
      const seed = yield* Effect.acquireRelease(startMember({ name: "seed", seeds: [], leaveOnClose: false }), (m) => m.stop)
      const evictedBefore = yield* counted(Memberlist.metrics.inboundStreamsEvicted)
      const sockets = yield* holdConnections(seed.address.port, held)
      expect(sockets.length).toBe(held)
      const late = yield* Effect.acquireRelease(
        startMember({ name: "late", seeds: [seed.address], leaveOnClose: false }),
        (m) => m.stop
      )
      yield* eventually(seesExactly([seed, late], ["seed", "late"]), Duration.seconds(5), "seed and late see each other")
      // and it is the cap that let it through: the seed pushed held streams out to serve the join
      expect((yield* counted(Memberlist.metrics.inboundStreamsEvicted)) - evictedBefore).toBeGreaterThan(0)
    }), { timeout: 30_000 })
})

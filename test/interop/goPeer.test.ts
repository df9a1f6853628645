/**
 * Tests of our Go interop peer with Go-only clusters: they prove the harness
 * (test/interop/peer + goPeer.ts) before TypeScript nodes join it.
 *
 * Needs Go and Debian's memberlist (golang-go, golang-github-hashicorp-memberlist-dev):
 * without them beforeAll fails with the build script's message.
 */
import { describe, expect, it } from "@effect/vitest"
import { randomBytes } from "node:crypto"
import { afterAll, afterEach, beforeAll } from "vitest"
import { ensureGoPeerBuilt, type GoPeer, type GoPeerEvent, type GoPeerOptions, startGoPeer, stopAll } from "./goPeer.js"

// memberlist's DefaultLocalConfig (0.2.2), which the peers use by default.
const local = { probeIntervalMs: 1_000, probeTimeoutMs: 200, suspicionMult: 3, suspicionMaxTimeoutMult: 6 }

/** memberlist's suspicionTimeout: mult * max(1, log10(n)) * probe interval. */
const suspicionTimeoutMs = (n: number): number =>
  local.suspicionMult * Math.max(1, Math.log10(Math.max(1, n))) * local.probeIntervalMs

const key = (): string => randomBytes(32).toString("base64")

const isMessage = (text: string) => (e: GoPeerEvent): boolean => e.event === "message" && e.text === text

/** Starts `names[0]`, then the others joining it; waits until every peer sees every name. */
const cluster = async (
  names: ReadonlyArray<string>,
  keys?: ReadonlyArray<string>,
  options: Partial<GoPeerOptions> = {}
): Promise<Array<GoPeer>> => {
  const withKeys = keys === undefined ? options : { ...options, keys }
  const [first, ...rest] = names
  if (first === undefined) throw new Error("empty cluster")
  const seed = await startGoPeer({ name: first, ...withKeys })
  const others = await Promise.all(rest.map((name) => startGoPeer({ name, join: [seed.address], ...withKeys })))
  const peers = [seed, ...others]
  await Promise.all(peers.map((p) => p.waitForMembers(names, 10_000)))
  return peers
}

beforeAll(() => ensureGoPeerBuilt(), 180_000)
afterEach(() => stopAll())
afterAll(() => stopAll())

describe("Go interop peer", () => {
  it("three peers join through the first and all see 3 members", async () => {
    const [a, b, c] = await cluster(["a", "b", "c"])
    for (const p of [a!, b!, c!]) {
      const members = await p.members()
      expect(members.map((m) => m.name).sort()).toEqual(["a", "b", "c"])
      expect(members.every((m) => m.state === "alive" && m.addr.startsWith("127.0.0.1:"))).toBe(true)
      // join events for the other two, with the addresses they advertise
      for (const q of [a!, b!, c!]) {
        const join = await p.waitFor((e) => e.event === "join" && e.name === q.name, 5_000)
        expect(join.event === "join" && join.addr).toBe(q.address)
      }
    }
  })

  it("a broadcast from one peer reaches the other two", async () => {
    // memberlist sends a queued broadcast RetransmitMult * ceil(log10(n + 1)) times in all, and one gossip
    // round hands it to both other peers: at the local preset's 2 that is one datagram per peer, and one
    // datagram lost under a loaded CI run failed this test once. 6 gives each peer three chances.
    const [a, b, c] = await cluster(["a", "b", "c"], undefined, { retransmitMult: 6 })
    const text = `hello from a ${randomBytes(4).toString("hex")}`
    a!.command(`broadcast ${text}`)
    await a!.waitFor((e) => e.event === "sent" && e.mode === "broadcast", 2_000)
    // Piggybacked on gossip (every 100ms with the local preset).
    const [mb, mc] = await Promise.all([b!.waitFor(isMessage(text), 5_000), c!.waitFor(isMessage(text), 5_000)])
    expect(mb.event === "message" && Buffer.from(mb.payload, "base64").toString()).toBe(text)
    expect(mc.event).toBe("message")
  })

  it("send (UDP) and send-reliable (TCP) deliver user messages", async () => {
    const [a, b] = await cluster(["a", "b"])
    a!.command("send b over udp")
    await a!.waitFor((e) => e.event === "sent" && e.mode === "udp" && e.to === "b", 2_000)
    await b!.waitFor(isMessage("over udp"), 5_000)
    a!.command("send-reliable b over tcp")
    await a!.waitFor((e) => e.event === "sent" && e.mode === "tcp" && e.to === "b", 2_000)
    await b!.waitFor(isMessage("over tcp"), 5_000)
    // binary payloads
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe])
    b!.command(`send-reliable-b64 a ${bytes.toString("base64")}`)
    const got = await a!.waitFor((e) => e.event === "message" && e.payload === bytes.toString("base64"), 5_000)
    expect(got.event === "message" && got.text === undefined).toBe(true) // not valid UTF-8, so no text
    // unknown member
    const since = a!.events.length
    a!.command("send nobody hi")
    await a!.waitFor((e) => e.event === "error" && e.message.includes("nobody"), 2_000, { since })
  })

  it("a SIGKILLed peer is eventually reported as leave by the others", async () => {
    const [a, b, c] = await cluster(["a", "b", "c"])
    const killedAt = Date.now()
    await c!.kill()
    // Detection: the survivors probe c within (n-1) probe intervals, then suspect it
    // for at most SuspicionMaxTimeoutMult * suspicionTimeout(n). Allow a generous margin.
    const boundMs = local.suspicionMaxTimeoutMult * suspicionTimeoutMs(3) + 6 * local.probeIntervalMs + 6_000
    const left = await Promise.all(
      [a!, b!].map((p) => p.waitFor((e) => e.event === "leave" && e.name === "c", boundMs))
    )
    const took = left.map((e) => (e.event === "leave" ? e.at - killedAt : NaN))
    console.info(`failure detection (local preset, 3 nodes): ${took.join("ms, ")}ms; bound ${boundMs}ms`)
    await a!.waitForMembers(["a", "b"], 5_000)
    await b!.waitForMembers(["a", "b"], 5_000)
  }, 60_000)

  it("leave and SIGTERM: the others see a leave at once and the peer exits 0", async () => {
    const [a, b, c] = await cluster(["a", "b", "c"])
    c!.command("leave")
    await c!.waitFor((e) => e.event === "left", 8_000)
    await Promise.all([a!, b!].map((p) => p.waitFor((e) => e.event === "leave" && e.name === "c", 3_000)))
    c!.command("quit")
    expect((await c!.exit).code).toBe(0)
    expect(await b!.stop()).toBe(0)
    await a!.waitFor((e) => e.event === "leave" && e.name === "b", 3_000)
  })

  it("a join that reaches nobody fails: startGoPeer rejects with the peer's error", async () => {
    const a = await startGoPeer({ name: "a" })
    const port = Number(a.address.split(":")[1])
    await a.stop()
    await expect(startGoPeer({ name: "b", join: [`127.0.0.1:${port}`] })).rejects.toThrow(/join .* failed/)
  })

  it("with the same key peers form a cluster (also with a second key in the keyring)", async () => {
    const k1 = key()
    const [a] = await cluster(["a", "b"], [k1])
    // A rotating node: primary k1 plus a secondary key it does not use yet.
    const c = await startGoPeer({ name: "c", join: [a!.address], keys: [k1, key()] })
    await c.waitForMembers(["a", "b", "c"], 10_000)
    await a!.waitForMembers(["a", "b", "c"], 10_000)
  })

  it("with different keys (or none) a peer is kept out", async () => {
    const a = await startGoPeer({ name: "a", keys: [key()] })
    await expect(startGoPeer({ name: "b", join: [a.address], keys: [key()] })).rejects.toThrow(
      /No installed keys could decrypt/
    )
    await expect(startGoPeer({ name: "c", join: [a.address] })).rejects.toThrow(/encrypt/)
    // and a never saw them
    expect(await a.members()).toEqual([expect.objectContaining({ name: "a" })])
    expect(a.events.some((e) => e.event === "join" && e.name !== "a")).toBe(false)
  })

  it("metadata: -meta is visible to others and a meta change is an update event", async () => {
    const a = await startGoPeer({ name: "a", meta: "role=seed" })
    const b = await startGoPeer({ name: "b", join: [a.address], meta: "v1" })
    const join = await a.waitFor((e) => e.event === "join" && e.name === "b", 5_000)
    expect(join.event === "join" && join.meta).toBe("v1")
    expect((await b.waitForMembers(["a", "b"])).find((m) => m.name === "a")?.meta).toBe("role=seed")
    b.command("meta v2")
    await b.waitFor((e) => e.event === "updated", 5_000)
    await a.waitFor((e) => e.event === "update" && e.name === "b" && e.meta === "v2", 5_000)
  })

  it("stopAll ends every peer", async () => {
    const peers = await cluster(["a", "b"])
    await stopAll()
    for (const p of peers) {
      expect(p.exited).toBe(true)
      expect(() => process.kill(p.pid, 0)).toThrow()
    }
  })
})

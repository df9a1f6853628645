/**
 * HashiCorp memberlist's side of the mass-kill measurement (docs/protocol.md,
 * "Many members failing at once"): N Go memberlist peers, one process each
 * on loopback with memberlist's LAN config, all joined through the first;
 * 10 s after every peer sees all N, 10% of them (never the first) are killed
 * with SIGKILL, and the time until every survivor has reported every victim
 * gone is printed. Real time: one run takes about 25 s.
 *
 *   sh test/interop/build-peer.sh     # builds test/interop/bin/peer (needs Go)
 *   npx tsx bench/go-mass-kill.ts 50 1    # members, run number (picks the victims)
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"

const members = Number(process.argv[2] ?? 50)
let state = (Number(process.argv[3] ?? 1) * 2654435761) % 4294967296
const random = () => {
  state = (state * 1664525 + 1013904223) % 4294967296
  return state / 4294967296
}

interface Peer {
  readonly name: string
  readonly process: ChildProcess
  readonly joined: Set<string>
  /** When it reported each member gone (memberlist's NotifyLeave: dead or left). */
  readonly gone: Map<string, number>
}

const peers: Array<Peer> = []
const start = (i: number, seed: string | undefined) =>
  new Promise<string>((resolve) => {
    const args = ["-name", `go-${i}`, "-bind", "127.0.0.1:0", "-preset", "lan"]
    if (seed !== undefined) args.push("-join", seed)
    const child = spawn("test/interop/bin/peer", args, { stdio: ["pipe", "pipe", "ignore"] })
    const peer: Peer = { name: `go-${i}`, process: child, joined: new Set(), gone: new Map() }
    peers.push(peer)
    createInterface({ input: child.stdout! }).on("line", (line) => {
      let event: { event?: string; name?: string; addr?: string }
      try {
        event = JSON.parse(line)
      } catch {
        return
      }
      if (event.event === "ready") resolve(event.addr!)
      if (event.event === "join") peer.joined.add(event.name!)
      if (event.event === "leave" && !peer.gone.has(event.name!)) peer.gone.set(event.name!, Date.now())
    })
  })
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const seed = await start(0, undefined)
for (let i = 1; i < members; i++) await start(i, seed)
const joinStart = Date.now()
while (!peers.every((p) => p.joined.size >= members) && Date.now() - joinStart < 60_000) await sleep(200)
await sleep(10_000)

const victims = peers.slice(1).map((p) => ({ p, r: random() })).sort((a, b) => a.r - b.r)
  .slice(0, Math.round(members / 10)).map(({ p }) => p)
const killedAt = Date.now()
for (const v of victims) v.process.kill("SIGKILL")
const survivors = peers.filter((p) => !victims.includes(p))
const allSeen = () => survivors.every((s) => victims.every((v) => s.gone.has(v.name)))
while (!allSeen() && Date.now() - killedAt < 60_000) await sleep(100)

const firstDead = victims.map((v) => Math.min(...survivors.map((s) => s.gone.get(v.name) ?? Infinity)) - killedAt)
const lastDead = Math.max(...victims.map((v) => Math.max(...survivors.map((s) => s.gone.get(v.name) ?? Infinity)))) - killedAt
console.log(
  `memberlist, ${members} members, ${victims.length} killed: last dead ${(lastDead / 1000).toFixed(2)} s ` +
    `(first dead per victim: ${firstDead.map((t) => (t / 1000).toFixed(1)).join(", ")} s)`
)
for (const p of peers) p.process.kill("SIGKILL")
process.exit(0)

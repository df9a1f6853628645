/**
 * Wire codec throughput: encode and decode messages per second for a ping,
 * an alive and a full 1400-byte compound packet, plain and encrypted
 * (AES-GCM, encryption version 1, 32-byte key, CRC on as for protocol 5).
 * Run: `npx tsx bench/wire.ts`. Prints a markdown table.
 */
import { Either } from "effect"
import type { Alive, PacketMessage, Ping } from "../src/internal/swim/messages.js"
import { messageSize } from "../src/internal/wire/messages.js"
import type { EncodePacketOptions } from "../src/internal/wire/packet.js"
import { decodePacket, encodePacket } from "../src/internal/wire/packet.js"

const ping: Ping = { _tag: "Ping", seqNo: 123456, node: "node-17.example", source: { address: { host: "10.0.3.17", port: 7946 }, node: "node-3.example" } }
const alive: Alive = {
  _tag: "Alive",
  incarnation: 42,
  node: "node-17.example",
  address: { host: "10.0.3.17", port: 7946 },
  meta: new Uint8Array(32).fill(1),
  versions: [1, 5, 2, 2, 5, 4]
}

/** A compound of alive/suspect/dead messages filling 1400 bytes, as a busy node sends. */
const fullCompound = (): ReadonlyArray<PacketMessage> => {
  const out: Array<PacketMessage> = []
  let size = 2
  for (let i = 0; ; i++) {
    const m: PacketMessage =
      i % 3 === 0
        ? { ...alive, node: `node-${i}.example`, incarnation: i }
        : { _tag: i % 3 === 1 ? "Suspect" : "Dead", incarnation: i, node: `node-${i}.example`, from: "node-3.example" }
    const n = 2 + messageSize(m)
    if (size + n > 1400 - 5 - 29) break // room for the CRC frame and AES-GCM (v1)
    out.push(m)
    size += n
  }
  // Top up with nacks (small) until the next one would not fit.
  for (let seqNo = 1; size + 2 + messageSize({ _tag: "Nack", seqNo }) <= 1400 - 5 - 29; seqNo++) {
    out.push({ _tag: "Nack", seqNo })
    size += 2 + messageSize({ _tag: "Nack", seqNo })
  }
  return out
}

const key = new Uint8Array(32).fill(7)
const plain: EncodePacketOptions = { crc: true }
const encrypted: EncodePacketOptions = { crc: true, encryption: { key, version: 1 } }

const measure = (f: () => unknown): number => {
  for (let i = 0; i < 2000; i++) f() // warm up
  let n = 0
  const start = performance.now()
  let now = start
  while (now - start < 1000) {
    for (let i = 0; i < 500; i++) f()
    n += 500
    now = performance.now()
  }
  return (n * 1000) / (now - start)
}

const cases: ReadonlyArray<[string, ReadonlyArray<PacketMessage>]> = [
  ["ping", [ping]],
  ["alive", [alive]],
  ["compound (1400 B)", fullCompound()]
]
const fmt = (n: number) => Math.round(n).toLocaleString("en-US")
console.log(`node ${process.version}, ${process.arch}`)
console.log("| message | pipeline | bytes | msgs/packet | encode packets/s | decode packets/s | decode msgs/s |")
console.log("|---|---|---:|---:|---:|---:|---:|")
for (const [name, msgs] of cases) {
  for (const [pname, opts] of [["plain+CRC", plain], ["AES-GCM+CRC", encrypted]] as const) {
    const bytes = encodePacket(msgs, opts)
    const decodeOpts = opts.encryption ? { keyring: { keys: [key] } } : {}
    if (Either.isLeft(decodePacket(bytes, decodeOpts))) throw new Error(`${name} does not decode`)
    const enc = measure(() => encodePacket(msgs, opts))
    const dec = measure(() => decodePacket(bytes, decodeOpts))
    console.log(`| ${name} | ${pname} | ${bytes.length} | ${msgs.length} | ${fmt(enc)} | ${fmt(dec)} | ${fmt(dec * msgs.length)} |`)
  }
}

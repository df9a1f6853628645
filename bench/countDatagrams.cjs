/**
 * A preload that counts the datagrams a process sends and their bytes, by
 * the kind of the outermost message under the CRC frame (memberlist's type
 * byte: 4 alive, 7 compound, 9 compressed, 0 ping, 2 ack...), with a size
 * histogram in 50-byte steps; printed to stderr as one `DGRAM {...}` JSON
 * line when the process exits. With `--join-only` the vs-memberlist child
 * exits when the last join() returns, so the count is the join phase's
 * (docs/performance.md, "A greeting, end to end"):
 *
 *   node -r ./bench/countDatagrams.cjs --expose-gc bench/.build/vs-child-X.mjs --preset lan --n 100 --join-only
 *
 * Wraps `dgram.Socket.prototype.send` for a buffer or a list of buffers;
 * what is counted is what was offered to Node, sent or not.
 */
"use strict"
const dgram = require("node:dgram")

const send = dgram.Socket.prototype.send
const total = { datagrams: 0, bytes: 0, kinds: {} }

/** The kind of a datagram: its type byte, or `crc-` and the type under a CRC frame (type 12, 4 bytes of CRC). */
const kindOf = (bytes) => (bytes[0] === 12 && bytes.length > 5 ? `crc-${bytes[5]}` : String(bytes[0]))

dgram.Socket.prototype.send = function (buffer, ...rest) {
  const bytes = Array.isArray(buffer) ? Buffer.concat(buffer) : buffer
  if (bytes instanceof Uint8Array) {
    total.datagrams++
    total.bytes += bytes.length
    const kind = (total.kinds[kindOf(bytes)] ??= { datagrams: 0, bytes: 0, sizes: {} })
    kind.datagrams++
    kind.bytes += bytes.length
    const step = Math.floor(bytes.length / 50) * 50
    kind.sizes[step] = (kind.sizes[step] ?? 0) + 1
  }
  return send.call(this, buffer, ...rest)
}

process.on("exit", () => {
  process.stderr.write(`DGRAM ${JSON.stringify(total)}\n`)
})

import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Fiber, Layer, Metric, Queue, Scope, Stream, TestClock } from "effect"
import { spawn } from "node:child_process"
import * as Dgram from "node:dgram"
import * as Net from "node:net"
import * as SwimConfig from "../src/SwimConfig.js"
import * as Transport from "../src/Transport.js"
import { pseudoRandomBytes } from "./support/pseudoRandomBytes.js"

// ---------------------------------------------------------------------------
// helpers

const text = (s: string) => new TextEncoder().encode(s)
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

const concat = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

/** Feeds a stream into a queue on a scoped fiber, so tests can take items one by one without losing any. */
const drain = <A>(stream: Stream.Stream<A>) =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<A>()
    yield* Stream.runForEach(stream, (a) => Queue.offer(queue, a)).pipe(Effect.forkScoped)
    return queue
  })

/** Reads until end of stream; returns the chunks. */
const readToEnd = (connection: Transport.Connection) =>
  Effect.gen(function*() {
    const chunks: Array<Uint8Array> = []
    while (true) {
      const chunk = yield* connection.read
      if (chunk === undefined) return chunks
      chunks.push(chunk)
    }
  })

/** Reads until `n` bytes arrived (fails the test if the stream ends first). */
const readExactly = (connection: Transport.Connection, n: number) =>
  Effect.gen(function*() {
    const chunks: Array<Uint8Array> = []
    let total = 0
    while (total < n) {
      const chunk = yield* connection.read
      if (chunk === undefined) return yield* Effect.dieMessage(`EOF after ${total} of ${n} bytes`)
      chunks.push(chunk)
      total += chunk.length
    }
    return concat(chunks)
  })


const droppedOversized = Metric.value(Transport.metrics.packetsDroppedOversized).pipe(Effect.map((s) => s.count))

const reasonOf = <A>(exit: Exit.Exit<A, Transport.TransportError>) =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.reason : `not a failure: ${String(exit)}`

/**
 * A TCP listener in a child process whose event loop is blocked right after
 * `listen` with a backlog of 1: the kernel completes a couple of handshakes
 * into the accept queue, then drops further SYNs, so the next connect can
 * only time out. Killed when the scope closes.
 */
const stalledListener = Effect.acquireRelease(
  Effect.async<{ readonly child: ReturnType<typeof spawn>; readonly port: number }>((resume) => {
    const script = `
      const net = require("node:net")
      const server = net.createServer()
      server.listen({ host: "127.0.0.1", port: 0, backlog: 1 }, () => {
        process.stdout.write(server.address().port + "\\n")
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)
      })`
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout?.on("data", (data: Buffer) => {
      out += data.toString()
      const match = /^(\d+)\n/.exec(out)
      if (match) resume(Effect.succeed({ child, port: Number(match[1]) }))
    })
    child.once("exit", (code) => resume(Effect.dieMessage(`stalled listener exited with ${code}`)))
  }),
  ({ child }) => Effect.sync(() => child.kill("SIGKILL"))
)

// ---------------------------------------------------------------------------
// Node transport

describe("Transport.makeNode", () => {
  for (const host of ["127.0.0.1", "::1"]) {
    it.scopedLive(`packets go both ways over UDP on ${host}`, () =>
      Effect.gen(function*() {
        const a = yield* Transport.makeNode({ host, port: 0 })
        const b = yield* Transport.makeNode({ host, port: 0 })
        const inA = yield* drain(a.packets)
        const inB = yield* drain(b.packets)

        yield* a.sendPacket(b.boundAddress, text("ping"))
        const atB = yield* Queue.take(inB)
        expect(decode(atB.bytes)).toBe("ping")
        expect(atB.from).toEqual(a.boundAddress)

        yield* b.sendPacket(atB.from, text("ack"))
        const atA = yield* Queue.take(inA)
        expect(decode(atA.bytes)).toBe("ack")
        expect(atA.from).toEqual(b.boundAddress)
      }))
  }

  it.scopedLive("port 0 gets a real port that UDP and TCP share", () =>
    Effect.gen(function*() {
      const a = yield* Transport.makeNode({ host: "127.0.0.1", port: 0 })
      const b = yield* Transport.makeNode({ host: "127.0.0.1", port: 0 })
      expect(a.boundAddress.port).toBeGreaterThan(0)
      expect(a.boundAddress.port).not.toBe(b.boundAddress.port)

      // UDP: packets from a come from a's bound port.
      const inB = yield* drain(b.packets)
      yield* a.sendPacket(b.boundAddress, text("x"))
      expect((yield* Queue.take(inB)).from.port).toBe(a.boundAddress.port)

      // TCP: a stream to a's bound port reaches a.
      const accepted = yield* drain(a.connections)
      const connection = yield* b.connect(a.boundAddress, 5_000)
      yield* connection.write(text("hello"))
      const server = yield* Queue.take(accepted)
      expect(decode(yield* readExactly(server, 5))).toBe("hello")
      expect(server.remote.host).toBe("127.0.0.1")
    }))

  it.scopedLive("a busy port fails with BindFailed naming the address", () =>
    Effect.gen(function*() {
      const a = yield* Transport.makeNode({ host: "127.0.0.1", port: 0 })
      const exit = yield* Effect.exit(Transport.makeNode({ host: "127.0.0.1", port: a.boundAddress.port }))
      expect(reasonOf(exit)).toBe("BindFailed")
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
        expect(exit.cause.error.message).toContain(`127.0.0.1:${a.boundAddress.port}`)
      }
    }))

  it.scopedLive("a port busy for UDP only fails with BindFailed and releases the TCP side", () =>
    Effect.gen(function*() {
      // Hold the UDP half of a port with a plain socket.
      const squatter = Dgram.createSocket("udp4")
      yield* Effect.async<void>((resume) => {
        squatter.bind(0, "127.0.0.1", () => resume(Effect.void))
      })
      const port = squatter.address().port
      const exit = yield* Effect.exit(Transport.makeNode({ host: "127.0.0.1", port }))
      expect(reasonOf(exit)).toBe("BindFailed")
      yield* Effect.async<void>((resume) => {
        squatter.close(() => resume(Effect.void))
      })
      // The TCP server bound before UDP failed was closed: the port binds now.
      const again = yield* Transport.makeNode({ host: "127.0.0.1", port })
      expect(again.boundAddress.port).toBe(port)
    }))

  it.scopedLive("a host that is not an IP literal fails with BindFailed", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Transport.makeNode({ host: "localhost", port: 0 }))
      expect(reasonOf(exit)).toBe("BindFailed")
    }))

  it.scopedLive("a stream round trip reassembles chunks and ends with EOF", () =>
    Effect.gen(function*() {
      const a = yield* Transport.makeNode({ host: "127.0.0.1", port: 0 })
      const b = yield* Transport.makeNode({ host: "127.0.0.1", port: 0 })
      const accepted = yield* drain(b.connections)
      // Large enough to arrive in many chunks and to exercise pausing the socket.
      const big = pseudoRandomBytes(3 * 1024 * 1024, 7)
      const tail = text("-end")

      const client = yield* a.connect(b.boundAddress, 5_000)
      const writer = yield* Effect.fork(Effect.zipRight(client.write(big), client.write(tail)))
      const server = yield* Queue.take(accepted)
      const received = yield* readExactly(server, big.length + tail.length)
      yield* Fiber.join(writer)
      // Buffer.equals: a deep toEqual over 3 MiB element by element is far too slow.
      expect(Buffer.from(received).equals(concat([big, tail]))).toBe(true)

      yield* server.write(text("ok-1"))
      yield* server.write(text("ok-2"))
      yield* server.close
      yield* server.close // safe twice

      const reply = yield* readToEnd(client)
      expect(decode(concat(reply))).toBe("ok-1ok-2")
      // Still EOF when asked again.
      expect(yield* client.read).toBeUndefined()
      // This side closed: reads and writes say Closed.
      yield* client.close
      expect(reasonOf(yield* Effect.exit(client.read))).toBe("Closed")
      expect(reasonOf(yield* Effect.exit(client.write(text("late"))))).toBe("Closed")
      expect(reasonOf(yield* Effect.exit(server.read))).toBe("Closed")
    }))

  it.scopedLive("a connection reset fails reads with StreamFailed", () =>
    Effect.gen(function*() {
      const a = yield* Transport.makeNode({ host: "127.0.0.1", port: 0 })
      // A plain server that answers the first bytes with a TCP reset (after
      // the handshake, so the connect itself succeeds).
      const server = Net.createServer((socket) => {
        socket.once("data", () => {
          socket.resetAndDestroy()
        })
      })
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => {
          server.listen(0, "127.0.0.1", () => resume(Effect.void))
        }),
        () =>
          Effect.async<void>((resume) => {
            server.close(() => resume(Effect.void))
          })
      )
      const port = (server.address() as Net.AddressInfo).port
      const connection = yield* a.connect({ host: "127.0.0.1", port }, 5_000)
      yield* connection.write(text("hello"))
      expect(reasonOf(yield* Effect.exit(connection.read))).toBe("StreamFailed")
    }))

  it.scopedLive("connect to a closed port fails with ConnectFailed", () =>
    Effect.gen(function*() {
      const a = yield* Transport.makeNode({ host: "127.0.0.1", port: 0 })
      const scope = yield* Scope.make()
      const gone = yield* Transport.makeNode({ host: "127.0.0.1", port: 0 }).pipe(Scope.extend(scope))
      yield* Scope.close(scope, Exit.void)
      const exit = yield* Effect.exit(Effect.scoped(a.connect(gone.boundAddress, 5_000)))
      expect(reasonOf(exit)).toBe("ConnectFailed")
    }))

  it.scopedLive("connect fails with Timeout when the handshake never completes", () =>
    Effect.gen(function*() {
      const a = yield* Transport.makeNode({ host: "127.0.0.1", port: 0 })
      const { port } = yield* stalledListener
      // The accept queue takes a couple of connections; after that SYNs are
      // dropped and only the timeout can end the connect. Keep every
      // connection open (this scope) so the queue stays full.
      const outcomes: Array<string> = []
      for (let i = 0; i < 8; i++) {
        const exit = yield* Effect.exit(a.connect({ host: "127.0.0.1", port }, 300))
        outcomes.push(Exit.isSuccess(exit) ? "connected" : reasonOf(exit))
        if (Exit.isFailure(exit)) break
      }
      expect(outcomes.at(-1)).toBe("Timeout")
      expect(outcomes.slice(0, -1).every((o) => o === "connected")).toBe(true)
    }))

  it.scopedLive("after the scope closes the port is free again, even with streams open", () =>
    Effect.gen(function*() {
      const peer = yield* Transport.makeNode({ host: "127.0.0.1", port: 0 })
      const peerAccepted = yield* drain(peer.connections)

      const scope = yield* Scope.make()
      const first = yield* Effect.gen(function*() {
        const node = yield* Transport.makeNode({ host: "127.0.0.1", port: 0 })
        const accepted = yield* drain(node.connections)
        // One incoming and one outgoing stream, never closed by their users.
        const inbound = yield* peer.connect(node.boundAddress, 5_000)
        yield* inbound.write(text("in"))
        yield* Queue.take(accepted)
        const outbound = yield* node.connect(peer.boundAddress, 5_000)
        yield* outbound.write(text("out"))
        const atPeer = yield* Queue.take(peerAccepted)
        return { node, atPeer }
      }).pipe(Scope.extend(scope))
      const port = first.node.boundAddress.port
      yield* Scope.close(scope, Exit.void)

      // The outgoing stream was closed with the transport: the peer sees its end.
      const seen = yield* readToEnd(first.atPeer)
      expect(decode(concat(seen))).toBe("out")
      // Both UDP and TCP of the port bind again.
      const again = yield* Transport.makeNode({ host: "127.0.0.1", port })
      expect(again.boundAddress.port).toBe(port)
      // And a send on the closed transport is an error, not a throw.
      expect(reasonOf(yield* Effect.exit(first.node.sendPacket(peer.boundAddress, text("x"))))).toBe("Closed")
    }))

  it.scopedLive("an oversized packet is dropped and counted", () =>
    Effect.gen(function*() {
      const small = yield* Transport.makeNode({ host: "127.0.0.1", port: 0, maxPacketSize: 512 })
      const sender = yield* Transport.makeNode({ host: "127.0.0.1", port: 0 })
      const received = yield* drain(small.packets)
      const before = yield* droppedOversized

      yield* sender.sendPacket(small.boundAddress, new Uint8Array(513))
      yield* sender.sendPacket(small.boundAddress, text("fits"))
      // Loopback UDP from one socket to another keeps order, so by the time
      // the small packet is read, the big one was seen and dropped.
      const first = yield* Queue.take(received)
      expect(decode(first.bytes)).toBe("fits")
      expect((yield* droppedOversized) - before).toBe(1)
    }))

  it.scopedLive("sendPacket reports impossible sends as SendFailed", () =>
    Effect.gen(function*() {
      const a = yield* Transport.makeNode({ host: "127.0.0.1", port: 0 })
      expect(reasonOf(yield* Effect.exit(a.sendPacket({ host: "::1", port: 7946 }, text("x"))))).toBe("SendFailed")
      expect(reasonOf(yield* Effect.exit(a.sendPacket({ host: "127.0.0.1", port: 0 }, text("x"))))).toBe("SendFailed")
      expect(reasonOf(yield* Effect.exit(a.sendPacket({ host: "127.0.0.1", port: 7946 }, new Uint8Array(70_000)))))
        .toBe("SendFailed")
    }))

  it.scopedLive("layerNode binds the SwimConfig address", () =>
    Effect.gen(function*() {
      const transport = yield* Transport.Transport
      expect(transport.boundAddress.host).toBe("127.0.0.1")
      expect(transport.boundAddress.port).toBeGreaterThan(0)
    }).pipe(
      Effect.provide(
        Transport.layerNode.pipe(Layer.provide(SwimConfig.layer(SwimConfig.local({ name: "a", bindPort: 0 }))))
      )
    ))
})

// ---------------------------------------------------------------------------
// Memory network

const addr = (port: number, host = "10.0.0.1"): Transport.Address => ({ host, port })

describe("Transport.makeMemoryNetwork", () => {
  it.scoped("delivers packets with the sender's address, through a layer too", () =>
    Effect.gen(function*() {
      const network = Transport.makeMemoryNetwork()
      const a = yield* network.make(addr(1))
      const inA = yield* drain(a.packets)
      const fromB = yield* Effect.gen(function*() {
        const b = yield* Transport.Transport
        yield* b.sendPacket(addr(1), text("hi"))
        return b.boundAddress
      }).pipe(Effect.provide(network.layer(addr(2))))
      const packet = yield* Queue.take(inA)
      expect(decode(packet.bytes)).toBe("hi")
      expect(packet.from).toEqual(fromB)
      expect(yield* network.stats).toEqual({ delivered: 1, lost: 0 })
    }))

  it.scoped("copies packets, so a sender may reuse its buffer", () =>
    Effect.gen(function*() {
      const network = Transport.makeMemoryNetwork()
      const a = yield* network.make(addr(1))
      const b = yield* network.make(addr(2))
      const inB = yield* drain(b.packets)
      const buffer = text("one")
      yield* a.sendPacket(b.boundAddress, buffer)
      buffer.set(text("two"))
      expect(decode((yield* Queue.take(inB)).bytes)).toBe("one")
    }))

  it.scoped("port 0 picks a free port; a taken address is BindFailed; leaving frees it", () =>
    Effect.gen(function*() {
      const network = Transport.makeMemoryNetwork()
      const a = yield* network.make(addr(0))
      const b = yield* network.make(addr(0))
      expect(a.boundAddress.port).toBeGreaterThan(0)
      expect(a.boundAddress.port).not.toBe(b.boundAddress.port)
      expect(reasonOf(yield* Effect.exit(Effect.scoped(network.make(a.boundAddress))))).toBe("BindFailed")

      const scope = yield* Scope.make()
      yield* network.make(addr(5)).pipe(Scope.extend(scope))
      expect(yield* network.members).toHaveLength(3)
      yield* Scope.close(scope, Exit.void)
      expect(yield* network.members).toHaveLength(2)
      yield* network.make(addr(5))
    }))

  it.scoped("seeded loss drops some packets and replays exactly", () =>
    Effect.gen(function*() {
      const run = (seed: number) =>
        Effect.scoped(Effect.gen(function*() {
          const network = Transport.makeMemoryNetwork()
          const a = yield* network.make(addr(1))
          const b = yield* network.make(addr(2))
          yield* network.setLoss(0.5, seed)
          for (let i = 0; i < 200; i++) yield* a.sendPacket(b.boundAddress, new Uint8Array([i]))
          yield* network.setLoss(0)
          yield* a.sendPacket(b.boundAddress, new Uint8Array([255]))
          const got = yield* b.packets.pipe(
            Stream.takeUntil((p) => p.bytes[0] === 255),
            Stream.map((p) => p.bytes[0]),
            Stream.runCollect
          )
          return Chunk.toReadonlyArray(got).slice(0, -1)
        }))
      const first = yield* run(42)
      expect(first.length).toBeGreaterThan(50)
      expect(first.length).toBeLessThan(150)
      expect(yield* run(42)).toEqual(first)
      expect(yield* run(43)).not.toEqual(first)
    }))

  it.scoped("a filter drops exactly the packets it accepts", () =>
    Effect.gen(function*() {
      const network = Transport.makeMemoryNetwork()
      const a = yield* network.make(addr(1))
      const b = yield* network.make(addr(2))
      const inB = yield* drain(b.packets)
      yield* network.setFilter(({ bytes }) => bytes[0] === 0)
      yield* a.sendPacket(b.boundAddress, new Uint8Array([0]))
      yield* a.sendPacket(b.boundAddress, new Uint8Array([1]))
      yield* network.setFilter(undefined)
      yield* a.sendPacket(b.boundAddress, new Uint8Array([0]))
      expect((yield* Queue.take(inB)).bytes[0]).toBe(1)
      expect((yield* Queue.take(inB)).bytes[0]).toBe(0)
      expect(yield* network.stats).toEqual({ delivered: 2, lost: 1 })
    }))

  it.scoped("a partition cuts both directions between its sides until healed", () =>
    Effect.gen(function*() {
      const network = Transport.makeMemoryNetwork()
      const a = yield* network.make(addr(1))
      const b = yield* network.make(addr(2))
      const c = yield* network.make(addr(3))
      const inA = yield* drain(a.packets)
      const inB = yield* drain(b.packets)
      const inC = yield* drain(c.packets)
      const open = yield* a.connect(b.boundAddress, 1_000)

      yield* network.partition([a.boundAddress], [b.boundAddress])
      yield* a.sendPacket(b.boundAddress, text("a->b lost"))
      yield* b.sendPacket(a.boundAddress, text("b->a lost"))
      yield* a.sendPacket(c.boundAddress, text("a->c"))
      expect(decode((yield* Queue.take(inC)).bytes)).toBe("a->c")
      // An open stream across the cut breaks.
      expect(reasonOf(yield* Effect.exit(open.read))).toBe("StreamFailed")
      // A new stream waits out its timeout, as when SYNs are lost.
      const connecting = yield* Effect.fork(Effect.exit(Effect.scoped(a.connect(b.boundAddress, 1_000))))
      yield* Effect.yieldNow()
      yield* TestClock.adjust("1 second")
      expect(reasonOf(yield* Fiber.join(connecting))).toBe("Timeout")

      yield* network.heal
      yield* a.sendPacket(b.boundAddress, text("a->b"))
      yield* b.sendPacket(a.boundAddress, text("b->a"))
      expect(decode((yield* Queue.take(inB)).bytes)).toBe("a->b")
      expect(decode((yield* Queue.take(inA)).bytes)).toBe("b->a")
      yield* Effect.scoped(a.connect(b.boundAddress, 1_000))
    }))

  it.scoped("a disconnected node drops packets and refuses streams until reconnected", () =>
    Effect.gen(function*() {
      const network = Transport.makeMemoryNetwork()
      const a = yield* network.make(addr(1))
      const b = yield* network.make(addr(2))
      const inA = yield* drain(a.packets)
      const inB = yield* drain(b.packets)
      const open = yield* a.connect(b.boundAddress, 1_000)

      yield* network.disconnect(b.boundAddress)
      yield* a.sendPacket(b.boundAddress, text("to b lost"))
      yield* b.sendPacket(a.boundAddress, text("from b lost"))
      expect(reasonOf(yield* Effect.exit(Effect.scoped(a.connect(b.boundAddress, 1_000))))).toBe("ConnectFailed")
      expect(reasonOf(yield* Effect.exit(open.write(text("x"))))).toBe("StreamFailed")
      expect(reasonOf(yield* Effect.exit(open.read))).toBe("StreamFailed")

      yield* network.reconnect(b.boundAddress)
      yield* a.sendPacket(b.boundAddress, text("to b"))
      yield* b.sendPacket(a.boundAddress, text("from b"))
      expect(decode((yield* Queue.take(inB)).bytes)).toBe("to b")
      expect(decode((yield* Queue.take(inA)).bytes)).toBe("from b")
      expect((yield* network.stats).lost).toBe(2)
    }))

  it.scoped("streams carry chunks in order, then EOF; close semantics match the Node transport", () =>
    Effect.gen(function*() {
      const network = Transport.makeMemoryNetwork()
      const a = yield* network.make(addr(1))
      const b = yield* network.make(addr(2))
      const accepted = yield* drain(b.connections)
      const client = yield* a.connect(b.boundAddress, 1_000)
      yield* client.write(text("one,"))
      yield* client.write(text("two"))
      const server = yield* Queue.take(accepted)
      expect(server.remote).toEqual(a.boundAddress)
      expect(client.remote).toEqual(b.boundAddress)
      expect(decode(yield* readExactly(server, 7))).toBe("one,two")

      yield* server.write(text("reply"))
      yield* server.close
      yield* server.close
      expect(decode(concat(yield* readToEnd(client)))).toBe("reply")
      expect(yield* client.read).toBeUndefined()
      expect(reasonOf(yield* Effect.exit(client.write(text("x"))))).toBe("StreamFailed")
      expect(reasonOf(yield* Effect.exit(server.read))).toBe("Closed")
      expect(reasonOf(yield* Effect.exit(server.write(text("x"))))).toBe("Closed")
      // Nobody listens at port 9: refused.
      expect(reasonOf(yield* Effect.exit(Effect.scoped(a.connect(addr(9), 1_000))))).toBe("ConnectFailed")
    }))

  it.scoped("a member leaving ends its peers' streams and its own streams of packets", () =>
    Effect.gen(function*() {
      const network = Transport.makeMemoryNetwork()
      const a = yield* network.make(addr(1))
      const scope = yield* Scope.make()
      const b = yield* network.make(addr(2)).pipe(Scope.extend(scope))
      const client = yield* a.connect(b.boundAddress, 1_000)
      yield* client.write(text("x"))
      const packetsDone = yield* Effect.fork(Stream.runDrain(b.packets))
      yield* Scope.close(scope, Exit.void)
      expect(yield* client.read).toBeUndefined()
      yield* Fiber.join(packetsDone)
      yield* a.sendPacket(b.boundAddress, text("to nobody"))
      expect(yield* network.stats).toEqual({ delivered: 0, lost: 1 })
      expect(reasonOf(yield* Effect.exit(b.sendPacket(a.boundAddress, text("x"))))).toBe("Closed")
    }))

  it.scoped("an oversized packet is dropped at the destination and counted", () =>
    Effect.gen(function*() {
      const network = Transport.makeMemoryNetwork({ maxPacketSize: 100 })
      const a = yield* network.make(addr(1))
      const b = yield* network.make(addr(2))
      const inB = yield* drain(b.packets)
      const before = yield* droppedOversized
      yield* a.sendPacket(b.boundAddress, new Uint8Array(101))
      yield* a.sendPacket(b.boundAddress, new Uint8Array(100))
      expect((yield* Queue.take(inB)).bytes.length).toBe(100)
      expect((yield* droppedOversized) - before).toBe(1)
    }))

  it.scoped("a full receive queue drops packets instead of blocking the sender", () =>
    Effect.gen(function*() {
      const network = Transport.makeMemoryNetwork({ packetQueueCapacity: 2 })
      const a = yield* network.make(addr(1))
      const b = yield* network.make(addr(2))
      const dropped = Metric.value(Transport.metrics.packetsDroppedQueueFull).pipe(Effect.map((s) => s.count))
      const before = yield* dropped
      for (let i = 0; i < 5; i++) yield* a.sendPacket(b.boundAddress, new Uint8Array([i]))
      expect((yield* dropped) - before).toBe(3)
      const got = yield* b.packets.pipe(Stream.take(2), Stream.map((p) => p.bytes[0]), Stream.runCollect)
      expect(Chunk.toReadonlyArray(got)).toEqual([0, 1])
    }))
})

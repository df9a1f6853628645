/**
 * The simulator's side of each node's driver: the `Runtime` that carries a
 * node's packets, stream exchanges, timers and discovery over the simulated
 * network and virtual time, and the handling of each scheduled event when
 * its time comes. Stream exchanges are served by the peer's own driver, as
 * a real connection would be.
 *
 * @internal
 */
import type { Runtime, SendPacket } from "../driver/runtime.js"
import type { Driver } from "../driver/driver.js"
import type { MessageSizer } from "../swim/config.js"
import { compoundHeaderOverhead, compoundPartOverhead } from "../swim/config.js"
import type { Input, MembershipEvent } from "../swim/io.js"
import type { Address, Alive, PacketMessage, PushNodeState } from "../swim/messages.js"
import { formatAddress } from "../swim/messages.js"
import { addressKey } from "../swim/addressKey.js"
import { nextFloat, type Rng } from "../swim/random.js"
import type { CoreState } from "../swim/state.js"
import type { NetworkConditions } from "./conditions.js"
import type { EventQueue } from "../driver/eventQueue.js"
import type { NetworkModel } from "./model.js"

/** A node in the simulation. */
export interface SimNode {
  readonly name: string
  /** Position in the cluster, from 0, in the order nodes were added. */
  readonly index: number
  /** Where it answers; a relocated node answers at a new one (see `SimulatedCluster.relocate`). */
  address: Address
  /** Its core: read it, never step it (its driver does). */
  core: CoreState
  driver: Driver
  /** What its discovery answers: the seeds it was last started with. */
  seeds: ReadonlyArray<Address>
  /** False once killed: it neither sends, receives nor fires timers. */
  running: boolean
  /** Bumped on every restart, so events meant for an earlier life are ignored. */
  generation: number
  /** Stalled: what arrives or fires waits in `backlog` until it resumes. */
  paused: boolean
  /** When it last resumed from a pause (-Infinity: never paused). */
  resumedAt: number
  readonly backlog: Array<Scheduled>
}

/** Something due at a virtual time. */
export type Scheduled =
  | { readonly kind: "input"; readonly node: SimNode; readonly generation: number; readonly input: Input }
  /** Work on a node's behalf beside its core (a library module's timer): dropped if the node died since, delayed by a pause. */
  | { readonly kind: "task"; readonly node: SimNode; readonly generation: number; readonly run: () => void }
  | {
    readonly kind: "packet"
    readonly to: Address
    readonly from: SimNode
    readonly messages: ReadonlyArray<PacketMessage>
  }
  | {
    readonly kind: "pushPull"
    readonly from: SimNode
    readonly fromGeneration: number
    readonly to: Address
    readonly join: boolean
    readonly states: ReadonlyArray<PushNodeState>
    readonly token: number
    readonly sentAt: number
  }
  | {
    readonly kind: "streamPing"
    readonly from: SimNode
    readonly fromGeneration: number
    readonly to: Address
    readonly ping: PacketMessage
  }

/** Per-node traffic counters, indexed by node index. */
export interface Traffic {
  readonly packets: Float64Array
  readonly bytes: Float64Array
  readonly streams: Float64Array
  readonly streamBytes: Float64Array
}

/** Run-wide counters the network updates. */
export interface NetworkStats {
  packetsSent: number
  packetsLost: number
  bytesSent: number
  pushPulls: number
  dropped: number
}

/** What the simulated network works with. */
export interface SimulatedNetworkOptions {
  readonly rng: Rng
  readonly model: NetworkModel
  readonly sizeOf: MessageSizer
  readonly conditions: NetworkConditions
  readonly queue: EventQueue<Scheduled>
  readonly stats: NetworkStats
  readonly now: () => number
  readonly onEvent: (node: SimNode, event: MembershipEvent) => void
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const bump = (a: Float64Array, i: number, v: number): void => {
  a[i] = (a[i] as number) + v
}

const grow = (a: Float64Array): Float64Array => {
  const b = new Float64Array(Math.max(16, a.length * 2))
  b.set(a)
  return b
}

/** Carries every node's traffic and timers on virtual time. */
export class SimulatedNetwork {
  model: NetworkModel
  readonly sizeOf: MessageSizer
  traffic: Traffic = { packets: new Float64Array(0), bytes: new Float64Array(0), streams: new Float64Array(0), streamBytes: new Float64Array(0) }
  private readonly byAddress = new Map<string, SimNode>()
  private readonly byAddressObject = new Map<Address, SimNode>()
  private readonly scratchAlive: Mutable<Alive> = {
    _tag: "Alive",
    incarnation: 0,
    node: "",
    address: { host: "", port: 0 },
    meta: new Uint8Array(0),
    versions: [0, 0, 0, 0, 0, 0]
  }
  /** Push/pull entry sizes of shared (frozen) records; weak, so a record no view holds any more is let go. */
  private readonly sharedEntryBytes = new WeakMap<PushNodeState, number>()
  private readonly rng: Rng
  private readonly conditions: NetworkConditions
  private readonly queue: EventQueue<Scheduled>
  private readonly stats: NetworkStats

  constructor(private readonly options: SimulatedNetworkOptions) {
    this.model = options.model
    this.sizeOf = options.sizeOf
    this.rng = options.rng
    this.conditions = options.conditions
    this.queue = options.queue
    this.stats = options.stats
  }

  /** Registers `node` at its address. */
  addNode(node: SimNode): void {
    this.byAddress.set(formatAddress(node.address), node)
    this.byAddressObject.set(node.address, node)
    if (this.traffic.packets.length <= node.index) {
      this.traffic = {
        packets: grow(this.traffic.packets),
        bytes: grow(this.traffic.bytes),
        streams: grow(this.traffic.streams),
        streamBytes: grow(this.traffic.streamBytes)
      }
    }
  }

  /** `node` answers at `address` from now on and no longer at its old one. */
  moveNode(node: SimNode, address: Address): void {
    this.byAddress.delete(formatAddress(node.address))
    // Cached by object identity: other nodes' records of the old address must miss from now on.
    this.byAddressObject.clear()
    node.address = address
    this.byAddress.set(formatAddress(address), node)
  }

  /** The runtime `node`'s driver performs through. */
  runtimeFor(node: SimNode): Runtime {
    return {
      now: this.options.now,
      send: (packet) => this.send(node, packet),
      streamPing: (to, ping) => this.startStreamPing(node, to, ping),
      pushPull: (to, join, states, token) => this.startPushPull(node, to, join, states, token),
      schedule: (at, timer) =>
        this.queue.push(at, { kind: "input", node, generation: node.generation, input: { _tag: "TimerFired", timer } }),
      publish: (event) => this.options.onEvent(node, event),
      deliver: () => {},
      // Simulated nodes run no application: they send no application state and keep none.
      mergeAppState: () => {},
      discover: () =>
        this.queue.push(this.now() + this.latency(node, undefined), {
          kind: "input",
          node,
          generation: node.generation,
          input: { _tag: "Discovered", addresses: node.seeds }
        }),
      dropped: () => {
        this.stats.dropped++
      }
    }
  }

  private now(): number {
    return this.options.now()
  }

  /** The node at `address`, if any. */
  lookup(address: Address): SimNode | undefined {
    const hit = this.byAddressObject.get(address)
    if (hit !== undefined) return hit
    const node = this.byAddress.get(addressKey(address))
    if (node !== undefined) this.byAddressObject.set(address, node)
    return node
  }

  /** Whether `from` can reach `to` now. */
  reachable(from: SimNode, to: SimNode): boolean {
    return this.conditions.reachable(from.index, to.index, from.name, to.name, this.model)
  }

  private latency(from: SimNode, to: SimNode | undefined): number {
    const base = this.model.latency(this.rng)
    const link = this.model.linkLatency
    return link === undefined || to === undefined ? base : base + link(from.index, to.index)
  }

  private packetSize(messages: ReadonlyArray<PacketMessage>): number {
    if (messages.length === 1) return this.sizeOf(messages[0] as PacketMessage)
    let size = compoundHeaderOverhead + compoundPartOverhead * messages.length
    for (const m of messages) size += this.sizeOf(m)
    return size
  }

  private pushPullBytes(states: ReadonlyArray<PushNodeState>): number {
    // memberlist's push/pull header plus one entry per state; an entry is about an alive message and a state field.
    let bytes = 24
    for (const s of states) {
      if (!Object.isFrozen(s)) {
        bytes += this.entryBytes(s)
        continue
      }
      // A converged view's shared record, in every view's state: sized once, since it cannot change.
      let known = this.sharedEntryBytes.get(s)
      if (known === undefined) {
        known = this.entryBytes(s)
        this.sharedEntryBytes.set(s, known)
      }
      bytes += known
    }
    return bytes
  }

  private entryBytes(s: PushNodeState): number {
    // One scratch alive is measured for every entry: the sizer reads it and keeps nothing.
    const alive = this.scratchAlive
    alive.incarnation = s.incarnation
    alive.node = s.name
    alive.address = s.address
    alive.meta = s.meta
    alive.versions = s.versions
    return 8 + this.sizeOf(alive)
  }

  private departure(node: SimNode, bytes: number): number | undefined {
    return this.conditions.departure(node.index, bytes, this.now())
  }

  /** Sends a packet from `node` (its core's, or a module's beside it) over the network. */
  send(node: SimNode, packet: SendPacket): void {
    const size = this.packetSize(packet.messages)
    this.stats.packetsSent++
    this.stats.bytesSent += size
    bump(this.traffic.packets, node.index, 1)
    bump(this.traffic.bytes, node.index, size)
    const to = this.lookup(packet.to)
    const loss = to === undefined ? this.model.loss : this.conditions.lossBetween(node.index, to.index, this.model.loss)
    const departs = this.departure(node, size)
    if (departs === undefined || (loss > 0 && nextFloat(this.rng) < loss)) {
      this.stats.packetsLost++
      return
    }
    this.queue.push(departs + this.latency(node, to), { kind: "packet", to: packet.to, from: node, messages: packet.messages })
  }

  private startPushPull(node: SimNode, to: Address, join: boolean, states: ReadonlyArray<PushNodeState>, token: number): void {
    this.stats.pushPulls++
    const bytes = this.pushPullBytes(states)
    bump(this.traffic.streams, node.index, 1)
    bump(this.traffic.streamBytes, node.index, bytes)
    const target = this.lookup(to)
    const now = this.now()
    const departs = this.conditions.bandwidthLimited ? Math.max(now, this.departure(node, bytes) ?? now) : now
    this.queue.push(departs + this.latency(node, target), {
      kind: "pushPull",
      from: node,
      fromGeneration: node.generation,
      to,
      join,
      states,
      token,
      sentAt: now
    })
  }

  private startStreamPing(node: SimNode, to: Address, ping: PacketMessage): void {
    bump(this.traffic.streams, node.index, 1)
    bump(this.traffic.streamBytes, node.index, this.sizeOf(ping))
    this.queue.push(this.now() + this.latency(node, this.lookup(to)), {
      kind: "streamPing",
      from: node,
      fromGeneration: node.generation,
      to,
      ping
    })
  }

  /** Handles one scheduled event whose time has come. */
  handle(event: Scheduled): void {
    switch (event.kind) {
      case "input": {
        const node = event.node
        if (node.generation !== event.generation || !node.running) return
        if (node.paused) {
          node.backlog.push(event)
          return
        }
        node.driver.handle(event.input)
        return
      }
      case "task": {
        const node = event.node
        if (node.generation !== event.generation || !node.running) return
        if (node.paused) node.backlog.push(event)
        else event.run()
        return
      }
      case "packet": {
        const to = this.lookup(event.to)
        if (to === undefined || !to.running) return
        if (!this.reachable(event.from, to)) return
        if (to.paused) {
          to.backlog.push(event)
          return
        }
        to.driver.handle({ _tag: "Received", from: event.from.address, messages: event.messages, via: "packet" })
        return
      }
      case "pushPull":
        return this.servePushPull(event)
      case "streamPing":
        return this.serveStreamPing(event)
    }
  }

  private answer(node: SimNode, generation: number, at: number, input: Input): void {
    this.queue.push(at, { kind: "input", node, generation, input })
  }

  private servePushPull(event: Extract<Scheduled, { kind: "pushPull" }>): void {
    const target = this.lookup(event.to)
    const from = event.from
    const now = this.now()
    if (target === undefined || !target.running || !this.reachable(from, target)) {
      this.answer(from, event.fromGeneration, now + this.model.streamTimeout, {
        _tag: "PushPullFailed",
        token: event.token,
        reason: "unreachable"
      })
      return
    }
    if (target.paused) {
      // The connection is accepted by the kernel; the stalled process answers when it resumes.
      target.backlog.push(event)
      return
    }
    target.driver.request({ _tag: "PushPullRequest", from: from.address, join: event.join, states: event.states }, (answer) => {
      const late = now - event.sentAt > this.model.streamTimeout
      if (answer?._tag === "PushPull" && !late && this.reachable(target, from)) {
        const bytes = this.pushPullBytes(answer.states)
        bump(this.traffic.streamBytes, target.index, bytes)
        const departs = this.conditions.bandwidthLimited ? Math.max(now, this.departure(target, bytes) ?? now) : now
        this.answer(from, event.fromGeneration, departs + this.latency(target, from), {
          _tag: "PushPullResponse",
          token: event.token,
          states: answer.states
        })
      } else {
        this.answer(from, event.fromGeneration, Math.max(now, event.sentAt + this.model.streamTimeout), {
          _tag: "PushPullFailed",
          token: event.token,
          reason: late ? "timeout" : "no reply"
        })
      }
    })
  }

  private serveStreamPing(event: Extract<Scheduled, { kind: "streamPing" }>): void {
    const target = this.lookup(event.to)
    const from = event.from
    if (target === undefined || !target.running) return
    if (!this.reachable(from, target) || !this.reachable(target, from)) return
    if (target.paused) {
      target.backlog.push(event)
      return
    }
    // A stream ping must connect and answer within the probe: a lost handshake or reply segment
    // means a retransmission too late to count, so it fails as often as three packets would.
    const there = this.conditions.lossBetween(from.index, target.index, this.model.loss)
    const back = this.conditions.lossBetween(target.index, from.index, this.model.loss)
    if ((there > 0 || back > 0) && nextFloat(this.rng) > (1 - there) ** 2 * (1 - back)) return
    target.driver.request({ _tag: "Received", from: from.address, messages: [event.ping] }, (answer) => {
      if (answer?._tag !== "Messages") return
      this.answer(from, event.fromGeneration, this.now() + this.latency(target, from), {
        _tag: "Received",
        from: target.address,
        messages: answer.messages,
        via: "stream"
      })
    })
  }
}

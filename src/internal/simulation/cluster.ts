/**
 * Many protocol cores on one simulated network, on virtual time.
 *
 * Each node is the real core; this file only carries its outputs: packets
 * travel with a latency, may be lost (uniformly, per direction, per node or
 * per link), queue behind each other at a sender with limited bandwidth and
 * are cut by partitions; push/pull and stream pings are modelled as reliable
 * exchanges that fail after a timeout when the peer is unreachable; timers
 * fire at their virtual time. A paused node (a GC or CPU stall) neither
 * fires timers nor reads packets: they wait and are handled, late, when it
 * resumes. Everything random comes from one seed, so a run replays exactly.
 *
 * @internal
 */
import type { CoreConfig, MessageSizer, Timings } from "../swim/config.js"
import { compoundHeaderOverhead, compoundPartOverhead, defaultVersions, lanTimings } from "../swim/config.js"
import * as Core from "../swim/core.js"
import { estimateSize } from "../swim/estimateSize.js"
import type { Input, MembershipEvent, Output } from "../swim/io.js"
import type { Address, NodeState, PacketMessage, PushNodeState } from "../swim/messages.js"
import { formatAddress } from "../swim/messages.js"
import { makeRng, nextFloat, nextUint32, type Rng } from "../swim/random.js"
import type { CoreState } from "../swim/state.js"
import { EventQueue } from "./eventQueue.js"
import type { ViewTracker } from "./tracker.js"

/** How the simulated network behaves. */
export interface NetworkModel {
  /** One-way latency of a packet or stream message, in ms; drawn per message. */
  readonly latency: (rng: Rng) => number
  /** Probability that a UDP packet is lost, in [0, 1]. */
  readonly loss: number
  /** How long a stream exchange with an unreachable peer takes to fail, in ms. */
  readonly streamTimeout: number
  /** Whether traffic from one node to another is cut (a partition); undefined means never. */
  readonly blocked?: ((from: string, to: string) => boolean) | undefined
  /** A fixed extra latency per directed link (by node index), added to every draw. */
  readonly linkLatency?: ((from: number, to: number) => number) | undefined
}

/** A 1–2 ms LAN without loss. */
export const lanNetwork: NetworkModel = {
  latency: (rng) => 1 + nextFloat(rng),
  loss: 0,
  streamTimeout: 1000
}

/** In what order a node resuming from a stall handles what waited (see `SimulatedCluster.resume`). */
export type ResumeOrder = "timers-first" | "as-due"

/** A node in the simulation. */
export interface SimNode {
  readonly name: string
  /** Position in the cluster, from 0, in the order nodes were added. */
  readonly index: number
  readonly address: Address
  core: CoreState
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

/** A membership event, when and where it happened. */
export interface RecordedEvent {
  readonly at: number
  readonly node: string
  readonly event: MembershipEvent
}

/** Counters for the whole run. */
export interface SimStats {
  packetsSent: number
  packetsLost: number
  bytesSent: number
  pushPulls: number
  dropped: number
}

/**
 * Accusations of nodes that were healthy: up, reachable and not stalled. A
 * suspicion or death of a node that is cut off from the observer (partition,
 * blocked link) or stalled (paused, or resumed less than `stallGrace` ago) is
 * counted apart, as expected.
 */
export interface Accuracy {
  /** Suspect events about healthy nodes, at every node that learnt them. */
  falseSuspicions: number
  /** Of those, raised by the observer itself (its own failed probe): distinct accusations. */
  falseSuspicionOrigins: number
  falseDeaths: number
  falseDeathOrigins: number
  stallSuspicions: number
  stallDeaths: number
  cutSuspicions: number
  cutDeaths: number
}

/** Per-node traffic counters, indexed by node index. */
export interface NodeTraffic {
  readonly packets: Float64Array
  readonly bytes: Float64Array
  /** Stream exchanges started (push/pull, stream pings) and their approximate bytes. */
  readonly streams: Float64Array
  readonly streamBytes: Float64Array
}

/** Something due at a virtual time. */
export type Scheduled =
  | { readonly kind: "input"; readonly node: SimNode; readonly generation: number; readonly input: Input }
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

/** Options for a simulated cluster. */
export interface ClusterOptions {
  readonly seed: number
  readonly timings?: Timings | undefined
  readonly network?: NetworkModel | undefined
  readonly sizeOf?: MessageSizer | undefined
  /** Called for every membership event, as it happens. */
  readonly onEvent?: ((event: RecordedEvent) => void) | undefined
  /** Called for every output, for extra bookkeeping (user messages, drops). */
  readonly onOutput?: ((node: string, at: number, output: Output) => void) | undefined
  /** Keeps every node's view incrementally (capacity: the most nodes that will be added). */
  readonly tracker?: ViewTracker | undefined
  /** Packets that would wait longer than this in a sender's bandwidth queue are dropped (ms). */
  readonly maxQueueDelay?: number | undefined
  /** How long after a pause ends accusations of that node still count as caused by the stall (ms). */
  readonly stallGrace?: number | undefined
  /** Keep up to this many false deaths in `falseDeathLog`. */
  readonly falseDeathLogLimit?: number | undefined
}

const addressOf = (index: number): Address => ({
  host: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
  port: 7946
})

const bump = (a: Float64Array, i: number, v: number): void => {
  a[i] = (a[i] as number) + v
}

const linkKey = (from: number, to: number): number => from * 65536 + to

/** A cluster of simulated nodes on virtual time. */
export class SimulatedCluster {
  /** Virtual time, ms. */
  now = 0
  readonly nodes = new Map<string, SimNode>()
  /** Nodes by index. */
  readonly list: Array<SimNode> = []
  readonly stats: SimStats = { packetsSent: 0, packetsLost: 0, bytesSent: 0, pushPulls: 0, dropped: 0 }
  readonly events: Array<RecordedEvent> = []
  readonly accuracy: Accuracy = {
    falseSuspicions: 0,
    falseSuspicionOrigins: 0,
    falseDeaths: 0,
    falseDeathOrigins: 0,
    stallSuspicions: 0,
    stallDeaths: 0,
    cutSuspicions: 0,
    cutDeaths: 0
  }
  /** The first false deaths: when, who saw it, about whom, declared by whom. */
  readonly falseDeathLog: Array<{ readonly at: number; readonly observer: string; readonly subject: string; readonly from: string }> = []
  /** Truth: nodes that are gone on purpose (left or leaving). */
  private readonly gone = new Set<string>()
  /** Record every event in `events` (turn off for very large runs). */
  recordEvents = true
  /** Per-node traffic; grows with `addNode`. */
  traffic: NodeTraffic = { packets: new Float64Array(0), bytes: new Float64Array(0), streams: new Float64Array(0), streamBytes: new Float64Array(0) }

  private readonly byAddress = new Map<string, SimNode>()
  private readonly byAddressObject = new Map<Address, SimNode>()
  private readonly queue = new EventQueue<Scheduled>()
  private readonly rng: Rng
  private readonly timings: Timings
  private network: NetworkModel
  private readonly sizeOf: MessageSizer
  private readonly tracker: ViewTracker | undefined
  private readonly maxQueueDelay: number
  private nextReplyId = 0

  // Network conditions beyond the model, by node index.
  private egressLoss: Array<number> = []
  private ingressLoss: Array<number> = []
  private anyNodeLoss = false
  private readonly linkLoss = new Map<number, number>()
  private group: Array<number> = []
  private partitioned = false
  private readonly blockedLinks = new Set<number>()
  private bandwidth: Array<number> = []
  private txFreeAt: Array<number> = []
  private anyBandwidth = false

  constructor(private readonly options: ClusterOptions) {
    this.rng = makeRng(options.seed)
    this.timings = options.timings ?? lanTimings
    this.network = options.network ?? lanNetwork
    this.sizeOf = options.sizeOf ?? estimateSize
    this.tracker = options.tracker
    this.maxQueueDelay = options.maxQueueDelay ?? 2000
    this.stallGrace = options.stallGrace ?? 30_000
  }

  private readonly stallGrace: number

  private account(observer: SimNode, event: MembershipEvent): void {
    const suspected = event._tag === "MemberSuspected"
    if (!suspected && event._tag !== "MemberFailed") return
    const subject = this.nodes.get(event.member.name)
    if (subject === undefined || !subject.running || this.gone.has(subject.name) || subject === observer) return
    const a = this.accuracy
    if (subject.paused || this.now - subject.resumedAt < this.stallGrace) {
      if (suspected) a.stallSuspicions++
      else a.stallDeaths++
      return
    }
    if (!this.reachable(observer, subject) || !this.reachable(subject, observer) || this.cutRecently(subject)) {
      if (suspected) a.cutSuspicions++
      else a.cutDeaths++
      return
    }
    const origin = event.from === observer.name
    if (suspected) {
      a.falseSuspicions++
      if (origin) a.falseSuspicionOrigins++
    } else {
      a.falseDeaths++
      if (origin) a.falseDeathOrigins++
      if (this.falseDeathLog.length < (this.options.falseDeathLogLimit ?? 100)) {
        this.falseDeathLog.push({ at: this.now, observer: observer.name, subject: subject.name, from: event.from })
      }
    }
  }

  /** Last time any link of `node` was cut (partition or blocked link), for accounting. */
  private readonly lastCut: Array<number> = []

  private cutRecently(node: SimNode): boolean {
    const t = this.lastCut[node.index]
    return t !== undefined && this.now - t < this.stallGrace
  }

  private noteCut(indices: Iterable<number>): void {
    for (const i of indices) this.lastCut[i] = this.now
  }

  /** Replaces the network model from now on (to add loss or a partition mid-run). */
  setNetwork(network: NetworkModel): void {
    this.network = network
  }

  /** The network model in force. */
  get networkModel(): NetworkModel {
    return this.network
  }

  /** Adds a node (not yet started) with the preset timings and any overrides. */
  addNode(name: string, overrides: Partial<CoreConfig> = {}): SimNode {
    const index = this.list.length
    if (this.tracker !== undefined && index >= this.tracker.n) throw new Error("more nodes than the view tracker holds")
    const address = addressOf(index + 1)
    const node: SimNode = {
      name,
      index,
      address,
      core: this.makeCore(name, address, overrides),
      running: false,
      generation: 0,
      paused: false,
      resumedAt: -Infinity,
      backlog: []
    }
    this.nodes.set(name, node)
    this.list.push(node)
    this.byAddress.set(formatAddress(address), node)
    this.byAddressObject.set(address, node)
    this.egressLoss.push(0)
    this.ingressLoss.push(0)
    this.group.push(0)
    this.bandwidth.push(Infinity)
    this.txFreeAt.push(0)
    if (this.traffic.packets.length <= index) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(Math.max(16, a.length * 2))
        b.set(a)
        return b
      }
      this.traffic = {
        packets: grow(this.traffic.packets),
        bytes: grow(this.traffic.bytes),
        streams: grow(this.traffic.streams),
        streamBytes: grow(this.traffic.streamBytes)
      }
    }
    return node
  }

  private makeCore(name: string, address: Address, overrides: Partial<CoreConfig>): CoreState {
    const config: CoreConfig = {
      ...this.timings,
      name,
      address,
      meta: new Uint8Array(0),
      versions: defaultVersions,
      ...overrides
    }
    return Core.make({ config, seed: nextUint32(this.rng), sizeOf: this.sizeOf })
  }

  /** Starts a node now and joins it through the named seeds. */
  start(name: string, seeds: ReadonlyArray<string> = []): void {
    const node = this.node(name)
    node.running = true
    this.gone.delete(name)
    this.tracker?.setUp(node.index, true, this.now)
    this.apply(node, { _tag: "Start" })
    if (seeds.length > 0) this.join(name, seeds)
  }

  /** Asks a running node to join (or rejoin) through the named seeds. */
  join(name: string, seeds: ReadonlyArray<string>): void {
    const node = this.node(name)
    if (node.running && node.core.status !== "alive") this.tracker?.setUp(node.index, true, this.now)
    this.gone.delete(name)
    this.apply(node, { _tag: "Join", seeds: seeds.map((s) => this.node(s).address) })
  }

  /** Leaves gracefully: from now on the truth is that the node is gone. */
  leave(name: string): void {
    const node = this.node(name)
    this.tracker?.setUp(node.index, false, this.now, "leave")
    this.gone.add(name)
    this.apply(node, { _tag: "Leave" })
  }

  /** Crashes a node: from now on it neither sends, receives nor ticks. */
  kill(name: string): void {
    const node = this.node(name)
    node.running = false
    node.paused = false
    node.backlog.length = 0
    node.generation++
    this.tracker?.setUp(node.index, false, this.now, "kill")
  }

  /** Restarts a killed node as a fresh process under the same name and address, then joins it. */
  restart(name: string, seeds: ReadonlyArray<string>, overrides: Partial<CoreConfig> = {}): void {
    const node = this.node(name)
    node.generation++
    node.paused = false
    node.backlog.length = 0
    node.core = this.makeCore(name, node.address, overrides)
    if (this.tracker !== undefined) {
      this.tracker.setUp(node.index, false, this.now)
      this.tracker.resetRow(node.index, this.now)
    }
    this.start(name, seeds)
  }

  /** Stalls a node (a GC pause): its timers and packets wait until `resume`. */
  pause(name: string): void {
    const node = this.node(name)
    if (node.running) node.paused = true
  }

  /**
   * Ends a stall: everything that waited is handled now. "timers-first" (the
   * default, and what a runtime waking from a GC pause does) fires the
   * overdue timers before reading the packets that queued up, so a probe
   * whose ack is sitting in the socket buffer times out first; "as-due"
   * handles everything in the order it was due.
   */
  resume(name: string, order: ResumeOrder = "timers-first"): void {
    const node = this.node(name)
    if (!node.paused) return
    node.paused = false
    node.resumedAt = this.now
    const backlog = node.backlog.splice(0)
    const isTimer = (e: Scheduled) => e.kind === "input" && e.input._tag === "TimerFired"
    if (order === "timers-first") {
      for (const event of backlog) if (isTimer(event)) this.queue.push(this.now, event)
      for (const event of backlog) if (!isTimer(event)) this.queue.push(this.now, event)
    } else {
      for (const event of backlog) this.queue.push(this.now, event)
    }
  }

  /** Feeds an API input to a node now. */
  input(name: string, input: Input): void {
    this.apply(this.node(name), input)
  }

  /** The node called `name`. */
  node(name: string): SimNode {
    const node = this.nodes.get(name)
    if (node === undefined) throw new Error(`no simulated node ${name}`)
    return node
  }

  /** How `observer` sees every member it knows: name → state. */
  view(observer: string): Map<string, NodeState> {
    const view = new Map<string, NodeState>()
    for (const m of this.node(observer).core.members.values()) view.set(m.name, m.state)
    return view
  }

  // ------------------------------------------------------------ network conditions

  /** Uniform loss for every packet, on top of the per-node and per-link loss. */
  setLoss(loss: number): void {
    this.network = { ...this.network, loss }
  }

  /** Loss of packets a node sends (egress) and receives (ingress): asymmetric loss. */
  setNodeLoss(name: string, loss: { readonly egress?: number | undefined; readonly ingress?: number | undefined }): void {
    const i = this.node(name).index
    if (loss.egress !== undefined) this.egressLoss[i] = loss.egress
    if (loss.ingress !== undefined) this.ingressLoss[i] = loss.ingress
    this.anyNodeLoss = this.egressLoss.some((p) => p > 0) || this.ingressLoss.some((p) => p > 0)
  }

  /** Loss on one direction of one link (0 removes it). */
  setLinkLoss(from: string, to: string, loss: number): void {
    const key = linkKey(this.node(from).index, this.node(to).index)
    if (loss > 0) this.linkLoss.set(key, loss)
    else this.linkLoss.delete(key)
  }

  /** Splits the cluster: nodes in different groups cannot reach each other; unlisted nodes form group 0. */
  partition(groups: ReadonlyArray<ReadonlyArray<string>>): void {
    this.noteCut(this.list.map((n) => n.index))
    this.group.fill(0)
    groups.forEach((members, g) => {
      for (const name of members) this.group[this.node(name).index] = g + 1
    })
    this.partitioned = groups.length > 0
  }

  /** Ends every partition. */
  heal(): void {
    if (this.partitioned) this.noteCut(this.list.map((n) => n.index))
    this.group.fill(0)
    this.partitioned = false
  }

  /** Cuts (or restores) one link, both ways unless `oneWay`. */
  setLinkBlocked(a: string, b: string, blocked: boolean, oneWay = false): void {
    const x = this.node(a).index
    const y = this.node(b).index
    this.noteCut([x, y])
    const keys = oneWay ? [linkKey(x, y)] : [linkKey(x, y), linkKey(y, x)]
    for (const k of keys) {
      if (blocked) this.blockedLinks.add(k)
      else this.blockedLinks.delete(k)
    }
  }

  /** A node's upload bandwidth in bytes per second (Infinity: unlimited). */
  setBandwidth(name: string, bytesPerSecond: number): void {
    this.bandwidth[this.node(name).index] = bytesPerSecond
    this.anyBandwidth = this.bandwidth.some((b) => Number.isFinite(b))
  }

  /** Whether `from` can reach `to` now. */
  reachable(from: SimNode, to: SimNode): boolean {
    if (this.partitioned && this.group[from.index] !== this.group[to.index]) return false
    if (this.blockedLinks.size > 0 && this.blockedLinks.has(linkKey(from.index, to.index))) return false
    return this.network.blocked === undefined || !this.network.blocked(from.name, to.name)
  }

  /** The probability a packet from `from` to `to` is lost. */
  lossBetween(from: number, to: number): number {
    let keep = 1 - this.network.loss
    if (this.anyNodeLoss) keep *= (1 - (this.egressLoss[from] as number)) * (1 - (this.ingressLoss[to] as number))
    if (this.linkLoss.size > 0) {
      const p = this.linkLoss.get(linkKey(from, to))
      if (p !== undefined) keep *= 1 - p
    }
    return 1 - keep
  }

  // ------------------------------------------------------------ running

  /** Runs every event up to and including virtual time `until`. */
  runUntil(until: number): void {
    const queue = this.queue
    while (queue.peekTime() <= until) {
      const next = queue.pop()
      if (next === undefined) break
      if (next.at > this.now) this.now = next.at
      this.handle(next.value)
    }
    if (until > this.now) this.now = until
  }

  /** Runs for `duration` ms of virtual time. */
  runFor(duration: number): void {
    this.runUntil(this.now + duration)
  }

  /**
   * Runs in steps of `every` ms until `condition` holds or `limit` ms pass.
   * Returns the virtual time it first held, or undefined.
   */
  runUntilTrue(condition: () => boolean, limit: number, every = 100): number | undefined {
    const end = this.now + limit
    while (this.now < end) {
      if (condition()) return this.now
      this.runUntil(Math.min(this.now + every, end))
    }
    return condition() ? this.now : undefined
  }

  /** How many events wait in the queue (for tests and diagnostics). */
  get pending(): number {
    return this.queue.size
  }

  private apply(node: SimNode, input: Input): void {
    if (!node.running) return
    const outputs = Core.step(node.core, input, this.now)
    this.perform(node, outputs)
  }

  private latency(from: SimNode, to: SimNode | undefined): number {
    const base = this.network.latency(this.rng)
    const link = this.network.linkLatency
    return link === undefined || to === undefined ? base : base + link(from.index, to.index)
  }

  private packetSize(messages: ReadonlyArray<PacketMessage>): number {
    if (messages.length === 1) return this.sizeOf(messages[0] as PacketMessage)
    let size = compoundHeaderOverhead + compoundPartOverhead * messages.length
    for (const m of messages) size += this.sizeOf(m)
    return size
  }

  /** When `bytes` sent by `node` now leave its link, or undefined when its queue is too long. */
  private departure(node: SimNode, bytes: number): number | undefined {
    if (!this.anyBandwidth) return this.now
    const bw = this.bandwidth[node.index] as number
    if (!Number.isFinite(bw)) return this.now
    const start = Math.max(this.now, this.txFreeAt[node.index] as number)
    if (start - this.now > this.maxQueueDelay) return undefined
    const done = start + (bytes * 1000) / bw
    this.txFreeAt[node.index] = done
    return done
  }

  private pushPullBytes(states: ReadonlyArray<PushNodeState>): number {
    // memberlist's push/pull header plus one entry per state; an entry is about an alive message and a state field.
    let bytes = 24
    for (const s of states) {
      bytes += 8 + this.sizeOf({
        _tag: "Alive",
        incarnation: s.incarnation,
        node: s.name,
        address: s.address,
        meta: s.meta,
        versions: s.versions
      })
    }
    return bytes
  }

  private perform(node: SimNode, outputs: ReadonlyArray<Output>): void {
    const onOutput = this.options.onOutput
    for (let k = 0; k < outputs.length; k++) {
      const output = outputs[k] as Output
      if (onOutput !== undefined) onOutput(node.name, this.now, output)
      switch (output._tag) {
        case "SendPacket": {
          const size = this.packetSize(output.messages)
          this.stats.packetsSent++
          this.stats.bytesSent += size
          bump(this.traffic.packets, node.index, 1)
          bump(this.traffic.bytes, node.index, size)
          const to = this.lookup(output.to)
          const loss = to === undefined ? this.network.loss : this.lossBetween(node.index, to.index)
          const departs = this.departure(node, size)
          if (departs === undefined || (loss > 0 && nextFloat(this.rng) < loss)) {
            this.stats.packetsLost++
            break
          }
          this.queue.push(departs + this.latency(node, to), {
            kind: "packet",
            to: output.to,
            from: node,
            messages: output.messages
          })
          break
        }
        case "SetTimer":
          this.queue.push(output.at, {
            kind: "input",
            node,
            generation: node.generation,
            input: { _tag: "TimerFired", timer: output.timer }
          })
          break
        case "PushPullStart": {
          this.stats.pushPulls++
          const bytes = this.pushPullBytes(output.states)
          bump(this.traffic.streams, node.index, 1)
          bump(this.traffic.streamBytes, node.index, bytes)
          const to = this.lookup(output.to)
          const departs = this.anyBandwidth ? Math.max(this.now, this.departure(node, bytes) ?? this.now) : this.now
          this.queue.push(departs + this.latency(node, to), {
            kind: "pushPull",
            from: node,
            fromGeneration: node.generation,
            to: output.to,
            join: output.join,
            states: output.states,
            token: output.token,
            sentAt: this.now
          })
          break
        }
        case "StreamPing": {
          bump(this.traffic.streams, node.index, 1)
          bump(this.traffic.streamBytes, node.index, this.sizeOf(output.ping))
          this.queue.push(this.now + this.latency(node, this.lookup(output.to)), {
            kind: "streamPing",
            from: node,
            fromGeneration: node.generation,
            to: output.to,
            ping: output.ping
          })
          break
        }
        case "Event": {
          const event = output.event
          this.account(node, event)
          if (this.tracker !== undefined) {
            const subject = event._tag === "LocalStatus" || event._tag === "NameConflict"
              ? node
              : this.nodes.get(event.member.name)
            if (subject !== undefined) this.tracker.onEvent(node.index, subject.index, event, this.now)
          }
          if (this.recordEvents || this.options.onEvent !== undefined) {
            const recorded = { at: this.now, node: node.name, event }
            if (this.recordEvents) this.events.push(recorded)
            this.options.onEvent?.(recorded)
          }
          break
        }
        case "Dropped":
          this.stats.dropped++
          break
        default:
          break
      }
    }
  }

  private lookup(address: Address): SimNode | undefined {
    const hit = this.byAddressObject.get(address)
    if (hit !== undefined) return hit
    const node = this.byAddress.get(formatAddress(address))
    if (node !== undefined) this.byAddressObject.set(address, node)
    return node
  }

  private handle(event: Scheduled): void {
    switch (event.kind) {
      case "input": {
        const node = event.node
        if (node.generation !== event.generation || !node.running) return
        if (node.paused) {
          node.backlog.push(event)
          return
        }
        this.apply(node, event.input)
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
        this.apply(to, { _tag: "Received", from: event.from.address, messages: event.messages, via: "packet" })
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
    if (target === undefined || !target.running || !this.reachable(from, target)) {
      this.answer(from, event.fromGeneration, this.now + this.network.streamTimeout, {
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
    const replyTo = ++this.nextReplyId
    const outputs = Core.step(target.core, {
      _tag: "PushPullRequest",
      from: from.address,
      join: event.join,
      states: event.states,
      replyTo
    }, this.now)
    this.perform(target, outputs)
    let reply: Extract<Output, { _tag: "PushPullReply" }> | undefined
    for (const o of outputs) if (o._tag === "PushPullReply" && o.replyTo === replyTo) reply = o
    const late = this.now - event.sentAt > this.network.streamTimeout
    if (reply !== undefined && !late && this.reachable(target, from)) {
      const bytes = this.pushPullBytes(reply.states)
      bump(this.traffic.streamBytes, target.index, bytes)
      const departs = this.anyBandwidth ? Math.max(this.now, this.departure(target, bytes) ?? this.now) : this.now
      this.answer(from, event.fromGeneration, departs + this.latency(target, from), {
        _tag: "PushPullResponse",
        token: event.token,
        states: reply.states
      })
    } else {
      this.answer(from, event.fromGeneration, Math.max(this.now, event.sentAt + this.network.streamTimeout), {
        _tag: "PushPullFailed",
        token: event.token,
        reason: late ? "timeout" : "no reply"
      })
    }
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
    const there = this.lossBetween(from.index, target.index)
    const back = this.lossBetween(target.index, from.index)
    if ((there > 0 || back > 0) && nextFloat(this.rng) > (1 - there) ** 2 * (1 - back)) return
    const replyTo = ++this.nextReplyId
    const outputs = Core.step(target.core, {
      _tag: "Received",
      from: from.address,
      messages: [event.ping],
      via: "stream",
      replyTo
    }, this.now)
    this.perform(target, outputs)
    for (const o of outputs) {
      if (o._tag === "StreamReply" && o.replyTo === replyTo) {
        this.answer(from, event.fromGeneration, this.now + this.latency(target, from), {
          _tag: "Received",
          from: target.address,
          messages: o.messages,
          via: "stream"
        })
      }
    }
  }
}

/**
 * Many protocol cores on one simulated network, on virtual time.
 *
 * Each node is the real core; this file only carries its outputs: packets
 * travel with a latency and may be lost, push/pull and stream pings are
 * modelled as reliable exchanges that fail after a timeout when the peer is
 * down, and timers fire at their virtual time. Everything random comes from
 * one seed, so a run replays exactly.
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
}

/** A 1–2 ms LAN without loss. */
export const lanNetwork: NetworkModel = {
  latency: (rng) => 1 + nextFloat(rng),
  loss: 0,
  streamTimeout: 1000
}

/** A node in the simulation. */
export interface SimNode {
  readonly name: string
  readonly address: Address
  core: CoreState
  /** False once killed: it neither sends, receives nor fires timers. */
  running: boolean
  /** Bumped on every restart, so events meant for an earlier life are ignored. */
  generation: number
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

type Scheduled =
  | { readonly kind: "input"; readonly node: string; readonly generation: number; readonly input: Input }
  | {
    readonly kind: "packet"
    readonly to: Address
    readonly from: Address
    readonly messages: ReadonlyArray<PacketMessage>
  }
  | {
    readonly kind: "pushPull"
    readonly from: string
    readonly fromGeneration: number
    readonly to: Address
    readonly join: boolean
    readonly states: ReadonlyArray<PushNodeState>
    readonly token: number
  }
  | {
    readonly kind: "streamPing"
    readonly from: string
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
}

const addressOf = (index: number): Address => ({
  host: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
  port: 7946
})

/** A cluster of simulated nodes on virtual time. */
export class SimulatedCluster {
  /** Virtual time, ms. */
  now = 0
  readonly nodes = new Map<string, SimNode>()
  readonly stats: SimStats = { packetsSent: 0, packetsLost: 0, bytesSent: 0, pushPulls: 0, dropped: 0 }
  readonly events: Array<RecordedEvent> = []
  /** Record every event in `events` (turn off for very large runs). */
  recordEvents = true

  private readonly byAddress = new Map<string, SimNode>()
  private readonly queue = new EventQueue<Scheduled>()
  private readonly rng: Rng
  private readonly timings: Timings
  private network: NetworkModel
  private readonly sizeOf: MessageSizer
  private nextReplyId = 0

  constructor(private readonly options: ClusterOptions) {
    this.rng = makeRng(options.seed)
    this.timings = options.timings ?? lanTimings
    this.network = options.network ?? lanNetwork
    this.sizeOf = options.sizeOf ?? estimateSize
  }

  /** Replaces the network model from now on (to add loss or a partition mid-run). */
  setNetwork(network: NetworkModel): void {
    this.network = network
  }

  /** Adds a node (not yet started) with the preset timings and any overrides. */
  addNode(name: string, overrides: Partial<CoreConfig> = {}): SimNode {
    const address = addressOf(this.nodes.size + 1)
    const node: SimNode = {
      name,
      address,
      core: this.makeCore(name, address, overrides),
      running: false,
      generation: 0
    }
    this.nodes.set(name, node)
    this.byAddress.set(formatAddress(address), node)
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
    this.apply(node, { _tag: "Start" })
    if (seeds.length > 0) this.join(name, seeds)
  }

  /** Asks a running node to join (or rejoin) through the named seeds. */
  join(name: string, seeds: ReadonlyArray<string>): void {
    this.apply(this.node(name), { _tag: "Join", seeds: seeds.map((s) => this.node(s).address) })
  }

  /** Crashes a node: from now on it neither sends, receives nor ticks. */
  kill(name: string): void {
    const node = this.node(name)
    node.running = false
    node.generation++
  }

  /** Restarts a killed node as a fresh process under the same name and address, then joins it. */
  restart(name: string, seeds: ReadonlyArray<string>, overrides: Partial<CoreConfig> = {}): void {
    const node = this.node(name)
    node.generation++
    node.core = this.makeCore(name, node.address, overrides)
    this.start(name, seeds)
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

  /** Runs every event up to and including virtual time `until`. */
  runUntil(until: number): void {
    while (this.queue.peekTime() <= until) {
      const next = this.queue.pop()
      if (next === undefined) break
      this.now = Math.max(this.now, next.at)
      this.handle(next.value)
    }
    this.now = Math.max(this.now, until)
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

  private apply(node: SimNode, input: Input): void {
    if (!node.running) return
    const outputs = Core.step(node.core, input, this.now)
    this.perform(node, outputs)
  }

  private latency(): number {
    return this.network.latency(this.rng)
  }

  private blocked(from: string, to: string): boolean {
    return this.network.blocked !== undefined && this.network.blocked(from, to)
  }

  private packetSize(messages: ReadonlyArray<PacketMessage>): number {
    let size = 0
    for (const m of messages) size += this.sizeOf(m)
    return messages.length > 1 ? size + compoundHeaderOverhead + compoundPartOverhead * messages.length : size
  }

  private perform(node: SimNode, outputs: ReadonlyArray<Output>): void {
    for (const output of outputs) {
      this.options.onOutput?.(node.name, this.now, output)
      switch (output._tag) {
        case "SendPacket": {
          this.stats.packetsSent++
          this.stats.bytesSent += this.packetSize(output.messages)
          if (this.network.loss > 0 && nextFloat(this.rng) < this.network.loss) {
            this.stats.packetsLost++
            break
          }
          this.queue.push(this.now + this.latency(), {
            kind: "packet",
            to: output.to,
            from: node.address,
            messages: output.messages
          })
          break
        }
        case "SetTimer":
          this.queue.push(output.at, {
            kind: "input",
            node: node.name,
            generation: node.generation,
            input: { _tag: "TimerFired", timer: output.timer }
          })
          break
        case "PushPullStart":
          this.stats.pushPulls++
          this.queue.push(this.now + this.latency(), {
            kind: "pushPull",
            from: node.name,
            fromGeneration: node.generation,
            to: output.to,
            join: output.join,
            states: output.states,
            token: output.token
          })
          break
        case "StreamPing":
          this.queue.push(this.now + this.latency(), {
            kind: "streamPing",
            from: node.name,
            fromGeneration: node.generation,
            to: output.to,
            ping: output.ping
          })
          break
        case "Event": {
          const recorded = { at: this.now, node: node.name, event: output.event }
          if (this.recordEvents) this.events.push(recorded)
          this.options.onEvent?.(recorded)
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

  private handle(event: Scheduled): void {
    switch (event.kind) {
      case "input": {
        const node = this.nodes.get(event.node)
        if (node !== undefined && node.generation === event.generation) this.apply(node, event.input)
        return
      }
      case "packet": {
        const to = this.byAddress.get(formatAddress(event.to))
        const from = this.byAddress.get(formatAddress(event.from))
        if (to === undefined || !to.running) return
        if (from !== undefined && this.blocked(from.name, to.name)) return
        this.apply(to, { _tag: "Received", from: event.from, messages: event.messages, via: "packet" })
        return
      }
      case "pushPull":
        return this.servePushPull(event)
      case "streamPing":
        return this.serveStreamPing(event)
    }
  }

  private answer(name: string, generation: number, at: number, input: Input): void {
    this.queue.push(at, { kind: "input", node: name, generation, input })
  }

  private servePushPull(event: Extract<Scheduled, { kind: "pushPull" }>): void {
    const target = this.byAddress.get(formatAddress(event.to))
    const from = this.nodes.get(event.from)
    if (from === undefined) return
    if (target === undefined || !target.running || this.blocked(from.name, target.name)) {
      this.answer(event.from, event.fromGeneration, this.now + this.network.streamTimeout, {
        _tag: "PushPullFailed",
        token: event.token,
        reason: "unreachable"
      })
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
    const reply = outputs.find((o) => o._tag === "PushPullReply" && o.replyTo === replyTo)
    if (reply !== undefined && reply._tag === "PushPullReply" && !this.blocked(target.name, from.name)) {
      this.answer(event.from, event.fromGeneration, this.now + this.latency(), {
        _tag: "PushPullResponse",
        token: event.token,
        states: reply.states
      })
    } else {
      this.answer(event.from, event.fromGeneration, this.now + this.network.streamTimeout, {
        _tag: "PushPullFailed",
        token: event.token,
        reason: "no reply"
      })
    }
  }

  private serveStreamPing(event: Extract<Scheduled, { kind: "streamPing" }>): void {
    const target = this.byAddress.get(formatAddress(event.to))
    const from = this.nodes.get(event.from)
    if (from === undefined || target === undefined || !target.running) return
    if (this.blocked(from.name, target.name) || this.blocked(target.name, from.name)) return
    // A stream ping must connect and answer within the probe: a lost handshake or reply segment
    // means a retransmission too late to count, so it fails as often as three packets would.
    if (this.network.loss > 0 && nextFloat(this.rng) > (1 - this.network.loss) ** 3) return
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
        this.answer(event.from, event.fromGeneration, this.now + this.latency(), {
          _tag: "Received",
          from: target.address,
          messages: o.messages,
          via: "stream"
        })
      }
    }
  }
}

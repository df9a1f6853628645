/**
 * Many members on one simulated network, on virtual time. Each node runs
 * the real driver around the real core, exactly as the Node shell does; the
 * simulator is only the driver's `Runtime` (see `simRuntime.ts`): packets
 * travel with a latency, may be lost (uniformly, per direction, per node or
 * per link), queue behind each other at a sender with limited bandwidth and
 * are cut by partitions; push/pull and stream pings are reliable exchanges
 * that fail after a timeout when the peer is unreachable; timers fire at
 * their virtual time; discovery answers with the seeds a node was started
 * with. A paused node (a GC or CPU stall) neither fires timers nor reads
 * packets: they wait and are handled, late, when it resumes. Everything
 * random comes from one seed, so a run replays exactly.
 *
 * @internal
 */
import type { CoreConfig, MessageSizer, Timings } from "../swim/config.js"
import { defaultVersions, lanTimings } from "../swim/config.js"
import * as Core from "../swim/core.js"
import { estimateSize } from "../swim/estimateSize.js"
import type { Input, MembershipEvent, Output } from "../swim/io.js"
import type { Address, NodeState } from "../swim/messages.js"
import { makeRng, nextUint32, type Rng } from "../swim/random.js"
import { type ConvergedPeer, convergedRecords, fillConvergedView } from "../swim/convergedView.js"
import * as Driver from "../driver/driver.js"
import { type Accuracy, AccuracyJudge, type FalseDeath } from "./accuracy.js"
import { NetworkConditions } from "./conditions.js"
import { EventQueue } from "../driver/eventQueue.js"
import { lanNetwork, type NetworkModel } from "./model.js"
import { type Scheduled, SimulatedNetwork, type SimNode } from "./simNetwork.js"
import { Seen, type ViewTracker } from "./tracker.js"

export type { Accuracy } from "./accuracy.js"
export { lanNetwork, type NetworkModel } from "./model.js"
export type { Scheduled, SimNode } from "./simNetwork.js"

/** In what order a node resuming from a stall handles what waited (see `SimulatedCluster.resume`). */
export type ResumeOrder = "timers-first" | "as-due"

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

/** Per-node traffic counters, indexed by node index. */
export interface NodeTraffic {
  readonly packets: Float64Array
  readonly bytes: Float64Array
  /** Stream exchanges started (push/pull, stream pings) and their approximate bytes. */
  readonly streams: Float64Array
  readonly streamBytes: Float64Array
}

/** Options for a simulated cluster. */
export interface ClusterOptions {
  readonly seed: number
  readonly timings?: Timings | undefined
  readonly network?: NetworkModel | undefined
  readonly sizeOf?: MessageSizer | undefined
  /** Called for every membership event, as it happens. */
  readonly onEvent?: ((event: RecordedEvent) => void) | undefined
  /** Called for every output a node's driver performs, for extra bookkeeping (user messages, drops). */
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

/** The `k`th address handed to a relocated node: outside the range `addressOf` uses. */
const relocatedAddress = (k: number): Address => ({
  host: `11.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`,
  port: 7946
})

/** A cluster of simulated nodes on virtual time. */
export class SimulatedCluster {
  /** Virtual time, ms. */
  now = 0
  readonly nodes = new Map<string, SimNode>()
  /** Nodes by index. */
  readonly list: Array<SimNode> = []
  readonly stats: SimStats = { packetsSent: 0, packetsLost: 0, bytesSent: 0, pushPulls: 0, dropped: 0 }
  readonly events: Array<RecordedEvent> = []
  /** Record every event in `events` (turn off for very large runs). */
  recordEvents = true

  private readonly gone = new Set<string>()
  private relocations = 0
  private readonly queue = new EventQueue<Scheduled>()
  private readonly rng: Rng
  private readonly timings: Timings
  private readonly tracker: ViewTracker | undefined
  private readonly conditions: NetworkConditions
  private readonly judge: AccuracyJudge<SimNode>
  private readonly network: SimulatedNetwork

  constructor(private readonly options: ClusterOptions) {
    this.rng = makeRng(options.seed)
    this.timings = options.timings ?? lanTimings
    this.tracker = options.tracker
    this.conditions = new NetworkConditions(options.maxQueueDelay ?? 2000)
    this.judge = new AccuracyJudge<SimNode>({
      now: () => this.now,
      node: (name) => this.nodes.get(name),
      gone: (name) => this.gone.has(name),
      reachable: (from, to) => this.reachable(from, to)
    }, options.stallGrace ?? 30_000, options.falseDeathLogLimit ?? 100)
    this.network = new SimulatedNetwork({
      rng: this.rng,
      model: options.network ?? lanNetwork,
      sizeOf: options.sizeOf ?? estimateSize,
      conditions: this.conditions,
      queue: this.queue,
      stats: this.stats,
      now: () => this.now,
      onEvent: (node, event) => this.recordEvent(node, event)
    })
  }

  /** Accusations judged against the truth since the start (the runner may reset them). */
  get accuracy(): Accuracy {
    return this.judge.accuracy
  }

  /** The first false deaths. */
  get falseDeathLog(): Array<FalseDeath> {
    return this.judge.falseDeathLog
  }

  /** Per-node traffic; grows with `addNode`. */
  get traffic(): NodeTraffic {
    return this.network.traffic
  }

  /** Replaces the network model from now on (to add loss or a partition mid-run). */
  setNetwork(network: NetworkModel): void {
    this.network.model = network
  }

  /** The network model in force. */
  get networkModel(): NetworkModel {
    return this.network.model
  }

  /** Adds a node (not yet started) with the preset timings and any overrides. */
  addNode(name: string, overrides: Partial<CoreConfig> = {}): SimNode {
    const index = this.list.length
    if (this.tracker !== undefined && index >= this.tracker.n) throw new Error("more nodes than the view tracker holds")
    const address = addressOf(index + 1)
    const node = { name, index, address, running: false, generation: 0, paused: false, resumedAt: -Infinity, backlog: [], seeds: [] } as
      unknown as SimNode
    this.setCore(node, overrides)
    this.nodes.set(name, node)
    this.list.push(node)
    this.network.addNode(node)
    this.conditions.addNode()
    return node
  }

  private setCore(node: SimNode, overrides: Partial<CoreConfig>): void {
    const config: CoreConfig = {
      ...this.timings,
      name: node.name,
      address: node.address,
      meta: new Uint8Array(0),
      versions: defaultVersions,
      ...overrides
    }
    node.core = Core.make({ config, seed: nextUint32(this.rng), sizeOf: this.network.sizeOf })
    const onOutput = this.options.onOutput
    node.driver = Driver.make(node.core, this.network.runtimeFor(node), {
      onOutput: onOutput === undefined ? undefined : (output) => onOutput(node.name, this.now, output)
    })
  }

  private recordEvent(node: SimNode, event: MembershipEvent): void {
    this.judge.judge(node, event)
    if (this.tracker !== undefined) {
      const subject = event._tag === "LocalStatus" || event._tag === "NameConflict" ? node : this.nodes.get(event.member.name)
      if (subject !== undefined) this.tracker.onEvent(node.index, subject.index, event, this.now)
    }
    if (this.recordEvents || this.options.onEvent !== undefined) {
      const recorded = { at: this.now, node: node.name, event }
      if (this.recordEvents) this.events.push(recorded)
      this.options.onEvent?.(recorded)
    }
  }

  /** Starts a node now and joins it through the named seeds (which its discovery also answers with). */
  start(name: string, seeds: ReadonlyArray<string> = []): void {
    const node = this.node(name)
    node.running = true
    node.seeds = seeds.map((s) => this.node(s).address)
    this.gone.delete(name)
    this.tracker?.setUp(node.index, true, this.now)
    node.driver.call({ _tag: "Start" })
    if (seeds.length > 0) this.join(name, seeds)
  }

  /**
   * Fills the views of the first `count` nodes, all running, with each other
   * alive, as after a converged join (`convergedView.ts`), and tells the
   * tracker; `seeds` become what their discovery answers with. No message
   * is sent and no event recorded: the views are simply there.
   */
  fillViews(count: number, seeds: ReadonlyArray<string>): void {
    const peers: Array<ConvergedPeer> = []
    for (let i = 0; i < count; i++) {
      const node = this.list[i] as SimNode
      if (!node.running) throw new Error(`fillViews: ${node.name} is not running`)
      const self = Core.member(node.core, node.name)
      if (self === undefined) throw new Error(`fillViews: ${node.name} does not know itself`)
      peers.push(self)
    }
    const seedAddresses = seeds.map((s) => this.node(s).address)
    const records = convergedRecords(peers, this.now)
    for (let i = 0; i < count; i++) {
      const node = this.list[i] as SimNode
      node.seeds = seedAddresses
      fillConvergedView(node.core, records)
      if (this.tracker !== undefined) for (let s = 0; s < count; s++) this.tracker.set(i, s, Seen.Alive, this.now)
    }
  }

  /** Asks a running node to join (or rejoin) through the named seeds. */
  join(name: string, seeds: ReadonlyArray<string>): void {
    const node = this.node(name)
    if (!node.running) return
    if (node.core.status !== "alive") this.tracker?.setUp(node.index, true, this.now)
    this.gone.delete(name)
    node.driver.join(seeds.map((s) => this.node(s).address), () => {})
  }

  /** Leaves gracefully: from now on the truth is that the node is gone. */
  leave(name: string): void {
    const node = this.node(name)
    this.tracker?.setUp(node.index, false, this.now, "leave")
    this.gone.add(name)
    if (node.running) node.driver.leave(() => {})
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
    this.setCore(node, overrides)
    if (this.tracker !== undefined) {
      this.tracker.setUp(node.index, false, this.now)
      this.tracker.resetRow(node.index, this.now)
    }
    this.start(name, seeds)
  }

  /**
   * Restarts a killed node as a fresh process under the same name at a new
   * address (a pod back under a new IP), then joins it. Its old address
   * answers nothing from now on.
   */
  relocate(name: string, seeds: ReadonlyArray<string>, overrides: Partial<CoreConfig> = {}): Address {
    const node = this.node(name)
    const address = relocatedAddress(++this.relocations)
    this.network.moveNode(node, address)
    this.restart(name, seeds, overrides)
    return address
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
    const isTimer = (e: Scheduled) => e.kind === "task" || (e.kind === "input" && e.input._tag === "TimerFired")
    if (order === "timers-first") {
      for (const event of backlog) if (isTimer(event)) this.queue.push(this.now, event)
      for (const event of backlog) if (!isTimer(event)) this.queue.push(this.now, event)
    } else {
      for (const event of backlog) this.queue.push(this.now, event)
    }
  }

  /** Feeds an input to a running node now. */
  input(name: string, input: Input): void {
    const node = this.node(name)
    if (node.running) node.driver.handle(input)
  }

  /**
   * Sends `payload` as a user packet from `from` to `to`, as a member's own `send` does: over the
   * simulated network, with its latency, loss and partitions. Nothing goes from a node that is down.
   */
  sendUser(from: string, to: string, payload: Uint8Array): void {
    const node = this.node(from)
    if (!node.running) return
    this.network.send(node, { _tag: "SendPacket", to: this.node(to).address, messages: [{ _tag: "User", payload }], crc: false, probe: false })
  }

  /** Runs `run` at `at` on node `name`'s behalf, unless it dies (or restarts) first; a pause delays it. */
  schedule(name: string, at: number, run: () => void): void {
    const node = this.node(name)
    this.queue.push(Math.max(at, this.now), { kind: "task", node, generation: node.generation, run })
  }

  /** The node called `name`. */
  node(name: string): SimNode {
    const node = this.nodes.get(name)
    if (node === undefined) throw new Error(`no simulated node ${name}`)
    return node
  }

  /** How `observer` sees every member it knows: name -> state. */
  view(observer: string): Map<string, NodeState> {
    const view = new Map<string, NodeState>()
    for (const m of this.node(observer).core.members.values()) view.set(m.name, m.state)
    return view
  }

  // ------------------------------------------------------------ network conditions

  /** Uniform loss for every packet, on top of the per-node and per-link loss. */
  setLoss(loss: number): void {
    this.network.model = { ...this.network.model, loss }
  }

  /** Loss of packets a node sends (egress) and receives (ingress): asymmetric loss. */
  setNodeLoss(name: string, loss: { readonly egress?: number | undefined; readonly ingress?: number | undefined }): void {
    this.conditions.setNodeLoss(this.node(name).index, loss)
  }

  /** Loss on one direction of one link (0 removes it). */
  setLinkLoss(from: string, to: string, loss: number): void {
    this.conditions.setLinkLoss(this.node(from).index, this.node(to).index, loss)
  }

  /** Splits the cluster: nodes in different groups cannot reach each other; unlisted nodes form group 0. */
  partition(groups: ReadonlyArray<ReadonlyArray<string>>): void {
    this.judge.noteCut(this.list.map((n) => n.index))
    this.conditions.partition(groups.map((g) => g.map((name) => this.node(name).index)))
  }

  /** Ends every partition. */
  heal(): void {
    if (this.conditions.isPartitioned) this.judge.noteCut(this.list.map((n) => n.index))
    this.conditions.heal()
  }

  /** Cuts (or restores) one link, both ways unless `oneWay`. */
  setLinkBlocked(a: string, b: string, blocked: boolean, oneWay = false): void {
    const x = this.node(a).index
    const y = this.node(b).index
    this.judge.noteCut([x, y])
    this.conditions.setLinkBlocked(x, y, blocked, oneWay)
  }

  /** A node's upload bandwidth in bytes per second (Infinity: unlimited). */
  setBandwidth(name: string, bytesPerSecond: number): void {
    this.conditions.setBandwidth(this.node(name).index, bytesPerSecond)
  }

  /** Whether `from` can reach `to` now. */
  reachable(from: SimNode, to: SimNode): boolean {
    return this.network.reachable(from, to)
  }

  /** The probability a packet from `from` to `to` is lost. */
  lossBetween(from: number, to: number): number {
    return this.conditions.lossBetween(from, to, this.network.model.loss)
  }

  // ------------------------------------------------------------ running

  /**
   * Runs every event up to and including virtual time `until`, at most
   * `budget` of them. Returns whether it got there (the clock then reads
   * `until`); cut short by the budget, the clock reads the last event's time
   * and a later call goes on from the next event, so a run in slices handles
   * the same events in the same order as one in a single call.
   */
  runUntil(until: number, budget = Infinity): boolean {
    const queue = this.queue
    let left = budget
    while (queue.peekTime() <= until) {
      if (left <= 0) return false
      left--
      const next = queue.pop()
      if (next === undefined) break
      if (next.at > this.now) this.now = next.at
      this.network.handle(next.value)
    }
    if (until > this.now) this.now = until
    return true
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

  /** The node at `address`, if any. */
  lookup(address: Address): SimNode | undefined {
    return this.network.lookup(address)
  }
}


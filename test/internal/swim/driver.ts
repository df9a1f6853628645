/**
 * A test driver for the sans-IO SWIM core: one core on virtual time.
 *
 * It keeps `now`, records every output with the time it was produced, keeps
 * the timers the core asked for and fires them in time order, and offers
 * helpers to feed messages and read back what was sent and published.
 */
import { ownVersions } from "../../../src/internal/swim/sender.js"
import { defaultVersions, lanTimings, type MessageSizer, type Timings } from "../../../src/internal/swim/config.js"
import * as Core from "../../../src/internal/swim/core.js"
import type { Input, MembershipEvent, Output, Timer } from "../../../src/internal/swim/io.js"
import type { Member } from "../../../src/internal/swim/member.js"
import type { Address, PacketMessage, PushNodeState, Versions } from "../../../src/internal/swim/messages.js"
import { formatAddress, NodeState, sameAddress } from "../../../src/internal/swim/messages.js"
import type { CoreState } from "../../../src/internal/swim/state.js"

// ---------------------------------------------------------------- addresses

const addresses = new Map<string, Address>()
const names = new Map<string, string>()

/** A stable, unique address per member name (the same in every driver of a test run). */
export const addressOf = (name: string): Address => {
  let address = addresses.get(name)
  if (address === undefined) {
    const i = addresses.size + 1
    address = { host: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 7946 }
    addresses.set(name, address)
    names.set(formatAddress(address), name)
  }
  return address
}

/** The member name an address was handed out for (or the formatted address if none). */
export const nameOf = (address: Address): string => names.get(formatAddress(address)) ?? formatAddress(address)

/** Versions of another effect-memberlist member (it reads our envelopes): what `addMember` gives by default. */
export const ourVersions: Versions = ownVersions(2)
/** Versions of a Go memberlist member (delegate range 0..0): it reads no envelope. */
export const goVersions: Versions = defaultVersions

/** Versions of a member that speaks protocol up to `pMax`. */
export const versionsUpTo = (pMax: number): Versions => [1, pMax, 2, 0, 0, 0]

// ---------------------------------------------------------------- messages

export type Tag = PacketMessage["_tag"]
export type MessageOf<T extends Tag> = Extract<PacketMessage, { readonly _tag: T }>
export type OutputOf<T extends Output["_tag"]> = Extract<Output, { readonly _tag: T }>
export type EventOf<T extends MembershipEvent["_tag"]> = Extract<MembershipEvent, { readonly _tag: T }>

export const isMessage = <T extends Tag>(tag: T) => (m: PacketMessage): m is MessageOf<T> => m._tag === tag

export const alive = (
  name: string,
  incarnation: number,
  opts: { readonly address?: Address; readonly meta?: Uint8Array; readonly versions?: Versions } = {}
): MessageOf<"Alive"> => ({
  _tag: "Alive",
  incarnation,
  node: name,
  address: opts.address ?? addressOf(name),
  meta: opts.meta ?? new Uint8Array(0),
  versions: opts.versions ?? defaultVersions
})

export const suspect = (name: string, incarnation: number, from: string): MessageOf<"Suspect"> => ({
  _tag: "Suspect",
  incarnation,
  node: name,
  from
})

export const dead = (name: string, incarnation: number, from: string): MessageOf<"Dead"> => ({
  _tag: "Dead",
  incarnation,
  node: name,
  from
})

export const pushState = (
  name: string,
  state: NodeState,
  incarnation: number,
  versions: Versions = defaultVersions
): PushNodeState => ({ name, address: addressOf(name), meta: new Uint8Array(0), incarnation, state, versions })

// ---------------------------------------------------------------- driver

export interface DriverOptions {
  readonly name?: string
  readonly seed?: number
  /** Overrides of the LAN timings. */
  readonly timings?: Partial<Timings>
  readonly meta?: Uint8Array
  readonly versions?: Versions
  readonly sizeOf?: MessageSizer
  /** Feed Start at time 0 (default true). */
  readonly start?: boolean
}

export interface Recorded {
  readonly at: number
  readonly output: Output
}

export interface SentPacket {
  readonly at: number
  readonly to: Address
  readonly toName: string
  readonly messages: ReadonlyArray<PacketMessage>
  /** Framed with a CRC (the peer speaks protocol 5). */
  readonly crc: boolean
  /** A probe this node started. */
  readonly probe: boolean
}

export interface MemberOptions {
  readonly incarnation?: number
  readonly versions?: Versions
  readonly meta?: Uint8Array
  readonly address?: Address
}

interface PendingTimer {
  readonly at: number
  readonly timer: Timer
  readonly order: number
}

/** One core on virtual time. */
export class CoreDriver {
  readonly name: string
  readonly address: Address
  readonly state: CoreState
  now = 0
  /** Every output so far, with the virtual time it came out at. */
  readonly log: Array<Recorded> = []
  /** Members that answer our direct pings at once with an ack. */
  readonly responders = new Set<string>()
  private timers: Array<PendingTimer> = []
  private timerOrder = 0

  constructor(options: DriverOptions = {}) {
    this.name = options.name ?? "self"
    this.address = addressOf(this.name)
    this.state = Core.make({
      config: {
        ...lanTimings,
        ...options.timings,
        name: this.name,
        address: this.address,
        meta: options.meta ?? new Uint8Array(0),
        versions: options.versions ?? defaultVersions
      },
      seed: options.seed ?? 42,
      sizeOf: options.sizeOf
    })
    if (options.start ?? true) this.input({ _tag: "Start" })
  }

  get config() {
    return this.state.config
  }

  /** Steps the core with `input` at the current time; records outputs and timers; lets responders ack. */
  input(input: Input): Array<Output> {
    const outputs = Core.step(this.state, input, this.now)
    for (const output of outputs) {
      this.log.push({ at: this.now, output })
      if (output._tag === "SetTimer") this.timers.push({ at: output.at, timer: output.timer, order: this.timerOrder++ })
    }
    for (const output of outputs) {
      if (output._tag !== "SendPacket") continue
      for (const m of output.messages) {
        if (m._tag === "Ping" && this.responders.has(m.node) && sameAddress(output.to, addressOf(m.node))) {
          this.receive(m.node, { _tag: "Ack", seqNo: m.seqNo, payload: new Uint8Array(0) })
        }
      }
    }
    return outputs
  }

  /** Messages arriving in one packet from `from` (a member name or an address). */
  receive(from: string | Address, ...messages: ReadonlyArray<PacketMessage>): Array<Output> {
    const address = typeof from === "string" ? addressOf(from) : from
    return this.input({ _tag: "Received", from: address, messages, via: "packet" })
  }

  /**
   * Makes `name` known (alive) by feeding its Alive message from its own
   * address, as if it announced itself (so it is admitted at once: see
   * trust.ts); by default as one of ours (`ourVersions`). That packet is not
   * counted as having heard from it lately (see inTouch.ts): a test that
   * needs that sends a packet from the member's address.
   */
  addMember(name: string, opts: MemberOptions = {}): Array<Output> {
    const message = alive(name, opts.incarnation ?? 1, {
      ...(opts.address === undefined ? {} : { address: opts.address }),
      ...(opts.meta === undefined ? {} : { meta: opts.meta }),
      versions: opts.versions ?? ourVersions
    })
    const outputs = this.receive(opts.address ?? addressOf(name), message)
    this.state.heardAt.delete(name)
    return outputs
  }

  /** Adds several members, each alive at incarnation 1. */
  addMembers(memberNames: ReadonlyArray<string>, opts: MemberOptions = {}): void {
    for (const name of memberNames) this.addMember(name, opts)
  }

  /** Fires due timers in time order (ties in the order they were set), ending at `t`. */
  advanceTo(t: number): void {
    for (;;) {
      let next: PendingTimer | undefined
      for (const p of this.timers) {
        if (p.at > t) continue
        if (next === undefined || p.at < next.at || (p.at === next.at && p.order < next.order)) next = p
      }
      if (next === undefined) break
      this.timers.splice(this.timers.indexOf(next), 1)
      this.now = Math.max(this.now, next.at)
      this.input({ _tag: "TimerFired", timer: next.timer })
    }
    this.now = Math.max(this.now, t)
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.now + ms)
  }

  /** Timers set and not yet fired (stale ones included: the core ignores them). */
  pendingTimers<T extends Timer["_tag"]>(tag?: T): Array<{ readonly at: number; readonly timer: Extract<Timer, { _tag: T }> }> {
    return this.timers
      .filter((p) => tag === undefined || p.timer._tag === tag)
      .sort((a, b) => a.at - b.at || a.order - b.order)
      .map((p) => ({ at: p.at, timer: p.timer as Extract<Timer, { _tag: T }> }))
  }

  /** The latest-set pending timer of a kind (the live one: earlier ones of its kind are stale). */
  latestTimer<T extends Timer["_tag"]>(tag: T): { readonly at: number; readonly timer: Extract<Timer, { _tag: T }> } {
    let latest: PendingTimer | undefined
    for (const p of this.timers) if (p.timer._tag === tag && (latest === undefined || p.order > latest.order)) latest = p
    if (latest === undefined) throw new Error(`no pending ${tag} timer`)
    return { at: latest.at, timer: latest.timer as Extract<Timer, { _tag: T }> }
  }

  /** Fires the live timer of a kind now (moving time to it if it is later), without firing anything else. */
  fire(tag: Timer["_tag"]): Array<Output> {
    const { at, timer } = this.latestTimer(tag)
    this.timers = this.timers.filter((p) => p.timer !== timer)
    this.now = Math.max(this.now, at)
    return this.input({ _tag: "TimerFired", timer })
  }

  /** Advances to the live timer of a kind, firing everything due up to and including it. */
  advanceToTimer(tag: Timer["_tag"]): void {
    this.advanceTo(this.latestTimer(tag).at)
  }

  /** A mark in the log, for reading only what came after it. */
  mark(): number {
    return this.log.length
  }

  outputs(since = 0): Array<Output> {
    return this.log.slice(since).map((r) => r.output)
  }

  outputsOf<T extends Output["_tag"]>(tag: T, since = 0): Array<OutputOf<T>> {
    return this.outputs(since).filter((o): o is OutputOf<T> => o._tag === tag)
  }

  sentPackets(since = 0): Array<SentPacket> {
    const packets: Array<SentPacket> = []
    for (const r of this.log.slice(since)) {
      if (r.output._tag === "SendPacket") {
        const { crc, messages, probe, to } = r.output
        packets.push({ at: r.at, to, toName: nameOf(to), messages, crc, probe })
      }
    }
    return packets
  }

  /** Every message of a kind sent since the mark, with its packet. */
  sent<T extends Tag>(tag: T, since = 0): Array<{ readonly packet: SentPacket; readonly message: MessageOf<T> }> {
    const found: Array<{ packet: SentPacket; message: MessageOf<T> }> = []
    for (const packet of this.sentPackets(since)) {
      for (const m of packet.messages) if (m._tag === tag) found.push({ packet, message: m as MessageOf<T> })
    }
    return found
  }

  /** Direct pings this node sent (as prober), in order. */
  pings(since = 0): Array<{ readonly at: number; readonly toName: string; readonly ping: MessageOf<"Ping"> }> {
    return this.sent("Ping", since).map(({ message, packet }) => ({ at: packet.at, toName: packet.toName, ping: message }))
  }

  events(since = 0): Array<MembershipEvent> {
    return this.outputsOf("Event", since).map((o) => o.event)
  }

  eventsOf<T extends MembershipEvent["_tag"]>(tag: T, since = 0): Array<EventOf<T>> {
    return this.events(since).filter((e): e is EventOf<T> => e._tag === tag)
  }

  timersSet<T extends Timer["_tag"]>(tag: T, since = 0): Array<{ readonly setAt: number; readonly at: number; readonly timer: Extract<Timer, { _tag: T }> }> {
    const found: Array<{ setAt: number; at: number; timer: Extract<Timer, { _tag: T }> }> = []
    for (const r of this.log.slice(since)) {
      if (r.output._tag === "SetTimer" && r.output.timer._tag === tag) {
        found.push({ setAt: r.at, at: r.output.at, timer: r.output.timer as Extract<Timer, { _tag: T }> })
      }
    }
    return found
  }

  member(name: string): Member | undefined {
    return Core.member(this.state, name)
  }

  /** The queued membership updates (not yet sent the retransmit limit), in no particular order. */
  membershipQueue(): Array<PacketMessage> {
    return this.state.membershipQueue.buckets.flatMap((b) => b.map((i) => i.message))
  }

  /** Fires gossip rounds until the membership and user queues are empty (at most `maxRounds`). */
  drainQueues(maxRounds = 1000): void {
    for (let i = 0; i < maxRounds; i++) {
      const depths = Core.queueDepths(this.state)
      if (depths.membership === 0 && depths.user === 0) return
      this.fire("GossipTick")
    }
    throw new Error("queues did not drain")
  }
}

/** Advances probe tick by probe tick until `d` pings `target`; returns that ping's seqNo. */
export const probeUntil = (d: CoreDriver, target: string, maxTicks = 100): number => {
  for (let i = 0; i < maxTicks; i++) {
    const mark = d.mark()
    d.advanceToTimer("ProbeTick")
    const ping = d.pings(mark).find((p) => p.toName === target && p.ping.node === target)
    if (ping !== undefined) return ping.ping.seqNo
  }
  throw new Error(`${target} was never probed`)
}

export { NodeState }

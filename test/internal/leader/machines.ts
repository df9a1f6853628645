/**
 * A few election machines wired to each other directly, on virtual time:
 * messages take `latency` ms and may be lost or cut, timers fire at their
 * time, views are whatever the test sets. No SWIM underneath: the test
 * decides who sees whom.
 */
import { EventQueue } from "../../../src/internal/driver/eventQueue.js"
import { defaultElectionConfig, type ElectionConfig } from "../../../src/internal/leader/config.js"
import * as Election from "../../../src/internal/leader/election.js"
import type { ElectionInput, ElectionOutput } from "../../../src/internal/leader/io.js"
import { makeRng, nextFloat } from "../../../src/internal/swim/random.js"

type Due = { readonly to: string; readonly input: ElectionInput }

/** Two members that led one term. */
export interface Double {
  readonly term: number
  readonly leaders: readonly [string, string]
}

export class Machines {
  now = 0
  readonly states = new Map<string, Election.ElectionState>()
  readonly changes: Array<{ readonly at: number; readonly node: string; readonly leader: string | undefined; readonly term: number }> = []
  readonly doubles: Array<Double> = []
  /** Drops a message from → to when true. */
  cut: (from: string, to: string) => boolean = () => false
  /** Probability a message is lost. */
  loss = 0
  /** Crashed machines: they neither receive nor fire timers. */
  readonly down = new Set<string>()
  private readonly queue = new EventQueue<Due>()
  private readonly ledTerm = new Map<number, string>()
  private readonly rng

  constructor(names: ReadonlyArray<string>, seed = 1, readonly config: ElectionConfig = defaultElectionConfig, readonly latency = 1) {
    this.rng = makeRng(seed)
    names.forEach((name, i) => this.states.set(name, Election.make(name, config, seed * 1000 + i)))
    for (const name of names) this.input(name, { _tag: "ViewChanged", members: names })
  }

  /** Starts every machine. */
  startAll(): void {
    for (const name of this.states.keys()) this.input(name, { _tag: "Start" })
  }

  /** Steps `name` with `input` now and performs the outputs. */
  input(name: string, input: ElectionInput): Array<ElectionOutput> {
    const outputs = Election.step(this.state(name), input, this.now)
    for (const output of outputs) this.perform(name, output)
    return outputs
  }

  state(name: string): Election.ElectionState {
    const state = this.states.get(name)
    if (state === undefined) throw new Error(`no machine ${name}`)
    return state
  }

  /** Who `name` names as leader. */
  leaderOf(name: string): string | undefined {
    return Election.leaderOf(this.state(name)).leader
  }

  /** Every machine's leader among `names`, if they all agree on one that names itself. */
  agreed(names: ReadonlyArray<string> = Array.from(this.states.keys()).filter((n) => !this.down.has(n))): string | undefined {
    const first = this.leaderOf(names[0] as string)
    if (first === undefined || this.leaderOf(first) !== first) return undefined
    return names.every((n) => this.leaderOf(n) === first) ? first : undefined
  }

  /** Runs every event up to `until`. */
  runUntil(until: number): void {
    while (this.queue.peekTime() <= until) {
      const next = this.queue.pop()!
      this.now = Math.max(this.now, next.at)
      if (!this.down.has(next.value.to)) this.input(next.value.to, next.value.input)
    }
    this.now = Math.max(this.now, until)
  }

  /** Runs in 10 ms steps until `condition` holds (returning the time) or `limit` ms pass (undefined). */
  runUntilTrue(condition: () => boolean, limit: number): number | undefined {
    const end = this.now + limit
    while (this.now <= end) {
      if (condition()) return this.now
      this.runUntil(this.now + 10)
    }
    return undefined
  }

  private perform(name: string, output: ElectionOutput): void {
    switch (output._tag) {
      case "Send":
        if (this.cut(name, output.to) || (this.loss > 0 && nextFloat(this.rng) < this.loss) || !this.states.has(output.to)) return
        this.queue.push(this.now + this.latency, { to: output.to, input: { _tag: "Received", from: name, message: output.message } })
        return
      case "SetTimer":
        this.queue.push(output.at, { to: name, input: { _tag: "TimerFired", timer: output.timer } })
        return
      case "LeaderChanged": {
        this.changes.push({ at: this.now, node: name, leader: output.leader, term: output.term })
        if (output.leader !== name) return
        const first = this.ledTerm.get(output.term)
        if (first === undefined) this.ledTerm.set(output.term, name)
        else if (first !== name) this.doubles.push({ term: output.term, leaders: [first, name] })
      }
    }
  }
}

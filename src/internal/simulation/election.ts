/**
 * Leader election on the simulated network: each running node gets the
 * real election machine beside its core. Its messages go as user packets
 * in the system envelope, over the network with its latency, loss and
 * partitions, and arrive through the receiving core like any user message;
 * its timers run on virtual time and die with the node's life; its view is
 * the members its core sees alive or suspect, refreshed after every
 * membership event. What each node names as leader is reported as it changes.
 *
 * @internal
 */
import type { ElectionConfig } from "../leader/config.js"
import { decodeElectionMessage, encodeElectionMessage } from "../leader/codec.js"
import * as Election from "../leader/election.js"
import type { ElectionInput, ElectionOutput } from "../leader/io.js"
import { decodeSystemEnvelope, encodeSystemEnvelope, SystemChannel } from "../shell/systemEnvelope.js"
import type { MembershipEvent, Output } from "../swim/io.js"
import { NodeState } from "../swim/messages.js"
import type { ClusterOptions, RecordedEvent, SimulatedCluster } from "./cluster.js"
import { SimulatedCluster as Cluster } from "./cluster.js"

/** A change in what one node names as leader. */
export interface LeaderChange {
  readonly at: number
  readonly node: string
  readonly leader: string | undefined
  readonly term: number
}

/** Options of the election overlay. */
export interface SimulatedElectionOptions {
  readonly config: ElectionConfig
  /** Seeds the machines' timeouts (with each node's index and life). */
  readonly seed: number
  readonly onLeaderChange?: ((change: LeaderChange) => void) | undefined
}

/** Events that leave who is alive as it was. */
const viewKeeping = (event: MembershipEvent): boolean => event._tag === "MemberSuspected" || event._tag === "MemberUpdated"

/** Every node's election machine on one simulated cluster. */
export class SimulatedElection {
  private readonly machines = new Map<string, Election.ElectionState>()
  /** Nodes whose view refresh is already scheduled. */
  private readonly refreshing = new Set<string>()
  /** Messages that arrived but could not be read or named no sender. */
  dropped = 0

  constructor(private readonly cluster: SimulatedCluster, private readonly options: SimulatedElectionOptions) {}

  /** Starts (or, after a restart, starts afresh) node `name`'s machine; the node itself must be started. */
  start(name: string): void {
    const node = this.cluster.node(name)
    const seed = (this.options.seed ^ Math.imul(node.index + 1, 0x9e3779b1) ^ Math.imul(node.generation + 1, 0x85ebca6b)) >>> 0
    const machine = Election.make(name, this.options.config, seed)
    this.machines.set(name, machine)
    this.step(name, machine, { _tag: "ViewChanged", members: this.viewOf(name) })
    this.step(name, machine, { _tag: "Start" })
  }

  /** The leader node `name` names now, and its term; undefined for a node that is down or never started. */
  leaderOf(name: string): { readonly leader: string | undefined; readonly term: number } | undefined {
    const machine = this.machines.get(name)
    return machine === undefined || !this.cluster.node(name).running ? undefined : Election.leaderOf(machine)
  }

  /** For `ClusterOptions.onOutput`: reads election messages out of the user messages a core delivers. */
  readonly onOutput = (name: string, _at: number, output: Output): void => {
    if (output._tag !== "UserMessage") return
    const envelope = decodeSystemEnvelope(output.payload)
    if (envelope === undefined || envelope.channel !== SystemChannel.Leader) return
    const machine = this.machines.get(name)
    const message = decodeElectionMessage(envelope.body)
    if (machine === undefined || message === undefined || output.sender === undefined) {
      this.dropped++
      return
    }
    this.step(name, machine, { _tag: "Received", from: output.sender, message })
  }

  /** For `ClusterOptions.onEvent`: refreshes the node's view once the step that changed it is over. */
  readonly onEvent = (recorded: RecordedEvent): void => {
    const name = recorded.node
    if (viewKeeping(recorded.event) || this.refreshing.has(name) || !this.machines.has(name)) return
    this.refreshing.add(name)
    this.cluster.schedule(name, this.cluster.now, () => {
      this.refreshing.delete(name)
      const machine = this.machines.get(name)
      if (machine !== undefined) this.step(name, machine, { _tag: "ViewChanged", members: this.viewOf(name) })
    })
  }

  /** The members `name`'s core sees alive or suspect; itself only while it is alive (not leaving or left). */
  private viewOf(name: string): Array<string> {
    const core = this.cluster.node(name).core
    const members: Array<string> = []
    for (const m of core.members.values()) {
      if (m.name === name ? core.status === "alive" : m.state === NodeState.Alive || m.state === NodeState.Suspect) {
        members.push(m.name)
      }
    }
    return members
  }

  private step(name: string, machine: Election.ElectionState, input: ElectionInput): void {
    for (const output of Election.step(machine, input, this.cluster.now)) this.perform(name, machine, output)
  }

  private perform(name: string, machine: Election.ElectionState, output: ElectionOutput): void {
    switch (output._tag) {
      case "Send":
        return this.cluster.sendUser(name, output.to, encodeSystemEnvelope(SystemChannel.Leader, encodeElectionMessage(output.message)))
      case "SetTimer":
        return this.cluster.schedule(name, output.at, () => {
          // A timer of an earlier life's machine is not this one's.
          if (this.machines.get(name) === machine) this.step(name, machine, { _tag: "TimerFired", timer: output.timer })
        })
      case "LeaderChanged":
        this.options.onLeaderChange?.({ at: this.cluster.now, node: name, leader: output.leader, term: output.term })
    }
  }
}

/** A simulated cluster with an election overlay wired into its outputs and events. */
export const makeElectionCluster = (
  clusterOptions: Omit<ClusterOptions, "onOutput" | "onEvent">,
  electionOptions: SimulatedElectionOptions
): { readonly cluster: SimulatedCluster; readonly election: SimulatedElection } => {
  let election: SimulatedElection | undefined
  const cluster = new Cluster({
    ...clusterOptions,
    onOutput: (name, at, output) => election?.onOutput(name, at, output),
    onEvent: (event) => election?.onEvent(event)
  })
  election = new SimulatedElection(cluster, electionOptions)
  return { cluster, election }
}

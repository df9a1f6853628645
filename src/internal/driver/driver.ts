/**
 * The one owner of a member's protocol core. Everything that changes the
 * core goes through a driver, one input at a time, and everything the core
 * asks for is performed through one `Runtime`. The Node shell runs a driver
 * on a single fiber; the simulator runs one per simulated node: the same
 * code, so the simulator exercises what production runs.
 *
 * Replies are taken from the outputs of the step that produced them: a
 * stream request is answered (or refused, with `undefined`) before `request`
 * returns, and API calls learn their outcome from the outputs of their own
 * step or, for a join or a leave, of the step that completes it.
 *
 * @internal
 */
import * as Core from "../swim/core.js"
import type { Input, Output } from "../swim/io.js"
import type { PacketMessage, PushNodeState } from "../swim/messages.js"
import type { CoreState } from "../swim/state.js"
import type { Dropped, Runtime } from "./runtime.js"

/** A request that arrived on a stream and wants an answer on it. */
export type StreamRequest =
  | Omit<Extract<Input, { readonly _tag: "PushPullRequest" }>, "replyTo">
  | Omit<Extract<Input, { readonly _tag: "Received" }>, "replyTo" | "via">

/** The answer to a stream request. */
export type StreamAnswer =
  | { readonly _tag: "PushPull"; readonly states: ReadonlyArray<PushNodeState> }
  | { readonly _tag: "Messages"; readonly messages: ReadonlyArray<PacketMessage> }

/** How a join ended: seeds that answered and seeds that did not, or why it could not start. */
export type JoinOutcome =
  | { readonly _tag: "Completed"; readonly contacted: number; readonly failed: number }
  | { readonly _tag: "Refused"; readonly dropped: Dropped }

/** Inputs an API call may carry that are answered in their own step. */
export type ImmediateCall = Extract<Input, { readonly _tag: "Broadcast" | "UpdateMetadata" | "Start" }>

/** A member's core and the one path that changes it. */
export interface Driver {
  /** Read-only outside the driver: read between steps, never mutate. */
  readonly core: CoreState
  /** Steps the core with `input` and performs the outputs. */
  readonly handle: (input: Input) => void
  /**
   * Steps the core with a stream request and calls `respond` before
   * returning, with the answer, or `undefined` when the core has none (the
   * caller closes the stream at once).
   */
  readonly request: (request: StreamRequest, respond: (answer: StreamAnswer | undefined) => void) => void
  /** Steps the core with an API input; returns why it was refused, if it was. */
  readonly call: (input: ImmediateCall) => Dropped | undefined
  /** Joins through `seeds`; `done` is called when the join (shared with any join pending) ends. */
  readonly join: (seeds: Extract<Input, { readonly _tag: "Join" }>["seeds"], done: (outcome: JoinOutcome) => void) => void
  /** Leaves; `done` is called once the leave has been gossiped, or at once when there was nothing to leave. */
  readonly leave: (done: () => void) => void
}

/** Options of `make`. */
export interface DriverOptions {
  /** Sees every output before it is performed (tests and simulator bookkeeping). */
  readonly onOutput?: ((output: Output) => void) | undefined
}

/** `array`, emptied with its capacity kept. */
const emptied = <A>(array: Array<A>): Array<A> => {
  while (array.length > 0) array.pop()
  return array
}

/** A driver for `core`, performing through `runtime`. */
export const make = (core: CoreState, runtime: Runtime, options: DriverOptions = {}): Driver => {
  const onOutput = options.onOutput
  let joinWaiters: Array<(outcome: JoinOutcome) => void> = []
  let leaveWaiters: Array<() => void> = []
  let nextReplyTo = 0

  const perform = (output: Output): void => {
    if (onOutput !== undefined) onOutput(output)
    switch (output._tag) {
      case "SendPacket":
        return runtime.send(output)
      case "SetTimer":
        return runtime.schedule(output.at, output.timer)
      case "Event":
        return runtime.publish(output.event)
      case "UserMessage":
        return runtime.deliver(output.from, output.payload, output.origin, output.sender)
      case "PushPullStart":
        return runtime.pushPull(output.to, output.join, output.states, output.token)
      case "StreamPing":
        return runtime.streamPing(output.to, output.ping, output.deadline)
      case "Discover":
        return runtime.discover()
      case "MergeAppState":
        return runtime.mergeAppState(output.state, output.join)
      case "Dropped":
        return runtime.dropped(output)
      case "Observed":
        return runtime.observe?.(output.observation)
      case "JoinCompleted": {
        const waiters = joinWaiters
        joinWaiters = []
        for (const done of waiters) done({ _tag: "Completed", contacted: output.contacted, failed: output.failed })
        return
      }
      case "LeaveCompleted": {
        const waiters = leaveWaiters
        leaveWaiters = []
        for (const done of waiters) done()
        return
      }
      case "StreamReply":
      case "PushPullReply":
        // Answers are routed by `request`, which owns the replyTo it made.
        return
    }
  }

  /**
   * The outputs array of the outermost step, reused by the next: a step's outputs are performed and
   * read (by `request`, `call`, `join`) before the driver method that stepped returns, so nothing keeps
   * the array. A fresh one per step was a steady share of a member's garbage. Emptied by `pop`, which
   * keeps the capacity (`length = 0` gives it up). A step run from within a step (an output's callback
   * that steps again) gets an array of its own.
   */
  const reused: Array<Output> = []
  let depth = 0

  const step = (input: Input): Array<Output> => {
    const out = depth === 0 ? emptied(reused) : []
    depth++
    try {
      const outputs = Core.step(core, input, runtime.now(), out)
      for (let i = 0; i < outputs.length; i++) perform(outputs[i] as Output)
      return outputs
    } finally {
      depth--
    }
  }

  const firstDropped = (outputs: ReadonlyArray<Output>): Dropped | undefined => {
    for (const o of outputs) if (o._tag === "Dropped") return o
    return undefined
  }

  return {
    core,
    handle: (input) => {
      step(input)
    },
    request: (request, respond) => {
      const replyTo = ++nextReplyTo
      const input: Input = request._tag === "PushPullRequest"
        ? { ...request, replyTo }
        : { ...request, via: "stream", replyTo }
      let answer: StreamAnswer | undefined
      for (const o of step(input)) {
        if (o._tag === "PushPullReply" && o.replyTo === replyTo) answer = { _tag: "PushPull", states: o.states }
        else if (o._tag === "StreamReply" && o.replyTo === replyTo) answer = { _tag: "Messages", messages: o.messages }
      }
      respond(answer)
    },
    call: (input) => firstDropped(step(input)),
    join: (seeds, done) => {
      joinWaiters.push(done)
      const refused = firstDropped(step({ _tag: "Join", seeds }))
      // A join the core would not start completes nothing: answer its waiter now.
      if (refused !== undefined && refused.reason === "NotRunning" && joinWaiters.includes(done)) {
        joinWaiters = joinWaiters.filter((w) => w !== done)
        done({ _tag: "Refused", dropped: refused })
      }
    },
    leave: (done) => {
      if (core.status !== "alive") {
        if (core.status === "leaving") leaveWaiters.push(done)
        else done()
        return
      }
      leaveWaiters.push(done)
      step({ _tag: "Leave" })
    }
  }
}

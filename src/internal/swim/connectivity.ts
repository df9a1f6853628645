/**
 * Whether this node has anyone to talk to, as foca's Idle/Active
 * notifications: when its last live peer fails or leaves, it is isolated;
 * when one joins or recovers, it is connected again. The application learns
 * it as a `LocalStatus` event (`isolated` / `connected`), for example to stop
 * serving traffic that needs the cluster.
 *
 * @internal
 */
import type { Output } from "./io.js"
import { anyoneElseAlive, emit, selfRecord, type Step } from "./state.js"

const changesWhoIsAlive = (output: Output): boolean =>
  output._tag === "Event" &&
  (output.event._tag === "MemberJoined" || output.event._tag === "MemberFailed" ||
    output.event._tag === "MemberLeft" || output.event._tag === "MemberRecovered")

/** After a step: emits `isolated` or `connected` when the step changed whether anyone else is alive. */
export const noticeConnectivity = (step: Step): void => {
  const { state } = step
  if (state.status !== "alive" || !step.out.some(changesWhoIsAlive)) return
  const connected = anyoneElseAlive(state)
  if (connected === state.connected) return
  state.connected = connected
  emit(step, {
    _tag: "LocalStatus",
    status: "alive",
    incarnation: selfRecord(state).incarnation,
    cause: connected ? "connected" : "isolated"
  })
}

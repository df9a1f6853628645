/**
 * Rediscovery: when to ask the discovery service for peers, and whom to
 * join through when it answers.
 *
 * Every two probe intervals (`DiscoverTick`) a running node asks for
 * addresses (`Discover`) if it is alone - no other member alive or suspect,
 * so it must have lost everyone and cannot find them by gossip - or, with
 * live peers, once `rediscoverInterval` has passed since it last asked, to
 * find members a partition or a bad seed list kept apart. The answer
 * (`Discovered`) becomes an ordinary join: through every address while
 * alone, else only through addresses no member we know has.
 *
 * @internal
 */
import { discoverTickInterval } from "./config.js"
import { join } from "./lifecycle.js"
import { type Address, formatAddress, sameAddress } from "./messages.js"
import { anyoneElseAlive, newToken, setTimer, type Step } from "./state.js"
import { invalidAddress } from "./validate.js"

/**
 * An unanswered `Discover` stops further ones for this many ticks; after
 * that it is taken as lost, so a dropped answer cannot end discovery.
 */
export const discoverLostAfterTicks = 4

/** Why to ask discovery now, or undefined. */
const discoverReason = (step: Step): "alone" | "periodic" | undefined => {
  const { state, now } = step
  if (!anyoneElseAlive(state)) return "alone"
  const interval = state.config.rediscoverInterval
  return interval > 0 && now - state.lastDiscoverAt >= interval ? "periodic" : undefined
}

/** The tick: maybe ask discovery for addresses. Stops while the node is not running; a rejoin restarts it. */
export const discoverTick = (step: Step, token: number): void => {
  const { state, now } = step
  if (token !== state.discoverTickToken || state.status !== "alive") return
  const period = discoverTickInterval(state.config)
  state.discoverTickToken = newToken(state)
  setTimer(step, now + period, { _tag: "DiscoverTick", token: state.discoverTickToken })
  // A join in progress is already looking for the cluster; its seeds answer or time out first.
  if (state.join !== undefined) return
  const asked = state.discoverAskedAt
  if (asked !== undefined && now - asked < discoverLostAfterTicks * period) return
  const reason = discoverReason(step)
  if (reason === undefined) return
  state.discoverAskedAt = now
  state.lastDiscoverAt = now
  step.out.push({ _tag: "Discover", reason })
}

/**
 * Discovery answered: join through the addresses worth it - all of them
 * while alone (the members we knew there may have come back), otherwise
 * only those no known member has. Our own address and invalid ones are
 * left out; with none left, nothing happens (no join, no JoinCompleted).
 */
export const discovered = (step: Step, addresses: ReadonlyArray<Address>): void => {
  const { state } = step
  if (state.status !== "alive") {
    step.out.push({ _tag: "Dropped", reason: "NotRunning", detail: `discovered addresses while ${state.status}` })
    return
  }
  state.discoverAskedAt = undefined
  const alone = !anyoneElseAlive(state)
  const seen = new Set<string>()
  const seeds: Array<Address> = []
  for (const address of addresses) {
    const problem = invalidAddress(address)
    if (problem !== undefined) {
      step.out.push({ _tag: "Dropped", reason: "Malformed", detail: `discovered address: ${problem}` })
      continue
    }
    const key = formatAddress(address)
    if (seen.has(key) || sameAddress(address, state.config.address)) continue
    seen.add(key)
    if (alone || !state.byAddress.has(key)) seeds.push(address)
  }
  if (seeds.length > 0) join(step, seeds)
}

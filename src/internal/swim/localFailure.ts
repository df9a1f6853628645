/**
 * A send that fails on this host is not evidence against the peer. When the
 * socket refuses a probe's ping (our interface is down, no route), the
 * probe ends with no verdict: no suspicion, no toll on local health, no
 * indirect probes through relays we could not reach either. memberlist
 * does the same (it logs the error and returns). A node whose every send
 * fails thus accuses no one, and is not left with verdicts to spread when
 * its link comes back.
 *
 * @internal
 */
import type { Step } from "./state.js"

/** The ping `seqNo` did not leave this host. */
export const probeNotSent = (step: Step, seqNo: number): void => {
  const probe = step.state.probe
  if (probe === undefined || probe.seqNo !== seqNo || probe.acked) return
  probe.unsent = true
}

/**
 * Judging accusations against the simulation's truth: a suspicion or a
 * death of a node that is up, reachable and not stalled is false; one of a
 * node cut off from the observer (partition, blocked link) or stalled
 * (paused, or resumed less than `stallGrace` ago) is counted apart, as
 * expected.
 *
 * @internal
 */
import type { MembershipEvent } from "../swim/io.js"
import { type Address, sameAddress } from "../swim/messages.js"

/** Accusations of nodes that were healthy, and those explained by a cut or a stall. */
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

/** One false death: when, who saw it, about whom, declared by whom. */
export interface FalseDeath {
  readonly at: number
  readonly observer: string
  readonly subject: string
  readonly from: string
}

/** What the judge needs to know about a node. */
export interface Judged {
  readonly name: string
  readonly index: number
  readonly running: boolean
  readonly paused: boolean
  readonly resumedAt: number
  /** Where it answers now (a relocated node has moved). */
  readonly address: Address
}

/** The simulation's truth, as the judge asks it. */
export interface Truth<N extends Judged> {
  readonly now: () => number
  readonly node: (name: string) => N | undefined
  /** Gone on purpose (left or leaving). */
  readonly gone: (name: string) => boolean
  readonly reachable: (from: N, to: N) => boolean
}

/** Counts accusations as false, stall-caused or cut-caused. */
export class AccuracyJudge<N extends Judged> {
  readonly accuracy: Accuracy = emptyAccuracy()
  readonly falseDeathLog: Array<FalseDeath> = []
  private readonly lastCut: Array<number> = []

  constructor(
    private readonly truth: Truth<N>,
    private readonly stallGrace: number,
    private readonly falseDeathLogLimit: number
  ) {}

  /** Links of these nodes were cut or restored now: accusations soon after are explained. */
  noteCut(indices: Iterable<number>): void {
    const now = this.truth.now()
    for (const i of indices) this.lastCut[i] = now
  }

  /** Judges `event` as `observer` saw it. */
  judge(observer: N, event: MembershipEvent): void {
    const suspected = event._tag === "MemberSuspected"
    if (!suspected && event._tag !== "MemberFailed") return
    const truth = this.truth
    const subject = truth.node(event.member.name)
    if (subject === undefined || !subject.running || truth.gone(subject.name) || subject === observer) return
    // About the address a relocated node left: that process is gone, so the accusation is true.
    if (!sameAddress(event.member.address, subject.address)) return
    const a = this.accuracy
    const now = truth.now()
    if (subject.paused || now - subject.resumedAt < this.stallGrace) {
      if (suspected) a.stallSuspicions++
      else a.stallDeaths++
      return
    }
    const cutAt = this.lastCut[subject.index]
    const cutRecently = cutAt !== undefined && now - cutAt < this.stallGrace
    if (!truth.reachable(observer, subject) || !truth.reachable(subject, observer) || cutRecently) {
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
      if (this.falseDeathLog.length < this.falseDeathLogLimit) {
        this.falseDeathLog.push({ at: now, observer: observer.name, subject: subject.name, from: event.from })
      }
    }
  }
}

/** All counts at zero. */
export const emptyAccuracy = (): Accuracy => ({
  falseSuspicions: 0,
  falseSuspicionOrigins: 0,
  falseDeaths: 0,
  falseDeathOrigins: 0,
  stallSuspicions: 0,
  stallDeaths: 0,
  cutSuspicions: 0,
  cutDeaths: 0
})

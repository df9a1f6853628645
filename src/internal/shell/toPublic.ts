/**
 * The core's members and events as the public API shows them.
 *
 * @internal
 */
import type { Member, MembershipEvent } from "../../Memberlist.js"
import type { MembershipEvent as CoreEvent } from "../swim/io.js"
import type { Member as CoreMember } from "../swim/member.js"

const stateNames = ["alive", "suspect", "dead", "left"] as const

/** A core member (or a push/pull entry) as a public `Member`. */
export const toMember = (m: Omit<CoreMember, "stateChangedAt">): Member => ({
  name: m.name,
  address: m.address,
  state: stateNames[m.state],
  incarnation: m.incarnation,
  meta: m.meta,
  versions: m.versions
})

/** A core event as a public `MembershipEvent`, stamped with `at`. */
export const toEvent = (event: CoreEvent, at: number): MembershipEvent => {
  switch (event._tag) {
    case "MemberUpdated":
      return event.previousAddress === undefined
        ? { _tag: "MemberUpdated", member: toMember(event.member), at, cause: "metadata" }
        : { _tag: "MemberUpdated", member: toMember(event.member), at, cause: "address", previousAddress: event.previousAddress }
    case "MemberJoined":
    case "MemberRecovered":
    case "MemberLeft":
      return { _tag: event._tag, member: toMember(event.member), at }
    case "MemberSuspected":
    case "MemberFailed":
      return { _tag: event._tag, member: toMember(event.member), by: event.from, at }
    case "LocalStatus":
      return { _tag: "LocalStatusChanged", status: event.status, incarnation: event.incarnation, cause: event.cause, at }
    case "NameConflict":
      return { _tag: "NameConflict", existing: toMember(event.existing), claimant: event.claimant, at }
  }
}

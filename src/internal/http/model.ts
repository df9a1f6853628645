/**
 * What the cluster view shows, as plain JSON: the members as this member
 * sees them, its suspicions, its health, traffic samples and recent events.
 * Built from the public API only.
 *
 * @internal
 */
import type { Member, MembershipEvent, Suspicion } from "../../Memberlist.js"
import { formatAddress } from "../swim/messages.js"

/** A member's metadata: always as hex, and as text too when it is printable UTF-8. */
export interface MetaView {
  readonly text: string | null
  readonly hex: string
  readonly bytes: number
}

/** A member as the view shows it. */
export interface MemberView {
  readonly name: string
  readonly address: string
  readonly state: Member["state"]
  readonly incarnation: number
  readonly meta: MetaView
  readonly self: boolean
}

/** One recent event, already worded. */
export interface EventView {
  readonly at: number
  readonly kind: MembershipEvent["_tag"]
  readonly member: string | null
  readonly text: string
}

/** One second of traffic and queue depths. */
export interface Sample {
  readonly at: number
  /** Per second over the last interval. */
  readonly packetsIn: number
  readonly packetsOut: number
  readonly bytesIn: number
  readonly bytesOut: number
  readonly membershipQueue: number
  readonly userQueue: number
  readonly health: number
  readonly alive: number
}

/** Everything the page shows except the history of samples. */
export interface ViewState {
  readonly at: number
  readonly self: string
  readonly address: string
  /** This member's own status: alive, leaving or left. */
  readonly status: string
  readonly health: number
  readonly members: ReadonlyArray<MemberView>
  readonly suspicions: ReadonlyArray<Suspicion>
  readonly maxSuspicionTimeoutMs: number
  /** When this member last refuted an accusation of itself, if it has. */
  readonly refutedAt: number | null
  readonly ready: { readonly ready: boolean; readonly reason: string | null }
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

/** Printable: no control characters but tab, line feed and carriage return, and no U+FFFD. */
const printable = (text: string): boolean => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd]/.test(text)

/** Metadata as the view shows it. */
export const metaView = (meta: Uint8Array): MetaView => {
  const hex = Array.from(meta, (b) => b.toString(16).padStart(2, "0")).join("")
  let text: string | null = null
  if (meta.length > 0) {
    try {
      const decoded = utf8.decode(meta)
      if (printable(decoded)) text = decoded
    } catch {
      // Not UTF-8: hex only.
    }
  }
  return { text, hex, bytes: meta.length }
}

const stateOrder: Record<Member["state"], number> = { suspect: 0, alive: 1, dead: 2, left: 3 }

/** Members as the view shows them: suspects first, then alive, dead and left, each by name. */
export const memberViews = (members: ReadonlyArray<Member>, self: string): Array<MemberView> =>
  members
    .map((m) => ({
      name: m.name,
      address: formatAddress(m.address),
      state: m.state,
      incarnation: m.incarnation,
      meta: metaView(m.meta),
      self: m.name === self
    }))
    .sort((a, b) => stateOrder[a.state] - stateOrder[b.state] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))

/** An event in a few words. */
export const eventView = (event: MembershipEvent): EventView => {
  switch (event._tag) {
    case "MemberJoined":
      return { at: event.at, kind: event._tag, member: event.member.name, text: `${event.member.name} joined from ${formatAddress(event.member.address)}` }
    case "MemberUpdated":
      return { at: event.at, kind: event._tag, member: event.member.name, text: `${event.member.name} updated (incarnation ${event.member.incarnation})` }
    case "MemberSuspected":
      return { at: event.at, kind: event._tag, member: event.member.name, text: `${event.member.name} suspected by ${event.by}` }
    case "MemberRecovered":
      return { at: event.at, kind: event._tag, member: event.member.name, text: `${event.member.name} is alive again` }
    case "MemberFailed":
      return { at: event.at, kind: event._tag, member: event.member.name, text: `${event.member.name} declared dead by ${event.by}` }
    case "MemberLeft":
      return { at: event.at, kind: event._tag, member: event.member.name, text: `${event.member.name} left` }
    case "LocalStatusChanged":
      return { at: event.at, kind: event._tag, member: null, text: `this member ${event.status} (${event.cause}, incarnation ${event.incarnation})` }
    case "NameConflict":
      return {
        at: event.at,
        kind: event._tag,
        member: event.existing.name,
        text: `${formatAddress(event.claimant)} claims the name of ${event.existing.name}`
      }
  }
}

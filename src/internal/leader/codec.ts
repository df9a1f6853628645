/**
 * Election messages as bytes: a kind byte, the term as an unsigned 64-bit
 * big-endian integer (terms never come near 2^53, and a larger one is
 * refused), then the kind's fields. Every message has one exact length; a
 * decoder that sees anything else returns undefined and the caller counts
 * a drop.
 *
 * | kind | name         | after the term                          | total |
 * |------|--------------|-----------------------------------------|-------|
 * | 1    | PreVote      | size (u32)                              | 13    |
 * | 2    | PreVoteReply | round (u64), granted (0 or 1)           | 18    |
 * | 3    | Vote         | size (u32)                              | 13    |
 * | 4    | VoteReply    | granted (0 or 1)                        | 10    |
 * | 5    | Heartbeat    |                                         | 9     |
 * | 6    | Stale        |                                         | 9     |
 *
 * @internal
 */
import type { ElectionMessage } from "./messages.js"

const kinds = { PreVote: 1, PreVoteReply: 2, Vote: 3, VoteReply: 4, Heartbeat: 5, Stale: 6 } as const
const lengths = [0, 13, 18, 13, 10, 9, 9] as const
const two32 = 2 ** 32

/** The bytes of `message`. */
export const encodeElectionMessage = (message: ElectionMessage): Uint8Array => {
  const kind = kinds[message._tag]
  const bytes = new Uint8Array(lengths[kind])
  const view = new DataView(bytes.buffer)
  view.setUint8(0, kind)
  writeU64(view, 1, message.term)
  switch (message._tag) {
    case "PreVote":
    case "Vote":
      view.setUint32(9, message.size)
      break
    case "PreVoteReply":
      writeU64(view, 9, message.round)
      view.setUint8(17, message.granted ? 1 : 0)
      break
    case "VoteReply":
      view.setUint8(9, message.granted ? 1 : 0)
      break
    case "Heartbeat":
    case "Stale":
      break
  }
  return bytes
}

/** The message `bytes` hold, or undefined when they hold none. */
export const decodeElectionMessage = (bytes: Uint8Array): ElectionMessage | undefined => {
  if (bytes.length < 9) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const kind = view.getUint8(0)
  if (kind < 1 || kind > 6 || bytes.length !== lengths[kind as 1]) return undefined
  const term = readU64(view, 1)
  if (term === undefined) return undefined
  switch (kind) {
    case kinds.PreVote:
      return { _tag: "PreVote", term, size: view.getUint32(9) }
    case kinds.Vote:
      return { _tag: "Vote", term, size: view.getUint32(9) }
    case kinds.PreVoteReply: {
      const round = readU64(view, 9)
      const granted = readFlag(view, 17)
      return round === undefined || granted === undefined ? undefined : { _tag: "PreVoteReply", term, round, granted }
    }
    case kinds.VoteReply: {
      const granted = readFlag(view, 9)
      return granted === undefined ? undefined : { _tag: "VoteReply", term, granted }
    }
    case kinds.Heartbeat:
      return { _tag: "Heartbeat", term }
    default:
      return { _tag: "Stale", term }
  }
}

const writeU64 = (view: DataView, at: number, value: number): void => {
  view.setUint32(at, Math.floor(value / two32))
  view.setUint32(at + 4, value % two32)
}

const readU64 = (view: DataView, at: number): number | undefined => {
  const value = view.getUint32(at) * two32 + view.getUint32(at + 4)
  return Number.isSafeInteger(value) ? value : undefined
}

const readFlag = (view: DataView, at: number): boolean | undefined => {
  const flag = view.getUint8(at)
  return flag === 0 ? false : flag === 1 ? true : undefined
}

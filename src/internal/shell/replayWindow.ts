/**
 * Recently seen nonces of encrypted packets. memberlist draws a random
 * 12-byte nonce for every packet and never checks one, so a captured
 * packet decrypts as well the second time. A packet that decrypted and
 * carries a nonce among the last `capacity` seen is a replay (or a network
 * duplicate): dropped and counted. Go peers interoperate unchanged: their
 * nonces are random too. Older captures are handled by incarnation order
 * (see docs/security.md); this window catches the quick ones - a replayed
 * ack, ping or user message.
 *
 * @internal
 */
import { Either } from "effect"
import { labelHeaderSize } from "../wire/label.js"

const versionSize = 1
const nonceSize = 12

/** How many nonces are remembered by default: some minutes of a busy member's packets, about 1.5 MiB. */
export const defaultReplayCapacity = 16_384

/** A bounded set of the nonces of the last packets that decrypted. */
export class ReplayWindow {
  private readonly seen = new Set<string>()

  constructor(private readonly capacity: number = defaultReplayCapacity) {}

  /**
   * Whether the encrypted `packet` (label header, version, nonce, ...) was
   * seen already; remembers it when not. Call only for packets that decrypted.
   */
  replayed(packet: Uint8Array): boolean {
    const header = labelHeaderSize(packet)
    if (Either.isLeft(header)) return false
    const start = header.right + versionSize
    if (packet.length < start + nonceSize) return false
    let key = ""
    for (let i = start; i < start + nonceSize; i++) key += String.fromCharCode(packet[i]!)
    if (this.seen.has(key)) return true
    if (this.seen.size >= this.capacity) {
      const oldest = this.seen.values().next()
      if (oldest.done !== true) this.seen.delete(oldest.value)
    }
    this.seen.add(key)
    return false
  }

  /** Nonces remembered now. */
  get size(): number {
    return this.seen.size
  }
}

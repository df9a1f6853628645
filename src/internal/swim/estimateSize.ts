/**
 * A safe upper bound of a message's encoded size (type byte + msgpack body
 * as memberlist writes it), for when the exact wire codec is not plugged in.
 * It may over-count by a few bytes; it never under-counts, so a packet
 * filled with it never exceeds the budget.
 *
 * @internal
 */
import type { Address, PacketMessage } from "./messages.js"

const utf8Length = (s: string): number => {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? (i++, 4) : 3
  }
  return n
}
// key (fixstr) + value upper bounds
const key = (name: string) => 1 + name.length
const uint = 5
const str = (s: string) => 5 + utf8Length(s)
const bin = (length: number) => 5 + length
const addressBytes = (a: Address) => bin(a.host.includes(":") ? 16 : 4)
const mapHeader = 3

/** An upper bound of `message`'s encoded size in bytes. */
export const estimateSize = (message: PacketMessage): number => {
  switch (message._tag) {
    case "Ping":
      return 1 + mapHeader + key("SeqNo") + uint + key("Node") + str(message.node) +
        (message.source === undefined ? 0 :
          key("SourceAddr") + addressBytes(message.source.address) + key("SourcePort") + uint +
          key("SourceNode") + str(message.source.node))
    case "IndirectPing":
      return 1 + mapHeader + key("SeqNo") + uint + key("Target") + addressBytes(message.target) + key("Port") + uint +
        key("Node") + str(message.node) + key("Nack") + 1 +
        (message.source === undefined ? 0 :
          key("SourceAddr") + addressBytes(message.source.address) + key("SourcePort") + uint +
          key("SourceNode") + str(message.source.node))
    case "Ack":
      return 1 + mapHeader + key("SeqNo") + uint + key("Payload") + bin(message.payload.length)
    case "Nack":
      return 1 + mapHeader + key("SeqNo") + uint
    case "Suspect":
    case "Dead":
      return 1 + mapHeader + key("Incarnation") + uint + key("Node") + str(message.node) + key("From") + str(message.from)
    case "Alive":
      return 1 + mapHeader + key("Incarnation") + uint + key("Node") + str(message.node) + key("Addr") +
        addressBytes(message.address) + key("Port") + uint + key("Meta") + bin(message.meta.length) + key("Vsn") + bin(6)
    case "User":
      return 1 + message.payload.length
    case "ErrorResponse":
      return 1 + mapHeader + key("Error") + str(message.error)
  }
}

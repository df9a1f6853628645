/**
 * The map keys of memberlist's messages, for `MsgpackReader.readKey`: every
 * decoded message reads its keys, and matching them against these strings
 * builds no string per key.
 *
 * @internal
 */
import { keyTable } from "./msgpack.js"

/** Every field name the decoders in this folder look for. */
export const fieldKeys = keyTable([
  "Addr",
  "Algo",
  "Buf",
  "Error",
  "From",
  "Incarnation",
  "Join",
  "Meta",
  "Nack",
  "Name",
  "Node",
  "Nodes",
  "Payload",
  "Port",
  "SeqNo",
  "SourceAddr",
  "SourceNode",
  "SourcePort",
  "State",
  "Target",
  "UserMsgLen",
  "UserStateLen",
  "Vsn"
])

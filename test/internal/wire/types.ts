/** Re-exports of the model types the wire tests use. */
export type {
  Address,
  NodeState,
  PacketMessage,
  PushNodeState,
  PushPull,
  Versions
} from "../../../src/internal/swim/messages.js"
export type { StreamMessage } from "../../../src/internal/wire/stream.js"

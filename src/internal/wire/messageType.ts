/**
 * memberlist's message type bytes (net.go's `messageType`), plus the label
 * header type that later memberlist versions added (label.go upstream).
 *
 * @internal
 */
export const MessageType = {
  Ping: 0,
  IndirectPing: 1,
  Ack: 2,
  Suspect: 3,
  Alive: 4,
  Dead: 5,
  PushPull: 6,
  Compound: 7,
  User: 8,
  Compress: 9,
  Encrypt: 10,
  Nack: 11,
  HasCrc: 12,
  Err: 13,
  /** Deliberately high so it cannot be mistaken for an encryption version byte (0/1) or a message type. */
  HasLabel: 244
} as const

/** One of memberlist's message type bytes. */
export type MessageType = (typeof MessageType)[keyof typeof MessageType]

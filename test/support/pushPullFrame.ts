/**
 * A push/pull frame as a member sends it (compressed), of `entries` alive
 * members on 127.0.0.1, for tests of the stream read path.
 */
import * as Stream from "../../src/internal/wire/stream.js"

/** The encoded frame; `label` prefixes it as a labelled cluster's member would. */
export const pushPullFrame = (entries: number, label?: string): Uint8Array => {
  const states = Array.from({ length: entries }, (_, i) => ({
    name: `member-${i}`,
    address: { host: "127.0.0.1", port: 7000 + i },
    meta: new Uint8Array(0),
    incarnation: 1,
    state: 0 as const,
    versions: [1, 5, 5, 2, 5, 5] as const
  }))
  return Stream.encodeStream(
    { _tag: "PushPull", join: true, states, userState: new Uint8Array(0) },
    { compress: true, ...(label === undefined ? {} : { label }) }
  )
}

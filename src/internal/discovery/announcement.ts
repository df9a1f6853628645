/**
 * The multicast announcement: a small, versioned datagram that says "a
 * member of cluster C gossips at host:port".
 *
 *     0..2   magic "EMD"
 *     3      version (1)
 *     4      flags: bit 0 = signed
 *     5      cluster length L (0..255), then L bytes of UTF-8
 *     ..     IP length (4 or 16), then the IP bytes
 *     ..     port, 2 bytes big-endian
 *     ..     when signed: 32 bytes of HMAC-SHA256 over everything before them
 *
 * At most 3 + 1 + 1 + 1 + 255 + 1 + 16 + 2 + 32 = 312 bytes; anything longer
 * is refused unread. A newer version is refused (as `malformed`): its
 * members announce in a format this one cannot check.
 *
 * The signature key is derived from each encryption key rather than being
 * the key itself, so the bytes that authenticate announcements never act as
 * the gossip cipher's key. Any configured key is accepted (a keyring in
 * rotation holds several); the primary one signs.
 *
 * @internal
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { isIP } from "node:net"
import type { Address } from "../../Transport.js"
import { ipFromBytes, ipToBytes } from "../wire/address.js"

const magic = [0x45, 0x4d, 0x44] as const
const version = 1
const signedFlag = 1
const tagLength = 32
/** The longest announcement there can be (see the layout above). */
export const maxAnnouncementBytes = 312
const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder("utf-8", { fatal: true })

/** A signing key for announcements, derived from an encryption key. */
export const announcementKey = (encryptionKey: Uint8Array): Uint8Array =>
  createHmac("sha256", encryptionKey).update("effect-memberlist multicast discovery v1").digest()

const sign = (key: Uint8Array, body: Uint8Array): Uint8Array => createHmac("sha256", key).update(body).digest()

/** Why a cluster name cannot be announced, or undefined when it can. */
export const invalidCluster = (cluster: string): string | undefined =>
  utf8Encoder.encode(cluster).length > 255 ? "longer than 255 UTF-8 bytes" : undefined

/** The announcement of `address` in `cluster`, signed with `key` when there is one. */
export const encode = (cluster: string, address: Address, key: Uint8Array | undefined): Uint8Array => {
  const name = utf8Encoder.encode(cluster)
  const ip = ipToBytes(address.host)
  const body = new Uint8Array(5 + 1 + name.length + 1 + ip.length + 2)
  body.set(magic, 0)
  body[3] = version
  body[4] = key === undefined ? 0 : signedFlag
  let at = 5
  body[at++] = name.length
  body.set(name, at)
  at += name.length
  body[at++] = ip.length
  body.set(ip, at)
  at += ip.length
  body[at++] = address.port >>> 8
  body[at] = address.port & 0xff
  if (key === undefined) return body
  const out = new Uint8Array(body.length + tagLength)
  out.set(body, 0)
  out.set(sign(key, body), body.length)
  return out
}

/** What a received datagram is: an address of our cluster, or why it is dropped. */
export type Decoded =
  | { readonly _tag: "Heard"; readonly address: Address }
  | { readonly _tag: "Dropped"; readonly reason: "malformed" | "foreign" | "unauthenticated"; readonly detail: string }

const dropped = (reason: "malformed" | "foreign" | "unauthenticated", detail: string): Decoded => ({
  _tag: "Dropped",
  reason,
  detail
})

/**
 * Reads a datagram heard on the group. Only our `cluster` counts; with
 * `keys` (derived by `announcementKey`), only announcements signed by one of
 * them; without keys, a signed announcement is another cluster's (one that
 * encrypts, which this member could not talk to anyway).
 */
export const decode = (bytes: Uint8Array, cluster: string, keys: ReadonlyArray<Uint8Array>): Decoded => {
  if (bytes.length > maxAnnouncementBytes) return dropped("malformed", `${bytes.length} bytes, over ${maxAnnouncementBytes}`)
  if (bytes.length < 5 || bytes[0] !== magic[0] || bytes[1] !== magic[1] || bytes[2] !== magic[2]) {
    return dropped("malformed", "not an announcement")
  }
  if (bytes[3] !== version) return dropped("malformed", `version ${bytes[3]}`)
  const signed = ((bytes[4] ?? 0) & signedFlag) !== 0
  let at = 5
  const nameLength = bytes[at++] ?? 0
  const name = bytes.subarray(at, at + nameLength)
  at += nameLength
  const ipLength = bytes[at++]
  if (ipLength !== 4 && ipLength !== 16) return dropped("malformed", `IP length ${ipLength}`)
  const ip = bytes.subarray(at, at + ipLength)
  at += ipLength
  const end = at + 2 + (signed ? tagLength : 0)
  if (bytes.length !== end) return dropped("malformed", `${bytes.length} bytes where the fields take ${end}`)
  const port = ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0)
  at += 2
  let text: string
  try {
    text = utf8Decoder.decode(name)
  } catch {
    return dropped("malformed", "cluster name is not UTF-8")
  }
  const host = ipFromBytes(ip)
  if (host === undefined || isIP(host) === 0 || port === 0) return dropped("malformed", "bad address")
  if (text !== cluster) return dropped("foreign", `cluster ${JSON.stringify(text)}`)
  if (keys.length > 0) {
    if (!signed) return dropped("unauthenticated", "unsigned")
    const body = bytes.subarray(0, at)
    const tag = bytes.subarray(at)
    if (!keys.some((key) => timingSafeEqual(sign(key, body), tag))) return dropped("unauthenticated", "bad signature")
  } else if (signed) {
    return dropped("foreign", "signed, and this member has no keys")
  }
  return { _tag: "Heard", address: { host, port } }
}

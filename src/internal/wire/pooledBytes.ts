/**
 * Byte arrays for datagrams, cut from Node's shared `Buffer` pool. A
 * `new Uint8Array(n)` of more than 64 bytes gets a backing store of its own
 * outside V8's heap, which costs about 1 us to make on this project's
 * machines (more than framing a packet); `Buffer.allocUnsafe` hands out a
 * slice of an 8 KiB pool for anything under 4 KiB. The result is a plain
 * `Uint8Array` view of that slice (not a `Buffer`), as the writer's are.
 *
 * @internal
 */

/**
 * `n` bytes whose contents are undefined: the caller writes every one of
 * them before the array leaves its hands.
 */
export const uninitializedBytes = (n: number): Uint8Array => {
  const b = Buffer.allocUnsafe(n)
  return new Uint8Array(b.buffer, b.byteOffset, n)
}

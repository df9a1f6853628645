/**
 * FNV-1a (32 bits) of a string's UTF-16 code units: a hash every member
 * computes alike, in every run, for placing names (discovery slots, the
 * aligned probe ring).
 *
 * @internal
 */
export const fnv1a = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0
  return h
}

/**
 * Number and text formatting shared by the report's renderings: times in
 * seconds, large numbers with k/M suffixes, HTML escaping.
 *
 * @internal
 */

/** ms as seconds (two decimals under 10 s, one above); undefined is "never". */
export const sec = (ms: number | undefined): string => (ms === undefined ? "never" : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`)

/** A number with `digits` decimals, in k from 10,000 and in M from a million. */
export const num = (v: number, digits = 1): string =>
  v >= 1e6 ? `${(v / 1e6).toFixed(digits)}M` : v >= 1e4 ? `${(v / 1e3).toFixed(digits)}k` : v.toFixed(digits)

/** Escapes text for HTML and SVG, in content and in attribute values. */
export const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

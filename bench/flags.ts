/**
 * Command-line flags of the in-process benches (pushpull-loop.ts, pushpull-merge.ts).
 */

/** The whole number after `--name` (1 to 100,000), else `fallback`; throws on anything else. */
export const wholeFlag = (name: string, fallback: string): number => {
  const at = process.argv.indexOf(`--${name}`)
  const v = Number(at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback)
  if (!Number.isInteger(v) || v < 1 || v > 100_000) throw new Error(`--${name} must be a whole number from 1 to 100000`)
  return v
}

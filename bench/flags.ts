/**
 * Command-line flags of the in-process benches (pushpull-loop.ts, pushpull-merge.ts, recv-cost.ts,
 * greet-send.ts).
 */

/** The text after `--name`, else `fallback`. */
export const flag = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback
}

/** The whole number after `--name` (1 to `max`), else `fallback`; throws on anything else. */
export const wholeFlag = (name: string, fallback: string, max = 100_000): number => {
  const v = Number(flag(name, fallback))
  if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`--${name} must be a whole number from 1 to ${max}`)
  return v
}

/** The comma-separated choices after `--name` (all of `allowed` by default); throws on one not allowed. */
export const choicesFlag = <A extends string>(name: string, allowed: ReadonlyArray<A>): Array<A> => {
  const chosen = flag(name, allowed.join(",")).split(",") as Array<A>
  for (const c of chosen) if (!allowed.includes(c)) throw new Error(`unknown ${name} value ${c}`)
  return chosen
}

/**
 * Loads the codec fixtures written by the Go oracle (test/interop/regen-fixtures.sh)
 * and compares decoded values with the manifest's JSON form.
 */
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "codec")

export interface Fixture {
  readonly name: string
  readonly file: string
  readonly kind: "message" | "packet" | "stream"
  readonly reencode: boolean
  readonly keys?: ReadonlyArray<string>
  readonly label?: string
  readonly expected: unknown
  readonly bytes: Uint8Array
}

export const loadFixtures = (): ReadonlyArray<Fixture> => {
  const manifest = JSON.parse(readFileSync(join(fixtureDir, "manifest.json"), "utf8")) as {
    fixtures: ReadonlyArray<Omit<Fixture, "bytes">>
  }
  return manifest.fixtures.map((f) => ({ ...f, bytes: new Uint8Array(readFileSync(join(fixtureDir, f.file))) }))
}

export const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"))
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex")

/** Deeply replaces byte arrays with hex strings, the manifest's form. */
export const jsonish = (v: unknown): unknown => {
  if (v instanceof Uint8Array) return toHex(v)
  if (Array.isArray(v)) return v.map(jsonish)
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = jsonish(x)
    return out
  }
  return v
}

/** Inverse of `jsonish` for the model's byte fields. */
export const fromJsonish = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(fromJsonish)
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) {
      out[k] = (k === "payload" || k === "meta" || k === "userState") && typeof x === "string" ? fromHex(x) : fromJsonish(x)
    }
    return out
  }
  return v
}

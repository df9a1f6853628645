/**
 * Runs requests through the Go oracle's `security-batch` command (memberlist's
 * own encryption, compression and CRC code), built on first use.
 */
import { spawnSync } from "node:child_process"
import { oracleBinary as binary } from "../../interop/oracle.js"

export type OracleRequest =
  | { readonly op: "lzw-compress" | "lzw-decompress" | "compress-payload" | "decompress-payload" | "crc-add" | "crc-check"; readonly data: Uint8Array }
  | { readonly op: "encrypt"; readonly version: 0 | 1; readonly key: Uint8Array; readonly aad: Uint8Array; readonly data: Uint8Array }
  | { readonly op: "decrypt"; readonly keys: ReadonlyArray<Uint8Array>; readonly aad: Uint8Array; readonly data: Uint8Array }
  | { readonly op: "decrypt-stream"; readonly keys: ReadonlyArray<Uint8Array>; readonly label: string; readonly data: Uint8Array }
  | { readonly op: "remove-label"; readonly data: Uint8Array }

export type OracleResult = { readonly ok: true; readonly out: Uint8Array } | { readonly ok: false; readonly error: string }

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64")

/** Sends every request in one oracle process; results come back in order. */
export const oracleBatch = (requests: ReadonlyArray<OracleRequest>): ReadonlyArray<OracleResult> => {
  const body = JSON.stringify(requests.map((r) => {
    const json: Record<string, unknown> = { op: r.op, data: b64(r.data) }
    if ("key" in r) json.key = b64(r.key)
    if ("keys" in r) json.keys = r.keys.map(b64)
    if ("aad" in r) json.aad = b64(r.aad)
    if ("label" in r) json.label = r.label
    if ("version" in r) json.version = r.version
    return json
  }))
  const run = spawnSync(binary, ["security-batch"], { input: body, maxBuffer: 256 * 1024 * 1024 })
  if (run.status !== 0) throw new Error(`oracle failed: ${run.stderr.toString()}`)
  const results = JSON.parse(run.stdout.toString()) as ReadonlyArray<{ ok: boolean; out?: string; error?: string }>
  return results.map((r) =>
    r.ok ? { ok: true, out: new Uint8Array(Buffer.from(r.out ?? "", "base64")) } : { ok: false, error: r.error ?? "" }
  )
}

/** The bytes of a successful result; fails the test with Go's error otherwise. */
export const okBytes = (result: OracleResult | undefined): Uint8Array => {
  if (result === undefined) throw new Error("missing oracle result")
  if (!result.ok) throw new Error(`Go rejected it: ${result.error}`)
  return result.out
}

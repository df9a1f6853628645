/**
 * Loads the fixtures written by real Go code (test/interop/regen-security-fixtures.sh):
 * compress/lzw output, memberlist's compressPayload, CRC frames, sealed payloads,
 * labelled packets and stream frames.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const dir = fileURLToPath(new URL("./fixtures/security/", import.meta.url))

export interface Manifest {
  readonly encryptOverhead: Record<"0" | "1", number>
  readonly lzw: ReadonlyArray<{ name: string; input: string; output: string; payload: string }>
  readonly crc: ReadonlyArray<{ name: string; payload: string; packet: string }>
  readonly encrypted: ReadonlyArray<{
    name: string
    version: 0 | 1
    key: string
    keys: ReadonlyArray<string>
    aad: string
    plaintext: string
    data: string
  }>
  readonly packets: ReadonlyArray<{ name: string; label: string; version: 0 | 1; key: string; plaintext: string; packet: string }>
  readonly streams: ReadonlyArray<{ name: string; label: string; version: 0 | 1; key: string; plaintext: string; frame: string }>
}

export const manifest: Manifest = JSON.parse(readFileSync(dir + "manifest.json", "utf8"))

/** A fixture file's bytes. */
export const fixtureFile = (name: string): Uint8Array => new Uint8Array(readFileSync(dir + name))

/** Hex to bytes (as a plain Uint8Array, so `toEqual` compares like with like). */
export const unhex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, "hex"))

/** Bytes to hex, for readable failure messages. */
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")

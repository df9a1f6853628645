import { describe, expect, it } from "@effect/vitest"
import { fieldKeys } from "../../../src/internal/wire/fieldKeys.js"
import { keyTable, MsgpackReader, MsgpackWriter } from "../../../src/internal/wire/msgpack.js"

const encodeStrings = (values: ReadonlyArray<string>): Uint8Array => {
  const w = new MsgpackWriter()
  for (const v of values) w.string(v)
  return w.finish()
}

describe("MsgpackReader.readKey", () => {
  it("reads each string as readString does, known or not, and stops at the same position", () => {
    const values = ["SeqNo", "Node", "Nodes", "SourceAddr", "SourcePort", "Seqno", "Nod", "", "Vsm", "Zz", "n\u00e9", "x".repeat(40)]
    const bytes = encodeStrings(values)
    const byKey = new MsgpackReader(bytes)
    const byString = new MsgpackReader(bytes)
    for (const v of values) {
      expect(byKey.readKey(fieldKeys)).toBe(v)
      expect(byString.readString()).toBe(v)
      expect(byKey.pos).toBe(byString.pos)
    }
    expect(byKey.error).toBeUndefined()
  })

  it("hands out the table's own string for a known key, from any packet", () => {
    const table = keyTable(["Node", "Port"])
    const first = new MsgpackReader(encodeStrings(["Node"])).readKey(table)
    const second = new MsgpackReader(encodeStrings(["Node"])).readKey(table)
    expect(first).toBe(table.byLength[4]![0])
    expect(second).toBe(first)
  })

  it("fails on a key cut short or not valid UTF-8, as readString does", () => {
    const cut = encodeStrings(["SourceNode"]).subarray(0, 6)
    const r = new MsgpackReader(cut)
    expect(r.readKey(fieldKeys)).toBe("")
    expect(r.error).toBeDefined()
    const bad = new MsgpackReader(new Uint8Array([0xa2, 0xc3, 0x28]))
    bad.readKey(fieldKeys)
    expect(bad.error?.reason).toBe("Malformed")
  })

  it("refuses a table with a non-ASCII key, whose bytes could not be matched to its characters", () => {
    expect(() => keyTable(["N\u00f6de"])).toThrow()
  })
})

import { describe, expect, it } from "@effect/vitest"
import { HeardTimes } from "../../../src/internal/swim/heardTimes.js"
import { KeyInterner } from "../../../src/internal/swim/memberTable.js"

describe("heard times", () => {
  it("answers undefined until a member is heard, then its last time, and undefined again once forgotten", () => {
    const heard = new HeardTimes(new KeyInterner(1_000))
    expect(heard.get("a")).toBeUndefined()
    heard.set("a", 0)
    heard.set("b", 12.5)
    heard.set("a", 7.25)
    expect(heard.get("a")).toBe(7.25)
    expect(heard.get("b")).toBe(12.5)
    heard.delete("a")
    expect(heard.get("a")).toBeUndefined()
    expect(heard.get("b")).toBe(12.5)
  })

  it("keeps every time as it grows, and names a full interner refused in a map", () => {
    const interner = new KeyInterner(40)
    const heard = new HeardTimes(interner)
    for (let i = 0; i < 60; i++) heard.set(`m${i}`, i * 1.5)
    expect(interner.size).toBe(40)
    for (let i = 0; i < 60; i++) expect(heard.get(`m${i}`)).toBe(i * 1.5)
    heard.delete("m50")
    expect(heard.get("m50")).toBeUndefined()
    expect(heard.get("m51")).toBe(76.5)
  })
})

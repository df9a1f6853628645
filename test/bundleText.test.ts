/**
 * V8 keeps the source text of every script it loads, one byte per character
 * when the text is ASCII and two bytes for all of it when a single character
 * is not. Bundlers keep the comments on class fields, so one arrow in such a
 * comment doubled the text of a whole application bundle (docs/performance.md,
 * "Second pass: the fixed cost"). This checks that the library's public
 * modules bundle to ASCII, and that every source file is ASCII, because
 * `dist/` loaded unbundled keeps each module's text the same way.
 */
import { buildSync } from "esbuild"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const src = join(import.meta.dirname, "..", "src")

describe("bundled source text", () => {
  it("every public module bundles to ASCII only", () => {
    const entryPoints = readdirSync(src).filter((f) => f.endsWith(".ts")).map((f) => join(src, f))
    expect(entryPoints.length).toBeGreaterThan(5)
    const built = buildSync({
      entryPoints,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      write: false,
      outdir: "out",
      // Only this library's text is checked: its dependencies are theirs.
      external: ["effect", "@effect/*", "yaml"]
    })
    const offending = built.outputFiles.flatMap((file) =>
      Array.from(file.text.matchAll(/[^\x00-\x7f]/g), (match) => {
        const start = file.text.lastIndexOf("\n", match.index) + 1
        return file.text.slice(start, file.text.indexOf("\n", match.index)).trim()
      })
    )
    expect(offending).toEqual([])
  })

  it("every source file is ASCII only", () => {
    const files = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"))
    expect(files.length).toBeGreaterThan(50)
    const offending = files.filter((f) => /[^\x00-\x7f]/.test(readFileSync(join(src, f), "utf8")))
    expect(offending).toEqual([])
  })
})

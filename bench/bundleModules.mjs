/**
 * The source module of each line of an unminified esbuild bundle, from its `// path` markers
 * (node_modules paths shortened to the package), for the profile reports (allocReport.mjs, cpuReport.mjs).
 */
import fs from "node:fs"

/** `moduleAt[line]` (0-based, as profiles number lines) is the module that line came from, "?" before any. */
export const moduleAtLines = (bundle) => {
  const moduleAt = []
  let current = "?"
  for (const [i, line] of fs.readFileSync(bundle, "utf8").split("\n").entries()) {
    const marker = /^\/\/ (\S+\.(?:ts|js|mjs|cjs))$/.exec(line)
    if (marker) current = marker[1].replace(/^.*node_modules\//, "")
    moduleAt[i] = current
  }
  return moduleAt
}

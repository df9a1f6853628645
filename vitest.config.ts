import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const src = fileURLToPath(new URL("./src/", import.meta.url))

export default defineConfig({
  resolve: {
    // The examples and the CLI workspace import the package by name, as users do; the tests run its sources.
    alias: [
      { find: /^effect-memberlist$/, replacement: `${src}index.ts` },
      { find: /^effect-memberlist\/cluster$/, replacement: `${src}Cluster.ts` },
      { find: /^effect-memberlist\/([A-Za-z]+)$/, replacement: `${src}$1.ts` }
    ]
  },
  test: {
    include: ["test/**/*.test.ts", "packages/*/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})

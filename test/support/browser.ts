/**
 * Debian's Chromium, headless, driven by playwright-core: for the tests and
 * the screenshot script. A missing browser is an error that says how to get
 * it, never a skip.
 */
import { Effect } from "effect"
import type { Scope } from "effect"
import { existsSync } from "node:fs"
import { type Browser, chromium } from "playwright-core"

/** Where Debian's chromium package puts the browser. */
export const chromiumPath = "/usr/bin/chromium"

/** Launches Chromium for as long as the current scope lives. */
export const launchChromium: Effect.Effect<Browser, Error, Scope.Scope> = Effect.acquireRelease(
  Effect.tryPromise({
    try: () => {
      if (!existsSync(chromiumPath)) {
        throw new Error(
          `${chromiumPath} is missing: the browser tests need Debian's chromium (apt-get install chromium, or bash scripts/test-deps.sh as root)`
        )
      }
      return chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"], timeout: 30_000 })
    },
    catch: (error) => (error instanceof Error ? error : new Error(String(error)))
  }),
  (browser) => Effect.promise(() => browser.close())
)

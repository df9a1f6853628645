/**
 * The path of our Go oracle (memberlist's own encoders, decoders and security
 * code), built on first use when it is missing. Tests that need it never skip:
 * without Go and Debian's memberlist package the build fails and so do they,
 * with the install hint (`.ci/run` installs both).
 */
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const binary = fileURLToPath(new URL("./bin/oracle", import.meta.url))
const script = fileURLToPath(new URL("./build-oracle.sh", import.meta.url))

const ensureOracle = (): string => {
  if (existsSync(binary)) return binary
  try {
    execFileSync("bash", [script], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" })
  } catch (error) {
    const detail = error instanceof Error && "stderr" in error ? String((error as { stderr: unknown }).stderr) : String(error)
    throw new Error(
      "the Go oracle could not be built: apt-get install golang-go golang-github-hashicorp-memberlist-dev, " +
        `then bash test/interop/build-oracle.sh\n${detail}`
    )
  }
  return binary
}

/** The oracle binary, built if it was missing. */
export const oracleBinary: string = ensureOracle()

import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"

const script = fileURLToPath(new URL("../../../examples/agents.sh", import.meta.url))

describe("examples/agents.sh", () => {
  it("drives three agents from a shell script: they meet through the members file, see each other, get a broadcast, exit", async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile("bash", [script], { timeout: 170_000, env: { ...process.env, TIMEOUT: "60" } }, (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : (error as { code?: number }).code ?? null, stdout, stderr }))
      child.stdin?.end()
    })
    expect(code, `stdout: ${stdout}\nstderr: ${stderr}`).toBe(0)
    const lines = stdout.trim().split("\n")
    expect(lines[0]).toMatch(/^a listens on 127\.0\.0\.1:\d+; adding it to the members file$/)
    const seen = JSON.parse(lines[1]!.replace(/^members seen by c: /, "")) as Array<{ name: string; state: string }>
    expect(seen.map((m) => [m.name, m.state])).toEqual([["a", "alive"], ["b", "alive"], ["c", "alive"]])
    for (const [i, who] of [[2, "b"], [3, "c"]] as const) {
      const message = JSON.parse(lines[i]!.replace(new RegExp(`^${who} received: `), ""))
      expect(message).toMatchObject({ event: "message", origin: "a", message: { hello: "from a" } })
    }
    expect(lines[4]).toBe("all three agents left and exited")
  }, 180_000)
})

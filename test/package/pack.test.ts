/**
 * The published package works: `npm pack` the library, install the tarball
 * with `effect` and `@effect/platform` into an empty folder, as a user would,
 * type-check a TypeScript file against it, and run a three-member cluster on
 * loopback from a plain ESM script there.
 *
 * `@effect/cluster` is an optional peer (for `effect-memberlist/cluster` only):
 * it is not installed here, so the main entry must work without it.
 *
 * Needs the npm registry (or an npm cache holding effect and
 * @effect/platform); without it the test fails and says so, it never skips.
 */
import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))
const npm = process.platform === "win32" ? "npm.cmd" : "npm"

/**
 * The environment for the npm we start: without what an outer `npm test`
 * exports about this project (its prefix, package and lifecycle), so the
 * inner npm works on the folder it is given and nothing else.
 */
const cleanEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  const project = /^npm_(package_|lifecycle_|command$|execpath$|node_execpath$|config_(prefix|local_prefix|global_prefix|call|user_agent|npm_version|init_module)$)/
  for (const [key, value] of Object.entries(process.env)) {
    if (key === "INIT_CWD" || project.test(key)) continue
    env[key] = value
  }
  return env
}

interface Output {
  readonly stdout: string
  readonly stderr: string
}

class CommandFailed extends Error {
  constructor(readonly command: string, readonly output: Output, readonly code: number | string | null) {
    super(`${command} failed (${code}):\n${output.stderr.slice(-3000)}\n${output.stdout.slice(-3000)}`)
  }
}

const run = (file: string, args: ReadonlyArray<string>, cwd: string, timeoutMs: number): Promise<Output> =>
  new Promise((resolve, reject) => {
    execFile(file, args, { cwd, env: cleanEnv(), timeout: timeoutMs, maxBuffer: 32 * 2 ** 20 }, (error, stdout, stderr) => {
      if (error === null) return resolve({ stdout, stderr })
      const code = error.killed ? `killed after ${timeoutMs} ms` : (error.code ?? null)
      reject(new CommandFailed(`${file} ${args.join(" ")} (in ${cwd})`, { stdout, stderr }, code as number | string | null))
    })
  })

const installedVersion = (name: string): string =>
  JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version

const sizeOf = (path: string): number => {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.size
  return readdirSync(path).reduce((sum, entry) => sum + sizeOf(join(path, entry)), 0)
}

/** A plain ESM program, as a user of the package writes it: three members, each must see three alive. */
const app = `
import { Context, Effect, Exit, Fiber, Layer, Schema, Scope, Stream } from "effect"
import { Discovery, Memberlist, SwimConfig, Transport } from "effect-memberlist"
import * as MemberlistModule from "effect-memberlist/Memberlist"

if (MemberlistModule.layer !== Memberlist.layer) throw new Error("effect-memberlist/Memberlist is not the Memberlist module")

class Cluster extends Memberlist.Tag("pack-test/Cluster")() {}

const start = (name, seeds) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const config = SwimConfig.local({ name, bindHost: "127.0.0.1", bindPort: 0 })
    // The seed from layers, the others as README shows: one layer each.
    const layer = seeds.length === 0
      ? Memberlist.layer(Cluster, { messages: Schema.String }).pipe(
        Layer.provide(Transport.layerNode),
        Layer.provide(Discovery.layer(Effect.succeed(seeds))),
        Layer.provide(SwimConfig.layer(config))
      )
      : Memberlist.layerNode(Cluster, { messages: Schema.String, config, discovery: Discovery.make(Effect.succeed(seeds)) })
    const context = yield* Layer.buildWithScope(layer, scope)
    yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    return { name, member: Context.get(context, Cluster) }
  })

const program = Effect.gen(function*() {
  const a = yield* start("a", [])
  const seed = (yield* a.member.localMember).address
  // Subscribed before the others start: nothing can be missed.
  const events = yield* a.member.events
  const messages = yield* a.member.receive
  const joins = yield* events.pipe(
    Stream.filter((e) => e._tag === "MemberJoined"),
    Stream.map((e) => e.member.name),
    Stream.take(2),
    Stream.runCollect,
    Effect.fork
  )
  const firstMessage = yield* messages.pipe(Stream.take(1), Stream.runCollect, Effect.fork)
  const b = yield* start("b", [seed])
  const c = yield* start("c", [seed])
  const all = [a, b, c]
  const deadline = Date.now() + 30_000
  let views = []
  for (;;) {
    views = yield* Effect.forEach(all, (m) => m.member.members)
    if (views.every((v) => v.length === 3 && v.every((m) => m.state === "alive"))) break
    if (Date.now() > deadline) return yield* Effect.fail(new Error("no convergence in 30 s: " + JSON.stringify(views)))
    yield* Effect.sleep("100 millis")
  }
  const joined = yield* Fiber.join(joins).pipe(Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("no join events") }))
  yield* c.member.sendReliable("a", "hello from c")
  const received = yield* Fiber.join(firstMessage).pipe(Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("no message") }))
  return {
    views: all.map((m, i) => ({ observer: m.name, alive: views[i].filter((x) => x.state === "alive").map((x) => x.name).sort() })),
    joinsSeenByA: [...joined].sort(),
    received: [...received].map((r) => r.message)
  }
})

Effect.runPromise(Effect.scoped(program)).then(
  (result) => {
    console.log(JSON.stringify(result))
    process.exit(0)
  },
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
`

/** Type-checked against the installed declarations: the exports' types resolve, public types are usable. */
const typed = `
import { Effect, Schema, Stream } from "effect"
import { Discovery, Memberlist, SwimConfig, Transport } from "effect-memberlist"
import type { MembershipEvent } from "effect-memberlist/Memberlist"
import * as Simulator from "effect-memberlist/Simulator"

class Cluster extends Memberlist.Tag("pack-test/Typed")<Cluster, string>() {}
export const live = Memberlist.layer(Cluster, { messages: Schema.String })
export const liveNode = Memberlist.layerNode(Cluster, {
  messages: Schema.String,
  config: SwimConfig.fromEnv(),
  discovery: Discovery.makeDns({ name: "peers.example.internal", port: 7946 })
})
export const config = SwimConfig.local({ name: "x", bindHost: "127.0.0.1", bindPort: 0 })
export const transport = Transport.layerNode
export const seeds = Discovery.static(["127.0.0.1:7946"])
export const names = Effect.flatMap(Cluster, (c) => Effect.flatMap(c.events, (s: Stream.Stream<MembershipEvent>) => Stream.runCollect(Stream.take(s, 1))))
export const scenario: Simulator.Scenario = Simulator.scenario({ nodes: 3 })
`

describe("the packed library", () => {
  it("installs from its tarball with effect and @effect/platform, type-checks, and runs a 3-member cluster", async () => {
    const packDir = mkdtempSync(join(tmpdir(), "effect-memberlist-pack-"))
    const appDir = mkdtempSync(join(tmpdir(), "effect-memberlist-app-"))
    try {
      await run(npm, ["pack", "--pack-destination", packDir], root, 120_000)
      const tarballs = readdirSync(packDir).filter((f) => f.endsWith(".tgz"))
      expect(tarballs).toHaveLength(1)
      const tarball = join(packDir, tarballs[0]!)

      writeFileSync(join(appDir, "package.json"), JSON.stringify({ name: "pack-test-app", private: true, type: "module" }))
      const effect = `effect@${installedVersion("effect")}`
      const platform = `@effect/platform@${installedVersion("@effect/platform")}`
      try {
        await run(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, effect, platform], appDir, 150_000)
      } catch (error) {
        // An unreachable registry shows up in many guises (even as ERESOLVE on a package "@undefined"): ask it directly.
        const reachable = await run(npm, ["ping"], appDir, 30_000).then(() => true, () => false)
        if (!reachable) {
          throw new Error(
            `pack test: npm could not reach the registry to install ${effect} and ${platform} next to the tarball ` +
              `(this test needs the npm registry or an npm cache holding them; it does not skip).\n${String(error)}`
          )
        }
        throw error
      }

      // What the tarball holds, as installed.
      const pkg = join(appDir, "node_modules", "effect-memberlist")
      for (const file of ["package.json", "LICENSE", "README.md", "CHANGELOG.md", "dist/index.js", "dist/index.d.ts", "dist/Memberlist.js", "dist/Cluster.js", "src/index.ts"]) {
        expect(existsSync(join(pkg, file)), file).toBe(true)
      }
      for (const absent of ["dist/cli", "src/cli", "packages", "test", "dist/.tsbuildinfo", "node_modules"]) {
        expect(existsSync(join(pkg, absent)), absent).toBe(false)
      }
      const manifest = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"))
      expect(manifest.dependencies ?? {}).toEqual({})
      expect(Object.keys(manifest.peerDependencies).sort()).toEqual(["@effect/cluster", "@effect/platform", "effect"])
      // Only effect-memberlist/cluster needs @effect/cluster: optional, so npm leaves it out (and the app below runs without it).
      expect(manifest.peerDependenciesMeta).toEqual({ "@effect/cluster": { optional: true } })
      expect(manifest.exports["./cluster"]).toEqual({ types: "./dist/Cluster.d.ts", import: "./dist/Cluster.js" })
      expect(manifest.sideEffects).toBe(false)
      // Only the CLI needs these; a library user must not get them.
      for (const cliOnly of ["@effect/cli", "@effect/platform-node", "@effect/platform-node-shared", "@effect/printer", "ws", "undici", "@effect/cluster", "@effect/rpc", "@effect/sql", "@effect/workflow"]) {
        expect(existsSync(join(appDir, "node_modules", cliOnly)), cliOnly).toBe(false)
      }
      expect(sizeOf(pkg)).toBeLessThan(5 * 2 ** 20)

      writeFileSync(join(appDir, "typed.ts"), typed)
      writeFileSync(
        join(appDir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            module: "nodenext",
            moduleResolution: "nodenext",
            target: "es2022",
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            typeRoots: [join(root, "node_modules", "@types")],
            types: ["node"]
          },
          files: ["typed.ts"]
        })
      )
      await run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], appDir, 120_000)

      writeFileSync(join(appDir, "app.mjs"), app)
      const { stdout } = await run(process.execPath, ["app.mjs"], appDir, 90_000)
      const result = JSON.parse(stdout.trim().split("\n").at(-1)!)
      expect(result).toEqual({
        views: [
          { observer: "a", alive: ["a", "b", "c"] },
          { observer: "b", alive: ["a", "b", "c"] },
          { observer: "c", alive: ["a", "b", "c"] }
        ],
        joinsSeenByA: ["b", "c"],
        received: ["hello from c"]
      })
    } finally {
      rmSync(packDir, { recursive: true, force: true })
      rmSync(appDir, { recursive: true, force: true })
    }
  }, 180_000)
})

/**
 * Takes the screenshot in docs/cluster-view.md: five members on loopback,
 * the view served by the first, some broadcast traffic, then one member
 * stopped without leaving; the page is captured while the others suspect it.
 *
 *   npx tsx scripts/screenshot-view.ts [output.png]
 *
 * Needs Debian's chromium at /usr/bin/chromium.
 */
import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Duration, Effect, Exit, Layer, Schema, Scope } from "effect"
import { createServer } from "node:http"
import * as Discovery from "../src/Discovery.js"
import * as HttpView from "../src/HttpView.js"
import * as Memberlist from "../src/Memberlist.js"
import * as SwimConfig from "../src/SwimConfig.js"
import * as Transport from "../src/Transport.js"
import { launchChromium } from "../test/support/browser.js"

const output = process.argv[2] ?? "docs/images/cluster-view.png"
class Cluster extends Memberlist.Tag("screenshot/Cluster")<Cluster, string>() {}
const zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c", "us-east-1a"]

/** One member in a scope of its own, so it can be stopped alone (without leaving). */
const member = (name: string, seeds: ReadonlyArray<Transport.Address>, meta: Uint8Array) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(
      Memberlist.layer(Cluster, { messages: Schema.String, meta, leaveOnClose: false }).pipe(
        Layer.provide(Transport.layerNode),
        Layer.provide(Discovery.layer(Effect.succeed(seeds))),
        Layer.provide(SwimConfig.layer(SwimConfig.local({ name, bindPort: 0 })))
      ),
      scope
    )
    const m = Context.get(context, Cluster)
    return { name, member: m, address: (yield* m.localMember).address, stop: Scope.close(scope, Exit.void) }
  })

const program = Effect.gen(function*() {
  const text = (s: string) => new TextEncoder().encode(s)
  const first = yield* member("node-a", [], text(`zone=${zones[0]}`))
  const others = yield* Effect.forEach(["node-b", "node-c", "node-d", "node-e"], (name, i) =>
    member(name, [first.address], i === 3 ? new Uint8Array([0x82, 0xa2, 0x69, 0x64, 0x07, 0xff]) : text(`zone=${zones[(i + 1) % 4]}`)))
  const all = [first, ...others]
  yield* Effect.addFinalizer(() => Effect.forEach(all, (m) => m.stop, { discard: true }))

  const server = yield* Layer.build(
    HttpView.layer(Cluster, { minMembers: 5 }).pipe(
      Layer.provideMerge(NodeHttpServer.layer(createServer, { host: "127.0.0.1", port: 0 })),
      Layer.provide(Layer.succeed(Cluster, first.member))
    )
  )
  const address = Context.get(server, HttpServer.HttpServer).address
  if (address._tag !== "TcpAddress") return yield* Effect.dieMessage("expected a TCP address")
  const url = `http://127.0.0.1:${address.port}/`

  const victim = others[2]!
  // Some application traffic, so the charts have something to draw (not from the member to be stopped).
  yield* Effect.forkScoped(Effect.forever(Effect.zipRight(
    Effect.forEach(all.filter((m) => m !== victim), (m, i) => Effect.ignore(m.member.broadcast(`update ${i} ${Date.now()}`)), { discard: true }),
    Effect.sleep(Duration.millis(300))
  )))
  yield* Effect.sleep(Duration.seconds(25))

  const browser = yield* launchChromium
  const page = yield* Effect.promise(() => browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 }))
  yield* Effect.promise(() => page.goto(url, { waitUntil: "load" }))
  yield* Effect.promise(() => page.waitForSelector(`tr[data-member="node-e"][data-state="alive"]`, { timeout: 20_000 }))
  yield* Effect.sleep(Duration.seconds(3))

  yield* victim.stop
  yield* Effect.promise(() => page.waitForSelector(`tr[data-member="${victim.name}"][data-state="suspect"]`, { timeout: 30_000 }))
  yield* Effect.promise(() => page.waitForSelector(`#suspicions tr[data-suspect="${victim.name}"]`, { timeout: 10_000 }))
  yield* Effect.sleep(Duration.millis(1200))
  yield* Effect.promise(() => page.screenshot({ path: output, fullPage: true }))
  yield* Effect.log(`wrote ${output}`)
})

Effect.runPromise(Effect.scoped(program)).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)

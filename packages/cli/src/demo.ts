/**
 * `effect-memberlist demo`: a small cluster on loopback, its member table
 * live, one member crashed and the others detecting it, then exit.
 *
 * @internal
 */
import { Command, Options } from "@effect/cli"
import { Console, Duration, Effect, Exit, Schema, Scope } from "effect"
import * as Discovery from "effect-memberlist/Discovery"
import * as Memberlist from "effect-memberlist/Memberlist"
import * as SwimConfig from "effect-memberlist/SwimConfig"
import * as Transport from "effect-memberlist/Transport"

interface DemoMember {
  readonly name: string
  readonly member: Memberlist.Memberlist<unknown>
  readonly crash: Effect.Effect<void>
}

const start = (name: string, seeds: ReadonlyArray<Transport.Address>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const member = yield* Memberlist.makeNode({
      messages: Schema.Unknown,
      encoding: "json",
      leaveOnClose: false,
      config: SwimConfig.local({ name, bindHost: "127.0.0.1", bindPort: 0 }),
      discovery: Discovery.make(Effect.succeed(seeds))
    }).pipe(Scope.extend(scope))
    return { name, member, crash: Scope.close(scope, Exit.void) } satisfies DemoMember
  })

const letter: Record<Memberlist.MemberState, string> = { alive: "A", suspect: "S", dead: "D", left: "L" }

const table = (members: ReadonlyArray<DemoMember>, crashed: ReadonlySet<string>, elapsed: number) =>
  Effect.gen(function*() {
    const names = members.map((m) => m.name)
    const lines = [`t=${(elapsed / 1000).toFixed(1)}s  rows: observer, columns: member  (A alive, S suspect, D dead, L left, . unknown)`]
    lines.push("          " + names.map((n) => n.padStart(8)).join(""))
    for (const observer of members) {
      if (crashed.has(observer.name)) {
        lines.push(observer.name.padEnd(10) + "   (crashed)")
        continue
      }
      const view = yield* observer.member.allMembers
      lines.push(observer.name.padEnd(10) + names.map((n) => {
        const m = view.find((x) => x.name === n)
        return (m === undefined ? "." : letter[m.state]).padStart(8)
      }).join(""))
    }
    return lines.join("\n")
  })

const options = {
  nodes: Options.integer("nodes").pipe(Options.withDefault(5), Options.withDescription("how many members (2 to 20)"))
}

/** The demo command. */
export const demo = Command.make("demo", options, ({ nodes }) =>
  Effect.gen(function*() {
    const n = Math.min(Math.max(nodes, 2), 20)
    const tty = process.stdout.isTTY === true
    const began = Date.now()
    const show = (text: string) => (tty ? Console.log(`\x1b[2J\x1b[H${text}`) : Console.log(text + "\n"))
    yield* Console.log(`Starting ${n} members on 127.0.0.1 (local preset: 1 s probes)...`)
    const first = yield* start("node-0", [])
    const seed = (yield* first.member.localMember).address
    const rest = yield* Effect.forEach(Array.from({ length: n - 1 }, (_, i) => `node-${i + 1}`), (name) => start(name, [seed]))
    const members = [first, ...rest]
    const crashed = new Set<string>()
    const everyoneSees = (name: string, state: Memberlist.MemberState) =>
      Effect.map(
        Effect.forEach(members.filter((m) => !crashed.has(m.name)), (m) => m.member.allMembers),
        (views) => views.every((v) => v.find((x) => x.name === name)?.state === state)
      )
    const waitShowing = (condition: Effect.Effect<boolean>, limit: number) =>
      Effect.gen(function*() {
        const deadline = Date.now() + limit
        for (;;) {
          yield* show(yield* table(members, crashed, Date.now() - began))
          if (yield* condition) return true
          if (Date.now() > deadline) return false
          yield* Effect.sleep(Duration.millis(tty ? 250 : 1000))
        }
      })
    const converged = yield* waitShowing(
      Effect.map(Effect.forEach(members, (m) => everyoneSees(m.name, "alive")), (all) => all.every(Boolean)),
      20_000
    )
    yield* Console.log(converged ? `All ${n} members see each other after ${((Date.now() - began) / 1000).toFixed(1)} s.` : "Did not converge in 20 s.")
    const victim = members[Math.floor(n / 2)]!
    yield* Console.log(`Crashing ${victim.name} (no goodbye)...`)
    yield* Effect.sleep(Duration.seconds(1))
    const crashedAt = Date.now()
    crashed.add(victim.name)
    yield* victim.crash
    const detected = yield* waitShowing(everyoneSees(victim.name, "dead"), 30_000)
    yield* Console.log(
      detected
        ? `Every survivor marked ${victim.name} dead ${((Date.now() - crashedAt) / 1000).toFixed(1)} s after the crash.`
        : `${victim.name} was not detected within 30 s.`
    )
    yield* Effect.forEach(members.filter((m) => m !== victim), (m) => m.member.leave("2 seconds").pipe(Effect.ignore), {
      concurrency: "unbounded"
    })
    yield* Effect.forEach(members.filter((m) => m !== victim), (m) => m.crash, { discard: true })
    if (!converged || !detected) return yield* Effect.fail(new Error("the demo did not go as expected"))
  })).pipe(Command.withDescription("run a small cluster on loopback, crash a member, watch the others detect it"))

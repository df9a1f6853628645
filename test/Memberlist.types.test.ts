/**
 * The errors each operation can fail with, checked by the compiler (`tsc
 * --noEmit`, which `npm test` runs): every operation names exactly the
 * tagged errors it can really raise, so `catchTag` on one removes it and a
 * tag the operation cannot raise does not compile. The runtime half checks
 * that each error says what a caller needs, in its fields and its message.
 */
import { Duration, Effect, type Layer, Schema } from "effect"
import { describe, expect, expectTypeOf, it } from "vitest"
import type { DiscoveryError } from "../src/Discovery.js"
import * as Memberlist from "../src/Memberlist.js"
import * as SwimConfig from "../src/SwimConfig.js"
import { TransportError } from "../src/Transport.js"

class Ping extends Schema.TaggedClass<Ping>()("Ping", { n: Schema.Number }) {}
type Cluster = Memberlist.Memberlist<Ping>
type ErrorOf<F extends (...args: ReadonlyArray<any>) => Effect.Effect<any, any, any>> = Effect.Effect.Error<ReturnType<F>>

type SendError = ErrorOf<Cluster["send"]>

describe("each operation's error type", () => {
  it("send: UnknownMember | InvalidMessage | MessageTooLarge | TransportFailed, and nothing about joining or leaving", () => {
    expectTypeOf<SendError>().toEqualTypeOf<
      Memberlist.UnknownMember | Memberlist.InvalidMessage | Memberlist.MessageTooLarge | Memberlist.TransportFailed
    >()
    expectTypeOf<Extract<SendError, Memberlist.JoinFailed | Memberlist.LeaveTimeout | Memberlist.NotRunning>>().toBeNever()
  })

  it("catchTag on send removes the tag it handles; a tag send cannot raise does not compile", () => {
    const handled = (cluster: Cluster) =>
      cluster.send("b", new Ping({ n: 1 })).pipe(Effect.catchTag("UnknownMember", (e) => Effect.log(`no ${e.name}`)))
    expectTypeOf<ErrorOf<typeof handled>>().toEqualTypeOf<
      Memberlist.InvalidMessage | Memberlist.MessageTooLarge | Memberlist.TransportFailed
    >()
    const wrongTag = (cluster: Cluster) =>
      // @ts-expect-error send never fails with JoinFailed, so there is no such tag to catch
      cluster.send("b", new Ping({ n: 1 })).pipe(Effect.catchTag("JoinFailed", () => Effect.void))
    expect(typeof wrongTag).toBe("function")
  })

  it("the other operations", () => {
    expectTypeOf<ErrorOf<Cluster["sendReliable"]>>().toEqualTypeOf<
      Memberlist.UnknownMember | Memberlist.InvalidMessage | Memberlist.TransportFailed
    >()
    expectTypeOf<ErrorOf<Cluster["broadcast"]>>().toEqualTypeOf<
      Memberlist.InvalidMessage | Memberlist.MessageTooLarge | Memberlist.NotRunning | Memberlist.InvalidOptions
    >()
    expectTypeOf<ErrorOf<Cluster["updateMetadata"]>>().toEqualTypeOf<Memberlist.MetadataTooLarge | Memberlist.NotRunning>()
    expectTypeOf<ErrorOf<Cluster["join"]>>().toEqualTypeOf<Memberlist.JoinFailed>()
    expectTypeOf<ErrorOf<Cluster["leave"]>>().toEqualTypeOf<Memberlist.LeaveTimeout>()
    for (const read of ["localMember", "members", "allMembers", "events", "receive", "healthScore"] as const) {
      expectTypeOf<Effect.Effect.Error<Cluster[typeof read]>>().toBeNever()
    }
  })

  it("make and layer fail with what starting can: InvalidOptions | JoinFailed | TransportInUse", () => {
    type Start = Memberlist.InvalidOptions | Memberlist.JoinFailed | Memberlist.TransportInUse
    expectTypeOf<Memberlist.StartError>().toEqualTypeOf<Start>()
    expectTypeOf<ErrorOf<typeof Memberlist.make<Ping, unknown>>>().toEqualTypeOf<Start>()
    expectTypeOf<Layer.Layer.Error<ReturnType<typeof Memberlist.layer<unknown, Ping, unknown>>>>().toEqualTypeOf<Start>()
  })

  it("MemberlistError is the union of them all; metadata encoding fails with ParseError | MetadataTooLarge", () => {
    expectTypeOf<Memberlist.MemberlistError>().toEqualTypeOf<
      | Memberlist.InvalidMessage
      | Memberlist.MessageTooLarge
      | Memberlist.MetadataTooLarge
      | Memberlist.UnknownMember
      | Memberlist.NotRunning
      | Memberlist.JoinFailed
      | Memberlist.LeaveTimeout
      | Memberlist.TransportFailed
      | Memberlist.InvalidOptions
      | Memberlist.TransportInUse
    >()
    const Zone = Memberlist.metadata(Schema.Struct({ zone: Schema.String }))
    expectTypeOf<Extract<ErrorOf<typeof Zone.encode>, { _tag: "MetadataTooLarge" }>>().toEqualTypeOf<Memberlist.MetadataTooLarge>()
  })

  it("SwimConfigError is a type as well as a value", () => {
    const field = (error: SwimConfig.SwimConfigError): string => error.field
    expectTypeOf<Layer.Layer.Error<ReturnType<typeof SwimConfig.layer>>>().toEqualTypeOf<SwimConfig.SwimConfigError>()
    expect(field(new SwimConfig.SwimConfigError({ reason: "Missing", field: "name", message: "name is missing" }))).toBe("name")
  })

  it("Received names its sender", () => {
    expectTypeOf<Memberlist.Received<Ping>["sender"]>().toEqualTypeOf<string | undefined>()
  })
})

describe("what each error says", () => {
  const address = { host: "127.0.0.1", port: 7946 }

  it("carries the data a caller acts on, and says it in its message", () => {
    const tooLarge = new Memberlist.MessageTooLarge({ size: 1500, limit: 1400 })
    expect([tooLarge._tag, tooLarge.size, tooLarge.limit]).toEqual(["MessageTooLarge", 1500, 1400])
    expect(tooLarge.message).toMatch(/1500 bytes.*1400.*sendReliable/)
    expect(new Memberlist.MetadataTooLarge({ size: 600, limit: 512 }).message).toMatch(/600 bytes.*512/)
    expect(new Memberlist.UnknownMember({ name: "b" }).message).toBe("no live member named b")
    expect(new Memberlist.NotRunning({ operation: "broadcast" }).message).toMatch(/cannot broadcast/)
    expect(new Memberlist.JoinFailed({ seeds: [address, { host: "::1", port: 1 }] }).message).toBe(
      "none of the 2 seeds answered: 127.0.0.1:7946, [::1]:1"
    )
    expect(new Memberlist.LeaveTimeout({ timeout: Duration.seconds(3) }).message).toMatch(/within 3s/)
    const cause = new TransportError({ reason: "ConnectFailed", message: "cannot connect to 127.0.0.1:7946" })
    const failed = new Memberlist.TransportFailed({ to: address, cause })
    expect([failed.message, failed.cause.reason]).toEqual(["cannot connect to 127.0.0.1:7946", "ConnectFailed"])
    expect(new Memberlist.InvalidOptions({ option: "meta", problem: "600 bytes" }).message).toBe("meta: 600 bytes")
    const inUse = new Memberlist.TransportInUse({ address, member: "a" })
    expect(inUse.message).toMatch(/127\.0\.0\.1:7946.*'a'.*Layer\.fresh\(Transport\.layerNode\)/)
  })

  it("JoinFailed from discovery says discovery failed and keeps its error", () => {
    const discovery = { _tag: "DiscoveryError", reason: "Timeout", message: "dns: no answer" } as unknown as DiscoveryError
    const failed = new Memberlist.JoinFailed({ seeds: [], cause: discovery })
    expect([failed.message, failed.cause]).toEqual(["discovery failed: dns: no answer", discovery])
  })

  it("errors are yieldable and caught by tag", () => {
    const program = Effect.gen(function*() {
      return yield* new Memberlist.UnknownMember({ name: "x" })
    }).pipe(Effect.catchTag("UnknownMember", (e) => Effect.succeed(e.name)))
    expect(Effect.runSync(program)).toBe("x")
  })
})

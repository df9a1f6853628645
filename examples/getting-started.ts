import { Effect, Schema, Stream } from "effect"
import { Discovery, Memberlist, SwimConfig } from "effect-memberlist"

// 1. The messages your services exchange: a Schema union of tagged classes.
class Invalidate extends Schema.TaggedClass<Invalidate>()("Invalidate", { key: Schema.String }) {}
class Hello extends Schema.TaggedClass<Hello>()("Hello", { from: Schema.String }) {}
const Messages = Schema.Union(Invalidate, Hello)

// 2. A service tag for your cluster, typed by those messages.
export class Cluster extends Memberlist.Tag("app/Cluster")<Cluster, typeof Messages.Type>() {}

// 3. The member as one layer: configuration and discovery are swapped one line at a time.
export const ClusterLive = (name: string, port: number, seeds: ReadonlyArray<string>) =>
  Memberlist.layerNode(Cluster, {
    messages: Messages,
    config: SwimConfig.local({ name, bindHost: "127.0.0.1", bindPort: port }),
    // or config: SwimConfig.fromEnv()  (SWIM_NAME, SWIM_BIND_ADDRESS, SWIM_BIND_PORT, ...)
    discovery: Discovery.makeStatic(seeds)
    // or discovery: Discovery.makeDns({ name: "peers.my-ns.svc.cluster.local", port: 7946 })
  })

// 4. Use it: members, events and messages as Streams, send and broadcast.
export const greetEveryone = Effect.gen(function*() {
  const cluster = yield* Cluster
  const me = yield* cluster.localMember
  yield* cluster.broadcast(new Hello({ from: me.name }))
  return yield* cluster.members
})

// `receive` starts listening at once (in the current scope), so nothing sent after it is missed.
// Each message says which member sent it (`sender`) and, for a broadcast, who broadcast it (`origin`).
export const firstGreeting = Effect.gen(function*() {
  const cluster = yield* Cluster
  const messages = yield* cluster.receive
  return Effect.gen(function*() {
    return yield* messages.pipe(Stream.filter(({ message }) => message._tag === "Hello"), Stream.runHead)
  })
})

// Each operation fails only with what can happen to it, as tagged errors: catch one by its tag.
export const invalidateOn = (member: string, key: string) =>
  Effect.gen(function*() {
    const cluster = yield* Cluster
    yield* cluster.sendReliable(member, new Invalidate({ key })).pipe(
      Effect.catchTag("UnknownMember", (error) => Effect.logInfo(`${error.name} is gone: nothing to invalidate`))
    )
  })

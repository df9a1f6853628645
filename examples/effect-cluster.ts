/**
 * An @effect/cluster runner whose health comes from gossip: the wiring of
 * docs/effect-cluster.md, type-checked with the rest of the project. It
 * leaves `SqlClient` to the application (e.g. `PgClient.layer` from
 * @effect/sql-pg), as @effect/cluster's own SQL storages do.
 */
import * as ShardingConfig from "@effect/cluster/ShardingConfig"
import * as SocketRunner from "@effect/cluster/SocketRunner"
import * as SqlMessageStorage from "@effect/cluster/SqlMessageStorage"
import * as SqlRunnerStorage from "@effect/cluster/SqlRunnerStorage"
import { layerClientProtocol, layerSocketServer } from "@effect/platform-node/NodeClusterSocket"
import * as RpcSerialization from "@effect/rpc/RpcSerialization"
import { Layer, Schema } from "effect"
import { Discovery, Memberlist, SwimConfig, Transport } from "effect-memberlist"
import * as Cluster from "effect-memberlist/cluster"

/** The gossip member every runner also is (its messages are unused here). */
export class Gossip extends Memberlist.Tag("app/Gossip")<Gossip, string>() {}

export const GossipLive = Memberlist.layer(Gossip, { messages: Schema.String }).pipe(
  Layer.provide(Transport.layerNode),
  Layer.provide(Discovery.fromEnv()), // SWIM_DNS_NAME=runners.my-ns.svc.cluster.local, or SWIM_JOIN
  Layer.provide(SwimConfig.layerFromEnv()) // SWIM_NAME, SWIM_BIND_PORT, SWIM_ADVERTISE_ADDRESS, ...
)

/** Where this runner's server listens and how often @effect/cluster asks about runners' health. */
export const ShardingLive = ShardingConfig.layerFromEnv({
  // One minute by default: gossip answers at once, so ask often.
  runnerHealthCheckInterval: "2 seconds"
})

export const RunnerLive = SocketRunner.layer.pipe(
  // Health from the membership view, instead of RunnerHealth.layerPing.
  Layer.provide(Cluster.layerRunnerHealth(Gossip)),
  // Every runner drops a dead runner from its ring by itself (see the docs).
  Layer.provide(Cluster.layerRunnerStorage(Gossip)),
  Layer.provide(Layer.orDie(SqlRunnerStorage.layer)),
  Layer.provideMerge(Layer.orDie(SqlMessageStorage.layer)),
  Layer.provide([layerSocketServer, layerClientProtocol]),
  // This runner's address (ShardingConfig.runnerAddress) in its member's metadata.
  Layer.provideMerge(Cluster.layerAdvertise(Gossip)),
  Layer.provide(ShardingLive),
  Layer.provide(RpcSerialization.layerMsgPack),
  Layer.provideMerge(GossipLive)
)

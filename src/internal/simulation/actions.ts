/**
 * Plans a scenario's actions as callbacks on the timeline. An action picks
 * its nodes when it starts, not when planned, so it sees who is running
 * then; it schedules its own end (heal, resume, restart) and marks when
 * its disruption is over, so reconvergence is measured from there.
 *
 * @internal
 */
import type { SimulatedCluster, SimNode } from "./cluster.js"
import type { NodePool } from "./nodePool.js"
import type { Reconvergence } from "./reconvergence.js"
import { type Action, formatAction } from "./scenario.js"
import { nodeName, seedNode } from "./setup.js"
import type { Timeline } from "./timeline.js"

/** What the actions act on. */
export interface ActionContext {
  readonly cluster: SimulatedCluster
  readonly timeline: Timeline
  readonly pool: NodePool
  readonly reconvergence: Reconvergence
  /** Nodes started by the join storm: a rolling restart of `count` 0 restarts all of them but the seed. */
  readonly nodes: number
  /** The network's own loss, restored when a `Loss` action ends. */
  readonly baseLoss: number
}

/** Schedules every action on the timeline, in scenario order (the order of same-time callbacks). */
export const planActions = (actions: ReadonlyArray<Action>, ctx: ActionContext): void => {
  for (const a of actions) planAction(a, ctx)
}

type Of<Tag extends Action["_tag"]> = Extract<Action, { readonly _tag: Tag }>

const planAction = (a: Action, ctx: ActionContext): void => {
  switch (a._tag) {
    case "Kill":
      return planDeparture(a, ctx, (name) => ctx.cluster.kill(name))
    case "Leave":
      return planDeparture(a, ctx, (name) => ctx.cluster.leave(name))
    case "Join":
      return planJoin(a, ctx)
    case "RollingRestart":
      return planRollingRestart(a, ctx)
    case "Partition":
      return planPartition(a, ctx)
    case "Flap":
      return planFlap(a, ctx)
    case "Loss":
      return planLoss(a, ctx)
    case "AsymmetricLoss":
      return planAsymmetricLoss(a, ctx)
    case "Pause":
      return planPause(a, ctx)
    case "Relocate":
      return planRelocate(a, ctx)
  }
}

/** Marks the end of a disruption now. */
const mark = (ctx: ActionContext, label: string): void => ctx.reconvergence.mark(label, ctx.cluster.now)

/** Kill or leave: `count` nodes go for good, so they stay held (never picked again). */
const planDeparture = (a: Of<"Kill"> | Of<"Leave">, ctx: ActionContext, stop: (name: string) => void): void =>
  ctx.timeline.at(a.at, () => {
    for (const i of ctx.pool.choose(a.count)) stop(nodeName(i))
    mark(ctx, formatAction(a))
  })

const planJoin = (a: Of<"Join">, ctx: ActionContext): void =>
  ctx.timeline.at(a.at, () => {
    for (let k = 0; k < a.count; k++) ctx.cluster.start(nodeName(ctx.pool.nextJoiner()), [seedNode])
    mark(ctx, formatAction(a))
  })

/** Each picked node is killed `every` ms after the previous one and restarted `downtime` ms after its kill. */
const planRollingRestart = (a: Of<"RollingRestart">, ctx: ActionContext): void => {
  const label = formatAction(a)
  const count = a.count === 0 ? ctx.nodes - 1 : a.count
  ctx.timeline.at(a.at, () => {
    ctx.pool.choose(count).forEach((i, k) => {
      const name = nodeName(i)
      ctx.timeline.at(a.at + k * a.every, () => ctx.cluster.kill(name))
      ctx.timeline.at(a.at + k * a.every + a.downtime, () => {
        ctx.cluster.restart(name, [seedNode])
        ctx.pool.release([i])
        mark(ctx, `${label} (${name} back)`)
      })
    })
  })
}

/** A share of the nodes is cut off; a partition of duration 0 never heals and so is never marked. */
const planPartition = (a: Of<"Partition">, ctx: ActionContext): void => {
  const { cluster, pool, timeline } = ctx
  timeline.at(a.at, () => {
    const side = pool.choose(Math.max(1, Math.round(ctx.nodes * a.fraction)))
    cluster.partition([side.map(nodeName)])
    if (a.duration > 0) {
      timeline.at(a.at + a.duration, () => {
        cluster.heal()
        if (a.rejoin) {
          for (const i of side) if ((cluster.list[i] as SimNode).running) cluster.join(nodeName(i), [seedNode])
        }
        pool.release(side)
        mark(ctx, `${formatAction(a)} (healed)`)
      })
    }
  })
}

/** `count` links between picked pairs go down and up every half period; all are up again at the end. */
const planFlap = (a: Of<"Flap">, ctx: ActionContext): void => {
  const { cluster, pool, timeline } = ctx
  timeline.at(a.at, () => {
    const ends = pool.choose(2 * a.count)
    const pairs: Array<readonly [string, string]> = []
    for (let k = 0; k + 1 < ends.length; k += 2) pairs.push([nodeName(ends[k] as number), nodeName(ends[k + 1] as number)])
    const setBlocked = (blocked: boolean) => {
      for (const [x, y] of pairs) cluster.setLinkBlocked(x, y, blocked)
    }
    const half = a.period / 2
    for (let t = 0, cut = true; t < a.duration; t += half, cut = !cut) {
      const blocked = cut
      timeline.at(a.at + t, () => setBlocked(blocked))
    }
    timeline.at(a.at + a.duration, () => {
      setBlocked(false)
      pool.release(ends)
      mark(ctx, `${formatAction(a)} (steady)`)
    })
  })
}

/** Uniform loss, marked when it starts and when it is back to the network's own. */
const planLoss = (a: Of<"Loss">, ctx: ActionContext): void => {
  const label = formatAction(a)
  ctx.timeline.at(a.at, () => {
    ctx.cluster.setLoss(a.loss)
    mark(ctx, label)
  })
  if (a.duration > 0) {
    ctx.timeline.at(a.at + a.duration, () => {
      ctx.cluster.setLoss(ctx.baseLoss)
      mark(ctx, `${label} (over)`)
    })
  }
}

/** Loss one way at picked nodes, marked when it starts and when it is over. */
const planAsymmetricLoss = (a: Of<"AsymmetricLoss">, ctx: ActionContext): void => {
  const { cluster, pool, timeline } = ctx
  const label = formatAction(a)
  timeline.at(a.at, () => {
    const chosen = pool.choose(a.count)
    for (const i of chosen) cluster.setNodeLoss(nodeName(i), { [a.direction]: a.loss })
    mark(ctx, label)
    if (a.duration > 0) {
      timeline.at(a.at + a.duration, () => {
        for (const i of chosen) cluster.setNodeLoss(nodeName(i), { [a.direction]: 0 })
        pool.release(chosen)
        mark(ctx, `${label} (over)`)
      })
    }
  })
}

/**
 * `count` nodes picked at `at` go through `begin` one by one and, `duration`
 * later, through `end`; then they are free again and the end is marked.
 */
const planSpell = (
  a: { readonly at: number; readonly count: number },
  ctx: ActionContext,
  duration: number,
  begin: (name: string) => void,
  end: (name: string) => void,
  label: string
): void => {
  const { pool, timeline } = ctx
  timeline.at(a.at, () => {
    const chosen = pool.choose(a.count)
    for (const i of chosen) begin(nodeName(i))
    timeline.at(a.at + duration, () => {
      for (const i of chosen) end(nodeName(i))
      pool.release(chosen)
      mark(ctx, label)
    })
  })
}

const planPause = (a: Of<"Pause">, ctx: ActionContext): void =>
  planSpell(a, ctx, a.duration, (name) => ctx.cluster.pause(name), (name) => ctx.cluster.resume(name, a.order), `${formatAction(a)} (resumed)`)

/** The picked nodes crash together and come back `downtime` later, each under its name at a new address. */
const planRelocate = (a: Of<"Relocate">, ctx: ActionContext): void =>
  planSpell(a, ctx, a.downtime, (name) => ctx.cluster.kill(name), (name) => {
    ctx.cluster.relocate(name, [seedNode])
  }, `${formatAction(a)} (back)`)

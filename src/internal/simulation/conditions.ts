/**
 * The simulated network's conditions beyond its model: loss per node
 * (egress, ingress) and per link, partitions into groups, blocked links, and
 * each sender's upload bandwidth, which makes packets queue behind each
 * other. Nodes are known by their index.
 *
 * @internal
 */
import type { NetworkModel } from "./model.js"

const linkKey = (from: number, to: number): number => from * 65536 + to

/** Loss, cuts and bandwidth, by node index. */
export class NetworkConditions {
  private egressLoss: Array<number> = []
  private ingressLoss: Array<number> = []
  private anyNodeLoss = false
  private readonly linkLoss = new Map<number, number>()
  private readonly group: Array<number> = []
  private partitioned = false
  private readonly blockedLinks = new Set<number>()
  private readonly bandwidth: Array<number> = []
  private readonly txFreeAt: Array<number> = []
  private anyBandwidth = false

  constructor(private readonly maxQueueDelay: number) {}

  /** Makes room for one more node. */
  addNode(): void {
    this.egressLoss.push(0)
    this.ingressLoss.push(0)
    this.group.push(0)
    this.bandwidth.push(Infinity)
    this.txFreeAt.push(0)
  }

  /** Loss of what node `i` sends (egress) and receives (ingress). */
  setNodeLoss(i: number, loss: { readonly egress?: number | undefined; readonly ingress?: number | undefined }): void {
    if (loss.egress !== undefined) this.egressLoss[i] = loss.egress
    if (loss.ingress !== undefined) this.ingressLoss[i] = loss.ingress
    this.anyNodeLoss = this.egressLoss.some((p) => p > 0) || this.ingressLoss.some((p) => p > 0)
  }

  /** Loss on the link from `from` to `to` (0 removes it). */
  setLinkLoss(from: number, to: number, loss: number): void {
    const key = linkKey(from, to)
    if (loss > 0) this.linkLoss.set(key, loss)
    else this.linkLoss.delete(key)
  }

  /** Puts each listed node in its group (1, 2, ...); the rest form group 0. */
  partition(groups: ReadonlyArray<ReadonlyArray<number>>): void {
    this.group.fill(0)
    groups.forEach((members, g) => {
      for (const i of members) this.group[i] = g + 1
    })
    this.partitioned = groups.length > 0
  }

  /** Whether a partition is in force. */
  get isPartitioned(): boolean {
    return this.partitioned
  }

  /** Ends every partition. */
  heal(): void {
    this.group.fill(0)
    this.partitioned = false
  }

  /** Cuts or restores the link `a`-`b`, both ways unless `oneWay`. */
  setLinkBlocked(a: number, b: number, blocked: boolean, oneWay: boolean): void {
    const keys = oneWay ? [linkKey(a, b)] : [linkKey(a, b), linkKey(b, a)]
    for (const k of keys) {
      if (blocked) this.blockedLinks.add(k)
      else this.blockedLinks.delete(k)
    }
  }

  /** Node `i`'s upload bandwidth in bytes per second (Infinity: unlimited). */
  setBandwidth(i: number, bytesPerSecond: number): void {
    this.bandwidth[i] = bytesPerSecond
    this.anyBandwidth = this.bandwidth.some((b) => Number.isFinite(b))
  }

  /** Whether anything at all limits bandwidth. */
  get bandwidthLimited(): boolean {
    return this.anyBandwidth
  }

  /** Whether `from` can reach `to` (by index and name) under `model`. */
  reachable(from: number, to: number, fromName: string, toName: string, model: NetworkModel): boolean {
    if (this.partitioned && this.group[from] !== this.group[to]) return false
    if (this.blockedLinks.size > 0 && this.blockedLinks.has(linkKey(from, to))) return false
    return model.blocked === undefined || !model.blocked(fromName, toName)
  }

  /** The probability a packet from `from` to `to` is lost, with the model's uniform `loss`. */
  lossBetween(from: number, to: number, loss: number): number {
    let keep = 1 - loss
    if (this.anyNodeLoss) keep *= (1 - (this.egressLoss[from] as number)) * (1 - (this.ingressLoss[to] as number))
    if (this.linkLoss.size > 0) {
      const p = this.linkLoss.get(linkKey(from, to))
      if (p !== undefined) keep *= 1 - p
    }
    return 1 - keep
  }

  /** When `bytes` sent by node `i` at `now` leave its link, or undefined when its queue is too long. */
  departure(i: number, bytes: number, now: number): number | undefined {
    if (!this.anyBandwidth) return now
    const bw = this.bandwidth[i] as number
    if (!Number.isFinite(bw)) return now
    const start = Math.max(now, this.txFreeAt[i] as number)
    if (start - now > this.maxQueueDelay) return undefined
    const done = start + (bytes * 1000) / bw
    this.txFreeAt[i] = done
    return done
  }
}

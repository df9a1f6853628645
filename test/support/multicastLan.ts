/**
 * A LAN for the multicast discovery test, built only of network namespaces
 * this code creates (names start with `emdisc-`, so leftovers of a crashed
 * run are found and removed first):
 *
 *   emdisc-br   holds the bridge br0, multicast snooping off so it floods
 *               group traffic to every port, as a plain switch does.
 *   emdisc-mI   one per member, eth0 = 10.214.7.(10+I)/24 on br0, with a
 *               route for 224.0.0.0/4 out of eth0 (a namespace has none).
 *
 * Nothing is created in the root namespace: each veth is made inside
 * emdisc-br with its peer placed straight into the member's namespace, and
 * deleting the namespaces removes their links with them.
 */
import { execFileSync } from "node:child_process"

const prefix = "emdisc-"
const bridgeNs = `${prefix}br`
export const memberNs = (i: number) => `${prefix}m${i}`
export const memberIp = (i: number) => `10.214.7.${10 + i}`

const ip = (args: ReadonlyArray<string>): string =>
  execFileSync("ip", args, { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "pipe"] })
const ipIn = (ns: string, ...args: Array<string>) => ip(["netns", "exec", ns, "ip", ...args])

const ours = (): Array<string> =>
  ip(["netns", "list"]).split("\n").map((line) => line.split(" ")[0] ?? "").filter((n) => n.startsWith(prefix))

/** Kills what still runs in our namespaces (only processes started there), then deletes them. */
export const destroy = (): void => {
  for (const ns of ours()) {
    try {
      for (const pid of ip(["netns", "pids", ns]).split("\n").map((p) => Number(p.trim())).filter((p) => p > 0)) {
        try {
          process.kill(pid, "SIGKILL")
        } catch {
          // already gone
        }
      }
      ip(["netns", "del", ns])
    } catch {
      // reported below
    }
  }
  const left = ours()
  if (left.length > 0) throw new Error(`multicast LAN: could not remove namespaces ${left.join(", ")}`)
}

/** Builds the LAN for `count` members; fails with one line when namespaces cannot be made (not root). */
export const create = (count: number): void => {
  try {
    destroy()
    ip(["netns", "add", bridgeNs])
  } catch (error) {
    throw new Error(
      `multicast LAN: cannot create network namespaces (${String((error as { stderr?: unknown }).stderr ?? error).trim()}); this test needs root and iproute2`
    )
  }
  ipIn(bridgeNs, "link", "set", "lo", "up")
  ipIn(bridgeNs, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0", "mcast_snooping", "0")
  ipIn(bridgeNs, "link", "set", "br0", "up")
  for (let i = 0; i < count; i++) {
    const ns = memberNs(i)
    ip(["netns", "add", ns])
    ipIn(bridgeNs, "link", "add", `v${i}`, "type", "veth", "peer", "name", "eth0", "netns", ns)
    ipIn(bridgeNs, "link", "set", `v${i}`, "master", "br0")
    ipIn(bridgeNs, "link", "set", `v${i}`, "up")
    ipIn(ns, "link", "set", "lo", "up")
    ipIn(ns, "addr", "add", `${memberIp(i)}/24`, "dev", "eth0")
    ipIn(ns, "link", "set", "eth0", "up")
    ipIn(ns, "route", "add", "224.0.0.0/4", "dev", "eth0")
  }
}

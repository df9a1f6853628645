/**
 * The network of the host fault suite, built only of network namespaces this
 * code creates (every name starts with the network's prefix, `emlh-` for the
 * suite, so leftovers of a crashed run are recognised and removed first):
 *
 *   PREFIXbr  a namespace holding two bridges, br0 and br1, joined by the
 *             veth pair t0 (on br0) / t1 (on br1): `setTrunk(false)` splits them.
 *   PREFIXmI  one namespace per member, with eth0 = SUBNET.(10+I)/24, whose
 *             veth peer vI sits on br0 (I < half) or br1 (the others).
 *
 * Nothing is created in the root namespace (each veth is made inside the
 * bridge namespace with its peer placed straight into the member's namespace),
 * no route leads out of the /24, and `destroy()` deletes the namespaces, which
 * removes their veths and bridges with them.
 *
 * `network({ prefix, subnet })` builds another such network, so that a second
 * run (bench/hostsGo.ts, Go peers: `emlg-`, 10.215.0) can share the machine
 * with the suite; the module's own exports are the suite's network.
 */
import { execFileSync } from "node:child_process"

const run = (args: ReadonlyArray<string>): string =>
  execFileSync("ip", args, { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "pipe"] })

/** `ip` inside a namespace. */
export const ipIn = (ns: string, ...args: Array<string>): string => run(["netns", "exec", ns, "ip", ...args])

/** Where a network's namespaces and addresses live. */
export interface NetworkOptions {
  /** Start of every namespace name; also how leftovers are found. */
  readonly prefix: string
  /** The first three octets of the /24, e.g. "10.213.0". */
  readonly subnet: string
}

/** One network of namespaces: see the module comment. */
export interface Network {
  readonly prefix: string
  readonly bridgeNs: string
  readonly memberNs: (i: number) => string
  readonly memberIp: (i: number) => string
  /** Fails with one line when this process may not manage network namespaces (not root, no iproute2). */
  readonly checkPermitted: () => void
  /** Our namespaces that exist now (from this run or a crashed one). */
  readonly ourNamespaces: () => Array<string>
  /** Kills what still runs inside our namespaces (only processes we started there), then deletes them. */
  readonly destroy: () => void
  /** Builds the network for `count` members, the first `half` on br0 and the rest on br1. */
  readonly create: (count: number, half: number) => void
  /** Member i's link on the bridge side (the host's cable): up or down. */
  readonly setBridgeLink: (i: number, up: boolean) => string
  /** Member i's own interface, inside its namespace: up or down. */
  readonly setOwnLink: (i: number, up: boolean) => string
  /** The link between the two bridges: down splits the members in two halves. */
  readonly setTrunk: (up: boolean) => string
}

/** A network with its own namespace prefix and subnet. */
export const network = ({ prefix, subnet }: NetworkOptions): Network => {
  const bridgeNs = `${prefix}br`
  const memberNs = (i: number) => `${prefix}m${i}`
  const memberIp = (i: number) => `${subnet}.${10 + i}`

  const checkPermitted = (): void => {
    try {
      execFileSync("ip", ["-V"], { stdio: "ignore", timeout: 5_000 })
    } catch {
      throw new Error("host fault suite: `ip` (iproute2) is not installed; run scripts/test-deps.sh as root (apt-get install iproute2)")
    }
    const probe = `${prefix}permcheck`
    try {
      run(["netns", "add", probe])
    } catch (error) {
      throw new Error(
        `host fault suite: cannot create network namespaces (\`ip netns add\` failed: ${String((error as { stderr?: unknown }).stderr ?? error).trim()}); these tests need root`
      )
    } finally {
      try {
        run(["netns", "del", probe])
      } catch {
        // it was not created
      }
    }
  }

  const ourNamespaces = (): Array<string> =>
    run(["netns", "list"]).split("\n").map((line) => line.split(" ")[0] ?? "").filter((n) => n.startsWith(prefix))

  const destroy = (): void => {
    for (const ns of ourNamespaces()) {
      try {
        const pids = run(["netns", "pids", ns]).split("\n").map((p) => Number(p.trim())).filter((p) => p > 0)
        for (const pid of pids) {
          try {
            process.kill(pid, "SIGKILL")
          } catch {
            // already gone
          }
        }
      } catch {
        // no pids
      }
      try {
        run(["netns", "del", ns])
      } catch {
        // best effort: report below
      }
    }
    const left = ourNamespaces()
    if (left.length > 0) throw new Error(`host fault suite: could not remove namespaces ${left.join(", ")}`)
  }

  const create = (count: number, half: number): void => {
    destroy()
    run(["netns", "add", bridgeNs])
    ipIn(bridgeNs, "link", "set", "lo", "up")
    for (const br of ["br0", "br1"]) {
      ipIn(bridgeNs, "link", "add", br, "type", "bridge")
      // No STP and no forwarding delay: a port is usable as soon as it is up.
      ipIn(bridgeNs, "link", "set", br, "type", "bridge", "stp_state", "0", "forward_delay", "0")
      ipIn(bridgeNs, "link", "set", br, "up")
    }
    ipIn(bridgeNs, "link", "add", "t0", "type", "veth", "peer", "name", "t1")
    ipIn(bridgeNs, "link", "set", "t0", "master", "br0")
    ipIn(bridgeNs, "link", "set", "t1", "master", "br1")
    ipIn(bridgeNs, "link", "set", "t0", "up")
    ipIn(bridgeNs, "link", "set", "t1", "up")
    for (let i = 0; i < count; i++) {
      const ns = memberNs(i)
      run(["netns", "add", ns])
      ipIn(bridgeNs, "link", "add", `v${i}`, "type", "veth", "peer", "name", "eth0", "netns", ns)
      ipIn(bridgeNs, "link", "set", `v${i}`, "master", i < half ? "br0" : "br1")
      ipIn(bridgeNs, "link", "set", `v${i}`, "up")
      ipIn(ns, "link", "set", "lo", "up")
      ipIn(ns, "addr", "add", `${memberIp(i)}/24`, "dev", "eth0")
      ipIn(ns, "link", "set", "eth0", "up")
    }
  }

  return {
    prefix,
    bridgeNs,
    memberNs,
    memberIp,
    checkPermitted,
    ourNamespaces,
    destroy,
    create,
    setBridgeLink: (i, up) => ipIn(bridgeNs, "link", "set", `v${i}`, up ? "up" : "down"),
    setOwnLink: (i, up) => ipIn(memberNs(i), "link", "set", "eth0", up ? "up" : "down"),
    setTrunk: (up) => ipIn(bridgeNs, "link", "set", "t0", up ? "up" : "down")
  }
}

/** The host fault suite's network: `emlh-`, 10.213.0.0/24. */
export const suite = network({ prefix: "emlh-", subnet: "10.213.0" })

export const {
  bridgeNs,
  checkPermitted,
  create,
  destroy,
  memberIp,
  memberNs,
  ourNamespaces,
  prefix,
  setBridgeLink,
  setOwnLink,
  setTrunk
} = suite

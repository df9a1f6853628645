/**
 * Which address to tell others when the member is bound to every interface
 * (`0.0.0.0` or `::`) and no advertise address was configured. Like
 * memberlist, prefer a private IPv4 address of a real interface; loopback
 * only when there is nothing else.
 *
 * @internal
 */
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os"
import type { SwimConfigShape } from "../../SwimConfig.js"
import type { Address } from "../../Transport.js"

const isPrivateV4 = (ip: string): boolean => {
  const [a, b] = ip.split(".").map(Number) as [number, number]
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)
}

/** The host to advertise for a member bound to `bindHost`. */
export const advertiseHostFor = (
  bindHost: string,
  interfaces?: NodeJS.Dict<Array<NetworkInterfaceInfo>>
): string => {
  if (bindHost !== "0.0.0.0" && bindHost !== "::") return bindHost
  // Asked only here: listing the interfaces is a system call per member start.
  const external = Object.values(interfaces ?? networkInterfaces()).flatMap((list) => list ?? []).filter((i) => !i.internal)
  const v4 = external.filter((i) => i.family === "IPv4").map((i) => i.address)
  const v6 = external.filter((i) => i.family === "IPv6" && !i.address.startsWith("fe80")).map((i) => i.address)
  const chosen = v4.find(isPrivateV4) ?? v4[0] ?? (bindHost === "::" ? v6[0] : undefined)
  return chosen ?? (bindHost === "::" && v4.length === 0 && v6.length === 0 ? "::1" : "127.0.0.1")
}

/**
 * The address a member tells others: the configured advertise host and port,
 * else those of its bound transport (see `advertiseHostFor`). Discovery
 * sources that publish this member (multicast, a key-value store) use it too,
 * so they announce exactly the address the member gossips.
 */
export const advertisedAddress = (
  config: Pick<SwimConfigShape, "advertiseHost" | "advertisePort">,
  bound: Address
): Address => ({
  host: config.advertiseHost ?? advertiseHostFor(bound.host),
  port: config.advertisePort ?? bound.port
})

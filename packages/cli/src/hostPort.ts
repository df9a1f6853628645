/**
 * Parses the `HOST:PORT` arguments of the command line (`[v6]:port` for IPv6).
 *
 * @internal
 */
import { Either } from "effect"
import { isIP } from "node:net"
import type { Address } from "effect-memberlist/Transport"

/** `HOST:PORT` to an address, or why not. */
export const parseHostPort = (text: string): Either.Either<Address, string> => {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text)
  const plain = /^([^:]+):(\d+)$/.exec(text)
  const match = bracketed ?? plain
  if (match === null) return Either.left(`"${text}" is not HOST:PORT (use [v6]:PORT for IPv6)`)
  const host = match[1] as string
  const port = Number(match[2])
  if (isIP(host) === 0) return Either.left(`"${host}" is not an IP address`)
  if (!Number.isInteger(port) || port < 0 || port > 65535) return Either.left(`port ${match[2]} is out of range`)
  return Either.right({ host, port })
}

/**
 * The order of a transport's binds, apart from the sockets themselves: TCP
 * first (with port 0 it is the one that picks the port), then UDP on the
 * port TCP got. When UDP fails after TCP succeeded, that server is closed
 * before another port is tried, and only a port we picked may be replaced:
 * a configured port is the user's to fix. Callbacks only (see `node.ts`).
 *
 * @internal
 */
import type { TransportError } from "./error.js"

/** How many times a free TCP port may turn out to be taken for UDP before we give up. */
export const portZeroAttempts = 5

/** How one attempt opens and undoes each socket. */
export interface Openers<S, U> {
  readonly server: (port: number, done: (result: S | TransportError) => void) => void
  /** The port a listening server got. */
  readonly portOf: (server: S) => number
  readonly udp: (port: number, done: (result: U | TransportError) => void) => void
  /** Closes the server of a failed attempt (and only it: nothing it accepted is the transport's yet). */
  readonly closeServer: (server: S, done: () => void) => void
  readonly isError: (result: unknown) => result is TransportError
}

/** Both sockets, bound on one port. */
export interface Pair<S, U> {
  readonly server: S
  readonly udp: U
  readonly port: number
}

const isAddressInUse = (error: TransportError): boolean =>
  typeof error.cause === "object" && error.cause !== null && (error.cause as { code?: unknown }).code === "EADDRINUSE"

/** Binds both sockets on `port` (0: one we pick), and calls `done` once with both or the error. */
export const bindPair = <S, U>(
  open: Openers<S, U>,
  port: number,
  done: (result: Pair<S, U> | TransportError) => void,
  attemptsLeft = portZeroAttempts
): void =>
  open.server(port, (server) => {
    if (open.isError(server)) return done(server)
    const actual = open.portOf(server)
    open.udp(actual, (udp) => {
      if (!open.isError(udp)) return done({ server, udp, port: actual })
      open.closeServer(server, () => {
        if (port === 0 && isAddressInUse(udp) && attemptsLeft > 1) bindPair(open, 0, done, attemptsLeft - 1)
        else done(udp)
      })
    })
  })

/**
 * The stream half of the Node transport: one listening `node:net` server and
 * the set of sockets it must destroy on shutdown.
 *
 * @internal
 */
import * as Net from "node:net"
import * as Errors from "./error.js"

/**
 * Every open socket of one transport, accepted or dialled, so that closing
 * the transport closes them all: a server's own close waits for its
 * connections, and a dialled socket left open would outlive the member.
 */
export class SocketSet {
  private readonly sockets = new Set<Net.Socket>()
  private closed = false

  /** Adds a socket; once the transport closed, destroys it instead. */
  add(socket: Net.Socket): void {
    if (this.closed) {
      socket.destroy()
      return
    }
    this.sockets.add(socket)
    socket.once("close", () => this.sockets.delete(socket))
  }

  /** Destroys every socket and refuses new ones. */
  destroyAll(): void {
    this.closed = true
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
  }

  /** How many sockets are open (for tests and diagnostics). */
  get size(): number {
    return this.sockets.size
  }
}

/**
 * Listens on `host:port` (0 picks a free port), passes each accepted socket
 * to `accept`, and calls `done` once: with the listening server, or with a
 * `BindFailed` (the "error" event is raced with `listen`, so a busy port is
 * an error, not an exception). Callbacks only: the transport binds both of
 * its sockets with no effect per step (see `node.ts`).
 */
export const openServer = (
  options: {
    readonly host: string
    readonly port: number
    readonly sockets: SocketSet
    readonly accept: (socket: Net.Socket) => void
  },
  done: (result: Net.Server | Errors.TransportError) => void
): void => {
  const server = Net.createServer((socket) => {
    options.sockets.add(socket)
    options.accept(socket)
  })
  const onListenError = (cause: Error) => {
    server.close()
    done(Errors.bindFailed({ host: options.host, port: options.port }, cause))
  }
  server.once("error", onListenError)
  // exclusive: never share the port with a cluster primary; we own it.
  server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
    server.off("error", onListenError)
    // Accept errors (EMFILE, ...) must not crash the process; the next accept may succeed.
    server.on("error", () => {})
    done(server)
  })
}

/**
 * Stops listening, destroys every socket in `sockets` (a server's own close
 * waits for its connections), and calls `done` once the server closed, so
 * the port is free by then.
 */
export const closeServer = (server: Net.Server, sockets: SocketSet, done: () => void): void => {
  sockets.destroyAll()
  server.close(() => done())
}

/** The port a listening server got (the real one when 0 was asked for). */
export const boundPort = (server: Net.Server): number => {
  const address = server.address()
  return address !== null && typeof address === "object" ? address.port : 0
}

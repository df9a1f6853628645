/**
 * A `Connection` over a `node:net` socket, and opening one with a timeout.
 *
 * We wrap `node:net` directly rather than `@effect/platform`'s `Socket`: ours
 * is a pull interface (`read` returns the next chunk), platform's is push
 * (`run(handler)`), so adapting it would need a queue and a fiber per
 * connection anyway, and pausing the socket when the reader falls behind is
 * one call here.
 *
 * @internal
 */
import { Effect } from "effect"
import * as Net from "node:net"
import type { Address, Connection } from "../../Transport.js"
import { normalizeHost } from "./address.js"
import * as Errors from "./error.js"
import * as ChunkSource from "./chunkSource.js"
import { Inbox } from "./inbox.js"

/** A zero-copy `Uint8Array` view of a Buffer, so readers never depend on Buffer's own methods. */
export const toBytes = (buffer: Buffer): Uint8Array => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)

/** The remote address of a connected socket, with IPv4-mapped IPv6 turned back into IPv4. */
export const remoteOf = (socket: Net.Socket, fallback: Address): Address =>
  socket.remoteAddress !== undefined && socket.remotePort !== undefined
    ? { host: normalizeHost(socket.remoteAddress), port: socket.remotePort }
    : fallback

/**
 * Wraps a connected socket. Listeners are attached at once so that no data,
 * end or error event is missed between accepting and the first read.
 */
export const fromSocket = (socket: Net.Socket, remote: Address): Connection => {
  let closedHere = false
  const inbox = new Inbox({ pause: () => socket.pause(), resume: () => socket.resume() })
  // Go's net package sets TCP_NODELAY by default; push/pull replies should not wait for Nagle.
  socket.setNoDelay(true)
  socket.on("data", (chunk: Buffer) => inbox.push(toBytes(chunk)))
  socket.on("end", () => inbox.finish())
  socket.on("error", (cause) => inbox.fail(() => Errors.streamFailed(remote, cause)))
  // A close without end or error was ours (close or transport shutdown): reads say so.
  socket.on("close", () => inbox.fail(() => Errors.closed(`stream with ${remote.host}:${remote.port}`)))

  const write = (bytes: Uint8Array): Effect.Effect<void, Errors.TransportError> =>
    Effect.async<void, Errors.TransportError>((resume) => {
      if (closedHere) {
        resume(Effect.fail(Errors.closed(`stream with ${remote.host}:${remote.port}`)))
        return
      }
      if (socket.destroyed || !socket.writable) {
        // Without half-open support, the peer's FIN also ended our side.
        resume(Effect.fail(Errors.streamFailed(remote, "the stream is no longer writable")))
        return
      }
      let settled = false
      const settle = (effect: Effect.Effect<void, Errors.TransportError>) => {
        if (settled) return
        settled = true
        socket.off("close", onClose)
        resume(effect)
      }
      // A destroyed socket may drop the write callback; the close event settles it then.
      const onClose = () => settle(Effect.fail(Errors.streamFailed(remote, "the stream closed during a write")))
      socket.once("close", onClose)
      socket.write(bytes, (err) => settle(err ? Effect.fail(Errors.streamFailed(remote, err)) : Effect.void))
    })

  const closeNow = () => {
    closedHere = true
    inbox.abort(() => Errors.closed(`stream with ${remote.host}:${remote.port}`))
    // destroySoon sends FIN after anything still queued for writing (writes
    // normally finished already, as `write` waits for them), then frees the socket.
    if (!socket.destroyed) socket.destroySoon()
  }
  const answerAndClose = (bytes: Uint8Array | undefined) => {
    // A failing write surfaces as the socket's error event, which the listeners above take.
    if (bytes !== undefined && !closedHere && !socket.destroyed && socket.writable) socket.write(bytes)
    closeNow()
  }

  // A failing write surfaces as the socket's error event, and so as the next read's failure.
  const writeNow = (bytes: Uint8Array) => {
    if (!closedHere && !socket.destroyed && socket.writable) socket.write(bytes)
  }

  return ChunkSource.attach(
    { remote, read: inbox.read, write, close: Effect.sync(closeNow) },
    { poll: () => inbox.poll(), wait: (ready) => inbox.wait(ready), writeNow, answerAndClose }
  )
}

/**
 * Opens a stream to `to` and calls `done` once, with the connection or why
 * there is none, unless the function returned is called first (it destroys
 * the half-open socket). The raw socket is handed to `track` before it
 * connects so the transport can destroy it on shutdown. `deadlineMillis`,
 * when given, is a Node timer that fails the connect with a timeout (for
 * Effect's own clock only). The Connection is built in the connect callback
 * itself, so an error event is never left without a listener (which would
 * crash the process).
 */
export const connectNow = (
  to: Address,
  track: (socket: Net.Socket) => void,
  deadlineMillis: number | undefined,
  done: (outcome: Connection | Errors.TransportError) => void
): () => void => {
  const socket = Net.connect({ host: to.host, port: to.port })
  let deadline: ReturnType<typeof setTimeout> | undefined = undefined
  let settled = false
  const settle = (outcome: Connection | Errors.TransportError) => {
    if (settled) return
    settled = true
    if (deadline !== undefined) clearTimeout(deadline)
    done(outcome)
  }
  const onError = (cause: Error) => {
    socket.off("close", onClose)
    socket.destroy()
    settle(Errors.connectFailed(to, cause))
  }
  // Destroyed before connecting without an error: the transport shut down meanwhile.
  const onClose = () => {
    socket.off("error", onError)
    settle(Errors.connectFailed(to, "the transport closed"))
  }
  socket.once("error", onError)
  socket.once("close", onClose)
  socket.once("connect", () => {
    socket.off("error", onError)
    socket.off("close", onClose)
    settle(fromSocket(socket, to))
  })
  if (deadlineMillis !== undefined) {
    deadline = setTimeout(() => {
      socket.off("error", onError)
      socket.off("close", onClose)
      socket.removeAllListeners("connect")
      // A socket destroyed without an error emits no error event, so none is left unheard.
      socket.destroy()
      settle(Errors.connectTimeout(to, deadlineMillis))
    }, deadlineMillis)
  }
  track(socket)
  return () => {
    if (settled) return
    settled = true
    if (deadline !== undefined) clearTimeout(deadline)
    socket.destroy()
  }
}

/** `connectNow` as an Effect; interrupting it (an Effect timeout does) destroys the half-open socket. */
export const connectSocket = (
  to: Address,
  track: (socket: Net.Socket) => void,
  deadlineMillis?: number
): Effect.Effect<Connection, Errors.TransportError> =>
  Effect.async<Connection, Errors.TransportError>((resume) => {
    const stop = connectNow(to, track, deadlineMillis, (outcome) =>
      resume(outcome instanceof Errors.TransportError ? Effect.fail(outcome) : Effect.succeed(outcome)))
    return Effect.sync(stop)
  })

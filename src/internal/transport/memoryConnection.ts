/**
 * Two connected in-memory stream ends with the Node semantics: ordered
 * chunks, EOF after the peer closes, `StreamFailed` when the network breaks
 * the pair, `Closed` after closing our own end.
 *
 * @internal
 */
import { Effect } from "effect"
import type { Address, Connection } from "../../Transport.js"
import { formatAddress } from "../swim/messages.js"
import * as Errors from "./error.js"
import type { TransportError } from "./error.js"
import * as ChunkSource from "./chunkSource.js"
import { Inbox } from "./inbox.js"

interface End {
  readonly inbox: Inbox
  closed: boolean
}

/** A connected pair, as the network sees it (to break it on a fault). */
export interface MemoryPair {
  /** Address of the dialling side. */
  readonly client: Address
  /** Address of the accepting side. */
  readonly server: Address
  /** The dialling side's Connection. */
  readonly clientConnection: Connection
  /** The accepting side's Connection. */
  readonly serverConnection: Connection
  /** Fails both ends' reads and writes, as a cut cable would. */
  readonly breakPair: (reason: string) => void
  /** True once both ends closed or the pair broke. */
  readonly isFinished: () => boolean
}

/** Creates a pair; `onFinished` runs once, when both ends are closed or the pair broke. */
export const makePair = (client: Address, server: Address, onFinished: (pair: MemoryPair) => void): MemoryPair => {
  const clientEnd: End = { inbox: new Inbox(), closed: false }
  const serverEnd: End = { inbox: new Inbox(), closed: false }
  let broken = false
  let finished = false

  const finishIfDone = () => {
    if (!finished && (broken || (clientEnd.closed && serverEnd.closed))) {
      finished = true
      onFinished(pair)
    }
  }

  const side = (self: End, peer: End, remote: Address): Connection => {
    /** Why a write cannot go through now, if it cannot. */
    const refusal = (): TransportError | undefined => {
      if (self.closed) return Errors.closed(`stream with ${formatAddress(remote)}`)
      if (broken) return Errors.streamFailed(remote, "the network broke the stream")
      if (peer.closed) return Errors.streamFailed(remote, "the peer closed the stream")
      return undefined
    }
    // A copy: the writer may reuse its buffer once write returns, as with a socket.
    const deliver = (bytes: Uint8Array) => peer.inbox.push(bytes.slice())
    const closeNow = () => {
      if (self.closed) return
      self.closed = true
      self.inbox.abort(Errors.closed(`stream with ${formatAddress(remote)}`))
      peer.inbox.finish()
      finishIfDone()
    }
    return ChunkSource.attach({
      remote,
      read: self.inbox.read,
      write: (bytes) =>
        Effect.suspend(() => {
          const refused = refusal()
          if (refused !== undefined) return Effect.fail(refused)
          deliver(bytes)
          return Effect.void
        }),
      close: Effect.sync(closeNow)
    }, {
      poll: () => self.inbox.poll(),
      wait: (ready) => self.inbox.wait(ready),
      writeNow: (bytes) => {
        if (refusal() === undefined) deliver(bytes)
      },
      answerAndClose: (bytes) => {
        if (bytes !== undefined && refusal() === undefined) deliver(bytes)
        closeNow()
      }
    })
  }

  const pair: MemoryPair = {
    client,
    server,
    clientConnection: side(clientEnd, serverEnd, server),
    serverConnection: side(serverEnd, clientEnd, client),
    breakPair: (reason) => {
      if (broken) return
      broken = true
      clientEnd.inbox.fail(Errors.streamFailed(server, reason))
      serverEnd.inbox.fail(Errors.streamFailed(client, reason))
      finishIfDone()
    },
    isFinished: () => finished
  }
  return pair
}

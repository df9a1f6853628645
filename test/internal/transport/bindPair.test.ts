/**
 * The order of the Node transport's binds (src/internal/transport/bindPair.ts),
 * with fake sockets: a real collision (a free TCP port whose UDP twin is
 * taken) cannot be made to happen on demand.
 */
import { describe, expect, it } from "vitest"
import { bindFailed, TransportError } from "../../../src/internal/transport/error.js"
import { bindPair, type Openers, type Pair, portZeroAttempts } from "../../../src/internal/transport/bindPair.js"

interface FakeServer {
  readonly port: number
  closed: boolean
}

const inUse = (port: number) => bindFailed({ host: "127.0.0.1", port }, Object.assign(new Error("in use"), { code: "EADDRINUSE" }))

/** Openers whose TCP picks 40000, 40001, ... for port 0, and whose UDP fails on the ports in `udpTaken`. */
const fakes = (udpTaken: ReadonlySet<number>, tcpFails = false) => {
  const servers: Array<FakeServer> = []
  let next = 40000
  const openers: Openers<FakeServer, { readonly port: number }> = {
    server: (port, done) => {
      if (tcpFails) return done(inUse(port))
      const server = { port: port === 0 ? next++ : port, closed: false }
      servers.push(server)
      done(server)
    },
    portOf: (server) => server.port,
    udp: (port, done) => done(udpTaken.has(port) ? inUse(port) : { port }),
    closeServer: (server, done) => {
      server.closed = true
      done()
    },
    isError: (result): result is TransportError => result instanceof TransportError
  }
  return { openers, servers }
}

const bind = <S, U>(openers: Openers<S, U>, port: number): Pair<S, U> | TransportError => {
  let result: Pair<S, U> | TransportError | undefined
  bindPair(openers, port, (r) => {
    result = r
  })
  if (result === undefined) throw new Error("the fakes answer at once")
  return result
}

describe("bindPair", () => {
  it("port 0: a TCP port whose UDP twin is taken is closed and another one tried", () => {
    const { openers, servers } = fakes(new Set([40000, 40001]))
    const result = bind(openers, 0)
    expect(result).toEqual({ server: { port: 40002, closed: false }, udp: { port: 40002 }, port: 40002 })
    expect(servers.map((s) => s.closed)).toEqual([true, true, false])
  })

  it(`port 0: gives up after ${portZeroAttempts} attempts with the last UDP error, every server closed`, () => {
    const { openers, servers } = fakes(new Set([40000, 40001, 40002, 40003, 40004, 40005]))
    const result = bind(openers, 0)
    expect(result).toBeInstanceOf(TransportError)
    expect((result as TransportError).reason).toBe("BindFailed")
    expect(servers.length).toBe(portZeroAttempts)
    expect(servers.every((s) => s.closed)).toBe(true)
  })

  it("a configured port is never replaced: UDP taken there is the error, and the server is closed", () => {
    const { openers, servers } = fakes(new Set([7946]))
    const result = bind(openers, 7946)
    expect(result).toBeInstanceOf(TransportError)
    expect(servers).toEqual([{ port: 7946, closed: true }])
  })

  it("a TCP failure is the error at once, with no UDP bind", () => {
    const { openers, servers } = fakes(new Set(), true)
    expect(bind(openers, 0)).toBeInstanceOf(TransportError)
    expect(servers).toEqual([])
  })
})

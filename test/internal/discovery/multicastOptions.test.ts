import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Discovery from "../../../src/Discovery.js"
import * as SwimConfig from "../../../src/SwimConfig.js"
import * as Transport from "../../../src/Transport.js"

/** Builds multicast discovery for a member on a memory network; every case here fails before any socket opens. */
const build = (options: Discovery.MulticastOptions, label = "") =>
  Effect.flip(
    Effect.scoped(
      Layer.build(
        Discovery.multicast(options).pipe(
          Layer.provide(Transport.makeMemoryNetwork().layer({ host: "127.0.0.1", port: 7946 })),
          Layer.provide(SwimConfig.layer(SwimConfig.local({ name: "m", label })))
        )
      )
    )
  )

describe("Discovery.multicast options", () => {
  it.effect("out-of-range options are InvalidOptions, found when the layer is built", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<[Discovery.MulticastOptions, RegExp]> = [
        [{ group: "10.0.0.1" }, /group must be a multicast IP address/],
        [{ group: "fe80::1" }, /group must be a multicast IP address/],
        [{ port: 0 }, /port must be in 1\.\.65535/],
        [{ ttl: 0 }, /ttl must be in 1\.\.255/],
        [{ ttl: 256 }, /ttl must be in 1\.\.255/],
        [{ announceInterval: 0 }, /announceInterval must be positive/],
        [{ announceInterval: "2 seconds", expireAfter: "1 second" }, /expireAfter must be at least announceInterval/],
        [{ maxEntries: 0 }, /maxEntries must be a positive integer/],
        [{ interface: "eth0" }, /interface must be the IP address of a local interface/],
        [{ cluster: "x".repeat(256) }, /cluster longer than 255 UTF-8 bytes/]
      ]
      for (const [options, message] of cases) {
        const error = yield* build(options)
        expect(error.reason, JSON.stringify(options)).toBe("InvalidOptions")
        expect(error.message, JSON.stringify(options)).toMatch(message)
      }
    }))
})

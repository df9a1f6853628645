import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Option, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import { type ConfigOptions, parseKeyFile, resolve } from "../src/agentConfig.js"
import { noConfigOptions } from "./configOptions.js"

const none = noConfigOptions
const options = (o: Partial<ConfigOptions>): ConfigOptions => ({ ...none, ...o })

const resolved = (o: Partial<ConfigOptions>, env: Record<string, string> = {}) =>
  Effect.runPromise(resolve(options(o), env, "the-host"))
const failure = (o: Partial<ConfigOptions>, env: Record<string, string> = {}) =>
  Effect.runPromise(Effect.flip(resolve(options(o), env, "the-host"))).then((e) => e.message)
const seeds = (o: Partial<ConfigOptions>, env: Record<string, string> = {}) =>
  resolved(o, env).then((c) => Effect.runPromise(c.discovery.discover)).then((found) => found.map((a) => `${a.host}:${a.port}`))

const key = () => randomBytes(16).toString("base64")
/** A secret key as bytes, whether the configuration holds it plain or Redacted. */
const bytes = (k: unknown) => Buffer.from((Redacted.isRedacted(k) ? Redacted.value(k) : k) as Uint8Array).toString("base64")

describe("agent configuration: options over SWIM_* over defaults", () => {
  it("reads every setting the library reads from the environment", async () => {
    const k1 = key()
    const k2 = key()
    const { swim } = await resolved({}, {
      SWIM_NAME: "env-name",
      SWIM_PRESET: "local",
      SWIM_BIND_ADDRESS: "127.0.0.2",
      SWIM_BIND_PORT: "7000",
      SWIM_ADVERTISE_ADDRESS: "10.0.0.1",
      SWIM_ADVERTISE_PORT: "7001",
      SWIM_PROBE_INTERVAL: "700 millis",
      SWIM_GOSSIP_NODES: "5",
      SWIM_LABEL: "env-label",
      SWIM_SECRET_KEYS: `${k1}, ${k2}`
    })
    expect(swim.name).toBe("env-name")
    expect([swim.bindHost, swim.bindPort, swim.advertiseHost, swim.advertisePort]).toEqual(["127.0.0.2", 7000, "10.0.0.1", 7001])
    expect(Duration.toMillis(swim.probeInterval)).toBe(700)
    // The local preset's, not lan's: SWIM_PRESET was read.
    expect(Duration.toMillis(swim.probeTimeout)).toBe(200)
    expect(swim.gossipNodes).toBe(5)
    expect(swim.label).toBe("env-label")
    expect(swim.secretKeys.map(bytes)).toEqual([k1, k2])
  })

  it("lets every option win over its variable, and keeps the other variables", async () => {
    const k = key()
    const { swim } = await resolved(
      {
        name: Option.some("opt-name"),
        preset: Option.some("wan"),
        bind: Option.some("127.0.0.3:0"),
        advertise: Option.some("[::1]:9000"),
        label: Option.some(""),
        key: [k]
      },
      {
        SWIM_NAME: "env-name",
        SWIM_PRESET: "local",
        SWIM_BIND_ADDRESS: "127.0.0.2",
        SWIM_BIND_PORT: "7000",
        SWIM_ADVERTISE_ADDRESS: "10.0.0.1",
        SWIM_LABEL: "env-label",
        SWIM_SECRET_KEYS: key(),
        SWIM_GOSSIP_NODES: "5"
      }
    )
    expect(swim.name).toBe("opt-name")
    expect(Duration.toMillis(swim.probeInterval)).toBe(5000)
    expect([swim.bindHost, swim.bindPort, swim.advertiseHost, swim.advertisePort]).toEqual(["127.0.0.3", 0, "::1", 9000])
    expect(swim.label).toBe("")
    expect(swim.secretKeys.map(bytes)).toEqual([k])
    expect(swim.gossipNodes).toBe(5)
  })

  it("does not read a variable an option replaces, even one that does not parse", async () => {
    const { swim } = await resolved({ bind: Option.some("127.0.0.1:0"), preset: Option.some("lan") }, {
      SWIM_BIND_PORT: "not-a-port",
      SWIM_BIND_ADDRESS: "nowhere",
      SWIM_PRESET: "fast"
    })
    expect(swim.bindPort).toBe(0)
  })

  it("names the member after the host unless --name or SWIM_NAME says otherwise", async () => {
    expect((await resolved({})).swim.name).toBe("the-host")
    expect((await resolved({}, { SWIM_NAME: "env" })).swim.name).toBe("env")
    expect((await resolved({ name: Option.some("opt") }, { SWIM_NAME: "env" })).swim.name).toBe("opt")
  })

  it("joins --join's seeds, else SWIM_JOIN's; --dns-port defaults to the bind port", async () => {
    expect(await seeds({}, { SWIM_JOIN: "127.0.0.1:1, 127.0.0.2:2" })).toEqual(["127.0.0.1:1", "127.0.0.2:2"])
    expect(await seeds({ join: ["127.0.0.3:3", "127.0.0.4:4,127.0.0.5:5"] }, { SWIM_JOIN: "127.0.0.1:1" })).toEqual([
      "127.0.0.3:3",
      "127.0.0.4:4",
      "127.0.0.5:5"
    ])
    expect(await seeds({})).toEqual([])
  })

  it("names the option or the variable to fix", async () => {
    expect(await failure({}, { SWIM_BIND_PORT: "abc" })).toMatch(/^SWIM_BIND_PORT: .*"abc"/)
    expect(await failure({}, { SWIM_PRESET: "fast" })).toMatch(/^SWIM_PRESET: /)
    expect(await failure({}, { SWIM_PROBE_INTERVAL: "1 second", SWIM_PROBE_TIMEOUT: "2 seconds" })).toBe(
      "SWIM_PROBE_TIMEOUT: must be shorter than probeInterval"
    )
    expect(await failure({}, { SWIM_SECRET_KEYS: "short" })).toMatch(/^SWIM_SECRET_KEYS: /)
    expect(await failure({}, { SWIM_NAME: "x".repeat(1000) })).toMatch(/^SWIM_NAME: must be 1 to \d+ characters$/)
    expect(await failure({ name: Option.some("x".repeat(1000)) })).toMatch(/^--name: /)
    expect(await failure({ advertise: Option.some("127.0.0.1:0") })).toBe("--advertise: must be 1 to 65535")
    expect(await failure({}, { SWIM_JOIN: "127.0.0.1:99999" })).toMatch(/^SWIM_JOIN: /)
    expect(await failure({ join: ["127.0.0.1:99999"] })).toMatch(/^--join: /)
    expect(await failure({ dns: Option.some("not a name!") })).toMatch(/^--dns: /)
    expect(await failure({ dns: Option.some("peers.test"), dnsServer: Option.some("nowhere") })).toMatch(/^--dns, --dns-server: /)
    expect(await failure({ dns: Option.some("peers.test") }, { SWIM_DNS_TIMEOUT: "0 seconds" })).toMatch(/^--dns, SWIM_DNS_TIMEOUT: /)
    expect(await failure({ dnsType: Option.some("MX") })).toMatch(/^--dns-type: unknown record type "MX"/)
    expect(await failure({ dnsPort: Option.some("x") })).toBe(`--dns-port: "x" is not a port number`)
    expect(await failure({ preset: Option.some("fast") })).toBe(`--preset: unknown preset "fast" (use lan, wan, local)`)
    expect(await failure({ key: [key()], keyFile: Option.some("/x") })).toBe("--key and --key-file: give one or the other")
    expect(await failure({ keyFile: Option.some("/nonexistent/keys") })).toMatch(/^--key-file: cannot read \/nonexistent\/keys: /)
  })
})

describe("key files", () => {
  it("takes one key per line, the first first, skipping blank lines and # comments", () => {
    const [k1, k2] = [key(), key()]
    expect(parseKeyFile("f", `# primary\n\n  ${k1}  \r\n# old\n${k2}\n\n`)).toEqual(Either.right([k1, k2]))
  })

  it("names the bad line, and refuses a file without keys", () => {
    expect(parseKeyFile("f", `${key()}\n\nnot-a-key\n`)).toEqual(Either.left(expect.stringMatching(/^f line 3: /)))
    expect(parseKeyFile("f", "# nothing\n\n")).toEqual(Either.left("f holds no keys"))
  })
})

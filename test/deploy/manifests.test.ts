/**
 * The Kubernetes manifests under deploy/kubernetes/ against the agent they
 * run: every YAML parses; every `--flag` is one the agent's own help lists;
 * the readiness probe and the gossip ports match the agent's `--http` and
 * `--bind`; every SWIM_* variable is one the library's configuration reads
 * (recorded from the `Config` descriptions the agent resolves); the keys
 * Secret parses as the agent parses keys; and the whole configuration of
 * each workload resolves through the agent's own `resolve`, with the values
 * Kubernetes would fill in.
 */
import { Command, HelpDoc } from "@effect/cli"
import { describe, expect, it } from "@effect/vitest"
import { Config, ConfigError, ConfigProvider, ConfigProviderPathPatch, Effect, Either, HashSet, Option } from "effect"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { parseAllDocuments } from "yaml"
import { agent } from "../../packages/cli/src/agent.js"
import { type ConfigOptions, parseKeyFile, resolve } from "../../packages/cli/src/agentConfig.js"
import { noConfigOptions } from "../../packages/cli/test/configOptions.js"
import * as Discovery from "../../src/Discovery.js"
import * as Keyring from "../../src/Keyring.js"
import * as SwimConfig from "../../src/SwimConfig.js"

const dir = fileURLToPath(new URL("../../deploy/kubernetes/", import.meta.url))
const vmDir = fileURLToPath(new URL("../../deploy/vm/", import.meta.url))
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()

// Loosely typed views of the manifests: the test checks each field it reads.
interface EnvVar {
  readonly name: string
  readonly value?: string
  readonly valueFrom?: {
    readonly fieldRef?: { readonly fieldPath: string }
    readonly secretKeyRef?: { readonly name: string; readonly key: string }
  }
}
interface ContainerPort {
  readonly name?: string
  readonly containerPort: number
  readonly protocol?: string
}
interface Container {
  readonly name: string
  readonly args?: ReadonlyArray<string>
  readonly env?: ReadonlyArray<EnvVar>
  readonly ports?: ReadonlyArray<ContainerPort>
  readonly readinessProbe?: { readonly httpGet?: { readonly path: string; readonly port: string | number } }
  readonly volumeMounts?: ReadonlyArray<{ readonly name: string; readonly mountPath: string }>
  readonly securityContext?: { readonly runAsUser?: number }
}
interface Manifest {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> }
  readonly spec?: any
  readonly stringData?: Record<string, string>
}

const manifests: ReadonlyArray<Manifest & { readonly file: string }> = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(dir, file), "utf8")).map((doc) => ({ ...(doc.toJS() as Manifest), file }))
)
const byKind = (kind: string) => manifests.filter((m) => m.kind === kind)
const workloads = manifests.filter((m) => m.kind === "StatefulSet" || m.kind === "Deployment")
const service = byKind("Service")[0]!
const secret = byKind("Secret")[0]!
const agentOf = (workload: Manifest): Container => workload.spec.template.spec.containers.find((c: Container) => c.name === "agent")

/** The agent's options as its help lists them: name, and whether it takes a value. */
const agentOptions: ReadonlyMap<string, boolean> = (() => {
  const help = HelpDoc.toAnsiText(Command.getHelp(agent, {} as never)).replace(/\x1b\[[0-9;]*m/g, "")
  const options = new Map<string, boolean>()
  for (const match of help.matchAll(/^(--[a-z][a-z0-9-]*)( \S+)?$/gm)) options.set(match[1]!, match[2] !== undefined)
  return options
})()

/** `--flag value` pairs (flags that take no value get ""), in order. */
const flagsOf = (args: ReadonlyArray<string>): ReadonlyArray<readonly [string, string]> => {
  const out: Array<readonly [string, string]> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (!arg.startsWith("--")) throw new Error(`argument "${arg}" follows no option that takes a value`)
    // An unknown flag is reported by the flags test; here it is taken to carry a value, as --http does.
    const takesValue = agentOptions.get(arg) ?? true
    out.push([arg, takesValue ? args[++i] ?? "" : ""])
  }
  return out
}
const flag = (container: Container, name: string) => flagsOf(container.args ?? []).find(([f]) => f === name)?.[1]

/** Every environment variable the library's configuration reads (SWIM_*): the paths its Config descriptions ask for. */
const variablesRead: ReadonlySet<string> = (() => {
  const seen = new Set<string>()
  const recording = ConfigProvider.fromFlat(ConfigProvider.makeFlat({
    load: (path) => {
      seen.add(SwimConfig.environmentVariable(path))
      return Effect.fail(ConfigError.MissingData([...path], "recording which paths are read"))
    },
    enumerateChildren: () => Effect.succeed(HashSet.empty()),
    patch: ConfigProviderPathPatch.empty
  }))
  for (const config of [SwimConfig.config, Discovery.config] as ReadonlyArray<Config.Config<unknown>>) {
    Effect.runSync(Effect.either(Effect.withConfigProvider(Config.nested(config, "swim"), recording)))
  }
  return seen
})()

/** The agent's arguments in deploy/vm/start.sh: the words of its `exec node ... agent` command, quotes removed. */
const vmArgs: ReadonlyArray<string> = (() => {
  const script = readFileSync(join(vmDir, "start.sh"), "utf8").replace(/\\\n/g, " ")
  const line = script.split("\n").find((l) => /^exec node "\$agent" agent /.test(l))!
  return line.replace(/^exec node "\$agent" agent /, "").trim().split(/\s+/).map((w) => w.replace(/"/g, ""))
})()

/** The assignments in deploy/vm/agent.env, commented-out examples included. */
const vmEnv: ReadonlyArray<readonly [string, string, boolean]> = readFileSync(join(vmDir, "agent.env"), "utf8")
  .split("\n")
  .flatMap((line) => {
    const match = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line)
    return match === null ? [] : [[match[2]!, match[3]!, match[1] === undefined] as const]
  })


const port = (hostPort: string) => Number(hostPort.slice(hostPort.lastIndexOf(":") + 1))

describe("deploy/kubernetes manifests", () => {
  it("parse, and hold a headless Service, a StatefulSet, a Deployment, a keys Secret and a disruption budget", () => {
    for (const file of files) {
      const docs = parseAllDocuments(readFileSync(join(dir, file), "utf8"))
      for (const doc of docs) expect(doc.errors, file).toEqual([])
    }
    expect(manifests.map((m) => m.kind).sort()).toEqual(["Deployment", "PodDisruptionBudget", "Secret", "Service", "StatefulSet"])
    for (const m of manifests) {
      expect(m.apiVersion, m.file).toMatch(/^(v1|apps\/v1|policy\/v1)$/)
      expect(m.metadata.name, m.file).toBe(m.kind === "Secret" ? "memberlist-keys" : "memberlist")
    }
  })

  it("found the agent's options in its help (the check below is only as good as this list)", () => {
    for (const known of ["--name", "--bind", "--advertise", "--dns", "--dns-type", "--dns-port", "--key-file", "--json"]) {
      expect(agentOptions.has(known), known).toBe(true)
    }
    expect(agentOptions.get("--json")).toBe(false)
    expect(agentOptions.get("--bind")).toBe(true)
    expect(variablesRead.has("SWIM_ADVERTISE_ADDRESS") && variablesRead.has("SWIM_PROBE_INTERVAL")).toBe(true)
  })

  it("pass the agent only options it has (the VM recipe too)", () => {
    const sources = [...workloads.map((w) => [w.file, agentOf(w).args ?? []] as const), ["deploy/vm/start.sh", vmArgs] as const]
    const unknown = sources.map(([file, args]) => [file, flagsOf(args).map(([f]) => f).filter((f) => !agentOptions.has(f))] as const)
    expect(Object.fromEntries(unknown), "options the agent does not have, by file").toEqual(
      Object.fromEntries(sources.map(([file]) => [file, []]))
    )
  })

  it("probe readiness at /health on the port --http serves", () => {
    for (const workload of workloads) {
      const container = agentOf(workload)
      const http = flag(container, "--http")
      expect(http, workload.file).toBe("0.0.0.0:8080")
      const probe = container.readinessProbe?.httpGet
      expect(probe?.path, workload.file).toBe("/health")
      const probed = container.ports?.find((p) => p.name === probe?.port || p.containerPort === probe?.port)
      expect(probed, workload.file).toMatchObject({ containerPort: port(http!), protocol: "TCP" })
    }
  })

  it("open the gossip port --bind names on UDP and TCP, in the pods and in the headless Service", () => {
    const servicePorts: ReadonlyArray<{ name: string; port: number; targetPort: string; protocol: string }> = service.spec.ports
    expect(servicePorts.filter((p) => p.port === 7946).map((p) => p.protocol).sort()).toEqual(["TCP", "UDP"])
    expect(service.spec.clusterIP).toBe("None")
    expect(service.spec.publishNotReadyAddresses).toBe(true)
    for (const workload of workloads) {
      const container = agentOf(workload)
      const bind = flag(container, "--bind")!
      expect(port(bind), workload.file).toBe(7946)
      const gossip = (container.ports ?? []).filter((p) => p.containerPort === port(bind))
      expect(gossip.map((p) => p.protocol).sort(), workload.file).toEqual(["TCP", "UDP"])
      for (const p of servicePorts) {
        expect(gossip.some((g) => g.name === p.targetPort && g.protocol === p.protocol), `${workload.file}: ${p.name}`).toBe(true)
      }
      // The Service selects these pods, and --dns asks for its name.
      for (const [label, value] of Object.entries(service.spec.selector as Record<string, string>)) {
        expect(workload.spec.template.metadata.labels[label], workload.file).toBe(value)
      }
      expect(flag(container, "--dns")!.split(".")[0], workload.file).toBe(service.metadata.name)
      expect(Number(flag(container, "--dns-port")), workload.file).toBe(port(bind))
    }
    expect(byKind("StatefulSet")[0]!.spec.serviceName).toBe(service.metadata.name)
  })

  it("set only environment variables the agent reads, and refer only to variables they define", () => {
    for (const workload of workloads) {
      const container = agentOf(workload)
      const env = container.env ?? []
      const swim = env.map((e) => e.name).filter((n) => n.startsWith("SWIM_"))
      expect(swim.filter((n) => !variablesRead.has(n)), `${workload.file}: variables the agent does not read`).toEqual([])
      expect(swim, workload.file).toEqual(expect.arrayContaining(["SWIM_NAME", "SWIM_ADVERTISE_ADDRESS"]))
      const defined = new Set(env.map((e) => e.name))
      for (const arg of container.args ?? []) {
        for (const ref of arg.matchAll(/\$\(([A-Z_][A-Z0-9_]*)\)/g)) expect(defined.has(ref[1]!), `${workload.file}: $(${ref[1]})`).toBe(true)
      }
      // The pod IP is what the others dial; the name is the pod's.
      expect(env.find((e) => e.name === "SWIM_ADVERTISE_ADDRESS")?.valueFrom?.fieldRef?.fieldPath).toBe("status.podIP")
      expect(env.find((e) => e.name === "SWIM_NAME")?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.name")
      // Room for the leave (3 s by default) after SIGTERM.
      expect(workload.spec.template.spec.terminationGracePeriodSeconds, workload.file).toBeGreaterThanOrEqual(5)
    }
  })

  it("take the encryption keys from the Secret, in forms the agent parses", () => {
    const data = secret.stringData!
    const fromFile = parseKeyFile("keys", data["keys"]!)
    expect(Either.isRight(fromFile)).toBe(true)
    const listed = data["secret-keys"]!.split(",").map((k) => k.trim())
    for (const key of listed) expect(Either.isRight(Keyring.keyFromBase64(key)), key).toBe(true)
    expect(listed).toEqual(Either.getOrThrow(fromFile))

    for (const workload of workloads) {
      const container = agentOf(workload)
      const keyFile = flag(container, "--key-file")
      const refs = (container.env ?? []).flatMap((e) => e.valueFrom?.secretKeyRef === undefined ? [] : [e.valueFrom.secretKeyRef])
      expect(keyFile !== undefined || refs.length > 0, `${workload.file} reads keys`).toBe(true)
      for (const ref of refs) expect([ref.name, ref.key in data], workload.file).toEqual([secret.metadata.name, true])
      if (keyFile === undefined) continue
      // The key file is a key of the Secret, mounted where --key-file looks.
      const volumes: ReadonlyArray<{ name: string; secret?: { secretName: string; defaultMode?: number } }> = workload.spec.template.spec.volumes
      const mount = container.volumeMounts!.find((m) => keyFile.startsWith(`${m.mountPath}/`))!
      expect(volumes.find((v) => v.name === mount.name)?.secret?.secretName, workload.file).toBe(secret.metadata.name)
      expect(keyFile.slice(mount.mountPath.length + 1) in data, workload.file).toBe(true)
      // Secret files belong to root: a non-root agent reads the key file through the pod's fsGroup.
      const mode = volumes.find((v) => v.name === mount.name)!.secret!.defaultMode ?? 0o644
      const pod = workload.spec.template.spec.securityContext ?? {}
      if (container.securityContext?.runAsUser !== 0) expect([pod.fsGroup !== undefined, (mode & 0o040) !== 0], workload.file).toEqual([true, true])
    }
  })

  it("configure an agent that starts: each workload's options and environment resolve as the agent resolves them", () => {
    const scratch = mkdtempSync(join(tmpdir(), "manifests-"))
    try {
      for (const workload of workloads) {
        const container = agentOf(workload)
        // What Kubernetes fills in: the downward API, the Secret, the mounted key file.
        const podIp = "10.244.1.7"
        const downward: Record<string, string> = { "metadata.name": "memberlist-0", "metadata.namespace": "prod", "status.podIP": podIp }
        const env: Record<string, string> = {}
        for (const e of container.env ?? []) {
          const from = e.valueFrom
          env[e.name] = e.value ?? (from?.fieldRef !== undefined ? downward[from.fieldRef.fieldPath]! : secret.stringData![from!.secretKeyRef!.key]!)
        }
        const expand = (arg: string) => arg.replace(/\$\(([A-Z_][A-Z0-9_]*)\)/g, (_, name: string) => env[name]!)
        const keyFile = join(scratch, "keys")
        writeFileSync(keyFile, secret.stringData!["keys"]!)

        const o: Record<string, unknown> = { ...noConfigOptions }
        for (const [name, raw] of flagsOf(container.args ?? [])) {
          const field = name.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
          if (!(field in o)) continue // --json, --http: not configuration of the member
          const value = field === "keyFile" ? keyFile : expand(raw)
          o[field] = Array.isArray(o[field]) ? [...(o[field] as Array<string>), value] : Option.some(value)
        }
        const config = Effect.runSync(resolve(o as unknown as ConfigOptions, env, "not-the-pod"))
        expect(config.swim.name, workload.file).toBe("memberlist-0")
        expect([config.swim.bindHost, config.swim.bindPort], workload.file).toEqual(["0.0.0.0", 7946])
        expect(config.swim.advertiseHost, workload.file).toBe(podIp)
        expect(config.swim.secretKeys.length, workload.file).toBe(1)
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true })
    }
  })
})

describe("deploy/vm recipe", () => {
  it("sets only environment variables the agent (or start.sh) reads, and resolves as the agent resolves it", () => {
    const script = readFileSync(join(vmDir, "start.sh"), "utf8")
    for (const [name] of vmEnv) {
      if (name.startsWith("SWIM_")) expect(variablesRead.has(name), name).toBe(true)
      else expect(script.includes(name), `${name} is read by start.sh`).toBe(true)
    }
    for (const used of script.matchAll(/\bSWIM_[A-Z0-9_]+/g)) expect(variablesRead.has(used[0]), used[0]).toBe(true)

    const scratch = mkdtempSync(join(tmpdir(), "vm-"))
    try {
      const keyFile = join(scratch, "keys")
      writeFileSync(keyFile, `${Buffer.alloc(32, 7).toString("base64")}\n`)
      const env: Record<string, string> = Object.fromEntries(vmEnv.filter(([, , active]) => active).map(([n, v]) => [n, v]))
      env["SWIM_ADVERTISE_ADDRESS"] = "10.0.3.4"
      const o: Record<string, unknown> = { ...noConfigOptions }
      for (const [name, raw] of flagsOf(vmArgs)) {
        if (name === "--bind") o["bind"] = Option.some(raw.replace("$port", "7946"))
        if (name === "--key-file") o["keyFile"] = Option.some(keyFile)
      }
      const config = Effect.runSync(resolve(o as unknown as ConfigOptions, env, "vm-1"))
      expect([config.swim.name, config.swim.bindPort, config.swim.advertiseHost, config.swim.label]).toEqual(["vm-1", 7946, "10.0.3.4", "prod-cache"])
      expect(config.swim.secretKeys.length).toBe(1)
    } finally {
      rmSync(scratch, { recursive: true, force: true })
    }
  })

  it("runs start.sh under systemd, stopping with SIGTERM and time to leave", () => {
    const unit = readFileSync(join(vmDir, "effect-memberlist.service"), "utf8")
    expect(unit).toMatch(/^ExecStart=\/opt\/effect-memberlist\/deploy\/vm\/start\.sh$/m)
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m)
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1])).toBeGreaterThanOrEqual(5)
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/effect-memberlist\/agent\.env$/m)
    expect(vmArgs).toContain("/etc/effect-memberlist/keys")
  })
})

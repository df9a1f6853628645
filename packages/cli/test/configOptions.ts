/**
 * The agent's configuration options with none given, for tests that set a
 * few (the CLI's own tests and the deployment manifests' test).
 */
import { Option } from "effect"
import type { ConfigOptions } from "../src/agentConfig.js"

/** Every option absent. */
export const noConfigOptions: ConfigOptions = {
  name: Option.none(),
  preset: Option.none(),
  bind: Option.none(),
  advertise: Option.none(),
  label: Option.none(),
  key: [],
  keyFile: Option.none(),
  join: [],
  dns: Option.none(),
  dnsPort: Option.none(),
  dnsType: Option.none(),
  dnsServer: Option.none()
}

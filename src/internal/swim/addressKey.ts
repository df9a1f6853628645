/**
 * The `host:port` key a member table stores for an address.
 *
 * A simulation holds every member in every node's table, and each node's
 * byAddress map would otherwise keep its own copy of each member's key
 * string (about 100 bytes per node and member). Messages pass the same
 * `Address` objects from node to node, so the key is formatted once per
 * address object and shared by every table that stores it. The cache is
 * weak: an entry lives only as long as its address object does, so it needs
 * no bound of its own. Lookups by a freshly decoded address still format a
 * throwaway key; only stored keys come from here.
 *
 * @internal
 */
import { type Address, formatAddress } from "./messages.js"

const keys = new WeakMap<Address, string>()

/** `formatAddress(address)`, the same string for the same address object. */
export const storedAddressKey = (address: Address): string => {
  let key = keys.get(address)
  if (key === undefined) {
    key = formatAddress(address)
    keys.set(address, key)
  }
  return key
}

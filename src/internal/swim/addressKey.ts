/**
 * The `host:port` key a member table stores for an address.
 *
 * A simulation holds every member in every node's table, and each node's
 * byAddress map would otherwise keep its own copy of each member's key
 * string (about 100 bytes per node and member). Messages pass the same
 * `Address` objects from node to node, so the key is formatted once per
 * address object and shared by every table that stores it. The cache is
 * weak: an entry lives only as long as its address object does, so it needs
 * no bound of its own. Lookups go through `addressKey`, which takes the cached
 * key when the address object has one (in a simulation, every packet's) and
 * otherwise formats a throwaway key without caching it (a freshly decoded
 * address, in a real process).
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

/**
 * `formatAddress(address)` for a lookup: the stored key when this address
 * object has one (no string built, its hash already computed), else a fresh
 * one that is not cached, so lookups by passing addresses grow nothing.
 */
export const addressKey = (address: Address): string => keys.get(address) ?? formatAddress(address)

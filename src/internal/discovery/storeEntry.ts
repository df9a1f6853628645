/**
 * One member's entry in a key-value store, as JSON:
 * `{"v":1,"name":"m1","address":"10.0.0.5:7946","at":1767225600000}`, where
 * `at` is when the member last wrote it (ms since the epoch, its own clock).
 * Values longer than `maxEntryChars` are not parsed; a newer `v` is read as
 * long as the fields this version needs are there.
 *
 * @internal
 */
import { Either, Schema } from "effect"
import type { Address } from "../../Transport.js"
import { formatAddress } from "../swim/messages.js"
import { parseEntry } from "./address.js"

/** A parsed entry. */
export interface StoreEntry {
  readonly name: string
  readonly address: Address
  readonly at: number
}

/** What a slot holds. */
export type Slot =
  | { readonly _tag: "Empty" }
  | { readonly _tag: "Malformed"; readonly detail: string }
  | { readonly _tag: "Entry"; readonly entry: StoreEntry }

const maxEntryChars = 1024

const Json = Schema.parseJson(
  Schema.Struct({
    v: Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
    name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(512)),
    address: Schema.String,
    at: Schema.Number.pipe(Schema.finite())
  })
)
const decodeJson = Schema.decodeUnknownEither(Json)

/** The stored text of an entry. */
export const encodeEntry = (entry: StoreEntry): string =>
  JSON.stringify({ v: 1, name: entry.name, address: formatAddress(entry.address), at: entry.at })

/** Reads a slot's value (none: the slot is empty). */
export const decodeSlot = (value: string | undefined): Slot => {
  if (value === undefined) return { _tag: "Empty" }
  if (value.length > maxEntryChars) return { _tag: "Malformed", detail: `${value.length} characters, over ${maxEntryChars}` }
  const json = decodeJson(value)
  if (Either.isLeft(json)) return { _tag: "Malformed", detail: json.left.message.slice(0, 200) }
  const address = parseEntry(json.right.address, undefined)
  if (address._tag !== "Literal") {
    return { _tag: "Malformed", detail: `address ${JSON.stringify(json.right.address)} is not IP:port` }
  }
  return { _tag: "Entry", entry: { name: json.right.name, address: address.address, at: json.right.at } }
}

/**
 * What the codec needs to know about protocol versions. The protocol rules
 * about versions (CRC peers, `verifyProtocol`) belong to the core:
 * `src/internal/swim/versions.ts`.
 *
 * @internal
 */

/** Encryption version memberlist uses at a protocol version: 0 for protocol 1, else 1. */
export const encryptionVersionFor = (protocolVersion: number): 0 | 1 => (protocolVersion <= 1 ? 0 : 1)

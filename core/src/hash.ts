// BLAKE2b-256 (RFC 7693, 32-byte output): node ids, commitments, the shared random value,
// layer ordering and document digests.
import { blake2b } from '@noble/hashes/blake2.js';
import { assertBytes } from './assert.js';

/** BLAKE2b-256 over the concatenation of `parts`. */
export function blake2b256(...parts: Uint8Array[]): Uint8Array {
  const h = blake2b.create({ dkLen: 32 });
  parts.forEach((p, i) => {
    assertBytes(`parts[${i}]`, p);
    h.update(p);
  });
  return h.digest();
}

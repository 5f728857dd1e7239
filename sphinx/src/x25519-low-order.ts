// Low-order X25519 inputs (RFC 7748 §6.1; the same blocklist as libsodium): u-coordinates whose
// order divides the cofactor 8, plus their non-canonical encodings p and p+1. Bit 255 is ignored by
// X25519, so it is masked before comparing. Both backends reject these before multiplying, so they
// behave identically on hostile points.
import { fromHex } from './bytes.js';

const LOW_ORDER_POINTS: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000', // 0
  '0100000000000000000000000000000000000000000000000000000000000000', // 1
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p - 1
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', // order 8
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157', // order 8
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p (= 0)
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p + 1 (= 1)
].map(fromHex);

/** True if `u` (32 bytes) is a low-order point. Runs in time independent of `u`. */
export function isLowOrderPoint(u: Uint8Array): boolean {
  let found = 0;
  for (const bad of LOW_ORDER_POINTS) {
    let diff = 0;
    for (let i = 0; i < 31; i++) diff |= u[i] ^ bad[i];
    diff |= (u[31] & 0x7f) ^ bad[31];
    found |= ((diff - 1) >>> 8) & 1; // 1 iff diff === 0
  }
  return found === 1;
}

// Human-comparable fingerprints (docs/spec/client.md §Fingerprints), after Signal's safety numbers:
// an identity's fingerprint is 30 decimal digits in 6 groups of 5; two parties compare the 60-digit
// safety number, the two fingerprints in sorted order, which both compute identically.
import { sha512 } from '@noble/hashes/sha2.js';
import { ctEqual, concatBytes, utf8ToBytes } from './bytes.js';
import { publicIdentity, type PublicIdentity } from './identity.js';

/** Hash iterations: slows a search for a key whose fingerprint matches on most digits. */
export const FINGERPRINT_ITERATIONS = 1024;
const GROUPS = 6;
const GROUP_BYTES = 5;
const FINGERPRINT_LABEL = utf8ToBytes('strata-fingerprint-v1');

/** "12345 67890 12345 67890 12345 67890": 6 groups of 5 digits (~100 bits). */
export function fingerprint(identity: PublicIdentity): string {
  const pub = publicIdentity(identity);
  const keys = concatBytes(pub.ed25519PublicKey, pub.x25519PublicKey);
  let digest = sha512(concatBytes(FINGERPRINT_LABEL, keys));
  for (let i = 1; i < FINGERPRINT_ITERATIONS; i++) digest = sha512(concatBytes(digest, keys));
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let n = 0;
    for (let b = 0; b < GROUP_BYTES; b++) n = n * 256 + digest[g * GROUP_BYTES + b]; // < 2^40: exact in a double
    groups.push(String(n % 100000).padStart(5, '0'));
  }
  return groups.join(' ');
}

/** The safety number of a pair: both fingerprints, sorted, 12 groups; the same on both devices. */
export function safetyNumber(a: PublicIdentity, b: PublicIdentity): string {
  const [x, y] = [fingerprint(a), fingerprint(b)].sort();
  return `${x} ${y}`;
}

/** Digits only, so users may type with any spacing. */
export function normalizeFingerprint(text: string): string {
  return String(text).replace(/[\s-]/g, '');
}

/** Constant-time comparison of two fingerprints or safety numbers, ignoring spacing. */
export function fingerprintsMatch(a: string, b: string): boolean {
  const x = utf8ToBytes(normalizeFingerprint(a));
  const y = utf8ToBytes(normalizeFingerprint(b));
  return x.length > 0 && ctEqual(x, y);
}

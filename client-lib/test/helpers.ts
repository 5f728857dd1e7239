// Test helpers: temporary directories that are always removed, and cheap scrypt costs for tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** scrypt 2^10: keeps store-opening tests fast; production uses DEFAULT_SCRYPT_PARAMS. */
export const TEST_SCRYPT = Object.freeze({ N: 2 ** 10, r: 8, p: 1 });

export function makeTempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'strata-client-lib-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A deterministic byte generator (xorshift32) for fixed-seed test data. */
export function seededBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

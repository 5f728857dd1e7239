// AEZ v5 micro-benchmark: our TypeScript AEZ against the pure-JS npm `aez` package, on the
// 3,050-byte Sphinx payload (fresh key schedule per call, as every Sphinx hop has a new key).
// Standalone: node --import tsx --conditions=strata-source sphinx/bench/aez.bench.ts
// Prints one JSON object per line: {"name","backend","us_per_op","ops_per_s"} (medians of batches).
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { aezDecrypt, aezDecryptInto, aezEncrypt, aezEncryptInto } from '../src/aez.js';

export interface BenchResult {
  name: string;
  backend: string;
  us_per_op: number;
  ops_per_s: number;
}

interface NpmAez {
  encrypt(key: Buffer, nonce: Buffer, ad: Buffer[], tau: number, plaintext: Buffer): Buffer;
  decrypt(key: Buffer, nonce: Buffer, ad: Buffer[], tau: number, ciphertext: Buffer): Buffer | null;
}

const PAYLOAD_BYTES = 3050;
const BATCHES = 21;
const WARMUP_BATCHES = 3;

function filled(length: number, mul: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * mul + 1) & 0xff);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median over BATCHES timed batches of `opsPerBatch` calls, after WARMUP_BATCHES untimed ones. */
function measure(name: string, backend: string, opsPerBatch: number, op: () => void): BenchResult {
  for (let i = 0; i < WARMUP_BATCHES * opsPerBatch; i++) op();
  const perOpUs: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < opsPerBatch; i++) op();
    perOpUs.push(Number(process.hrtime.bigint() - t0) / 1000 / opsPerBatch);
  }
  const us = median(perOpUs);
  return { name, backend, us_per_op: Math.round(us * 100) / 100, ops_per_s: Math.round(1e6 / us) };
}

export async function benchAez(): Promise<BenchResult[]> {
  const key = filled(48, 7);
  const nonce = filled(16, 11);
  const plaintext = filled(PAYLOAD_BYTES, 13);
  const ciphertext = aezEncrypt(key, nonce, plaintext);
  const work = new Uint8Array(PAYLOAD_BYTES);
  const npm = createRequire(import.meta.url)('aez') as NpmAez;
  const [kb, nb, pb, cb] = [key, nonce, plaintext, ciphertext].map((b) => Buffer.from(b));
  const n = PAYLOAD_BYTES;
  return [
    measure(`aez_encrypt_${n}B`, 'ts', 150, () => aezEncrypt(key, nonce, plaintext)),
    measure(`aez_decrypt_${n}B`, 'ts', 150, () => aezDecrypt(key, nonce, ciphertext)),
    measure(`aez_decrypt_into_${n}B`, 'ts', 150, () => aezDecryptInto(key, nonce, ciphertext, work)),
    measure(`aez_encrypt_into_${n}B`, 'ts', 150, () => aezEncryptInto(key, nonce, plaintext, work)),
    measure(`aez_encrypt_${n}B`, 'npm-aez', 5, () => npm.encrypt(kb, nb, [], 0, pb)),
    measure(`aez_decrypt_${n}B`, 'npm-aez', 5, () => npm.decrypt(kb, nb, [], 0, cb)),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  for (const r of await benchAez()) console.log(JSON.stringify(r));
}

// X25519 as a KEM (hpqc adapter.FromNIKEWithPRF(x25519, SHA256v1)):
//   encapsulate(pk): e random, ct = X25519(e, 9), ss = X25519(e, pk)
//   decapsulate(sk, ct): ss = X25519(sk, ct)
//   K = SHA256("kemadapter-sha256-v1" || u32be(|ss|) || ss || u32be(|pk|) || pk || u32be(|ct|) || ct)
import type { CryptoBackend, PointKey, ScalarKey } from './backend.js';
import { KEM_ADAPTER_LABEL, X25519_KEY_LENGTH } from './constants.js';

export function kemCombine(backend: CryptoBackend, ss: Uint8Array, pkStatic: Uint8Array, ct: Uint8Array): Uint8Array {
  const L = KEM_ADAPTER_LABEL.length;
  const buf = new Uint8Array(L + 3 * (4 + X25519_KEY_LENGTH));
  buf.set(KEM_ADAPTER_LABEL, 0);
  let off = L;
  for (const part of [ss, pkStatic, ct]) {
    buf[off + 3] = part.length; // u32 big-endian length (32)
    buf.set(part, off + 4);
    off += 4 + part.length;
  }
  return backend.sha256(buf);
}

export function kemEncapsulate(
  backend: CryptoBackend,
  pkStatic: Uint8Array,
  pkPoint: PointKey,
  ephemeral: Uint8Array,
): { ciphertext: Uint8Array; sharedSecret: Uint8Array } {
  const e = backend.importScalar(ephemeral);
  const ciphertext = backend.x25519Base(e);
  const ss = backend.x25519(e, pkPoint);
  return { ciphertext, sharedSecret: kemCombine(backend, ss, pkStatic, ciphertext) };
}

export function kemDecapsulate(backend: CryptoBackend, sk: ScalarKey, pkStatic: Uint8Array, ct: Uint8Array): Uint8Array {
  const ss = backend.x25519(sk, backend.importPoint(ct));
  return kemCombine(backend, ss, pkStatic, ct);
}

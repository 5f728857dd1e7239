// The payload SPRP: AEZ v5 with tau = 0 and no associated data (Katzenpost crypto.SPRPEncrypt /
// SPRPDecrypt). Wide-block: flipping any ciphertext bit garbles the whole plaintext, which is what
// makes the 32-byte zero tag an authenticator (Sphinx §3.2 uses a wide-block cipher, LIONESS, in
// the same role).
import { aezDecryptInto, aezEncryptInto } from './aez.js';

export function sprpEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  aezEncryptInto(key, iv, data, out);
  return out;
}

export function sprpDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  aezDecryptInto(key, iv, data, out);
  return out;
}

/** Decrypts `src` into `dst` (same length; may alias). */
export function sprpDecryptInto(key: Uint8Array, iv: Uint8Array, src: Uint8Array, dst: Uint8Array): void {
  aezDecryptInto(key, iv, src, dst);
}

// Per-hop key derivation (Katzenpost crypto.KDF): HKDF-Expand-SHA256(prk = shared secret,
// info = "katzenpost-kdf-v0-hkdf-sha256") sliced as
// header MAC key 32 | header key 32 | header IV 16 | payload SPRP key 48 | blinding seed 32.
import type { CryptoBackend } from './backend.js';
import { KDF_INFO, KDF_OUTPUT_LENGTH } from './constants.js';

export interface PacketKeys {
  headerMac: Uint8Array;
  headerKey: Uint8Array;
  headerIv: Uint8Array;
  payloadKey: Uint8Array;
  blindingSeed: Uint8Array;
}

/** KEM Sphinx needs no blinding seed, so it derives only the first 128 bytes (same prefix). */
export function deriveKeys(backend: CryptoBackend, sharedSecret: Uint8Array, withBlinding: boolean): PacketKeys {
  const okm = backend.hkdfExpandSha256(sharedSecret, KDF_INFO, withBlinding ? KDF_OUTPUT_LENGTH : KDF_OUTPUT_LENGTH - 32);
  return {
    headerMac: okm.subarray(0, 32),
    headerKey: okm.subarray(32, 64),
    headerIv: okm.subarray(64, 80),
    payloadKey: okm.subarray(80, 128),
    blindingSeed: okm.subarray(128, 160),
  };
}

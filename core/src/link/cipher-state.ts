// Noise CipherState (Noise spec rev 34 §5.1) for ChaChaPoly (§12.3).
// Two interchangeable AEAD engines, byte-identical (test/link/cipher-state.test.ts cross-checks):
//  - 'libsodium': crypto_aead_chacha20poly1305_ietf (sodium-native, the optional addon that
//    sphinx-packet-ts already uses for X25519) — one N-API call per frame, sealing straight into
//    the caller's frame buffer: ≈ 4 µs to seal and ≈ 6 µs to open a 3,100-byte frame;
//  - 'openssl': node:crypto, which must build a fresh cipher context per frame (≈ 15–22 µs each
//    way): the fallback when the addon does not load.
// Tag checks are constant-time in both (libsodium crypto_verify_16, OpenSSL CRYPTO_memcmp).
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { createRequire } from 'node:module';
import { assert, assertBytes } from '../assert.js';

/** ChaChaPoly key length (Noise §12.3). */
export const CIPHER_KEY_BYTES = 32;
/** Poly1305 tag length appended to every ciphertext. */
export const AEAD_TAG_BYTES = 16;

const EMPTY = new Uint8Array(0);
const ZEROS_32 = new Uint8Array(32);
// Noise §5.1: n is a 64-bit counter and 2^64-1 is reserved for REKEY. We keep n in a JS number;
// a link would need 2^53 frames to exhaust it, and we refuse long before wrapping.
const MAX_NONCE = Number.MAX_SAFE_INTEGER;

/** AEAD failure (wrong key, garbled or reordered ciphertext). */
export class AeadError extends Error {
  constructor() {
    super('aead: authentication failed');
    this.name = 'AeadError';
  }
}

export type AeadEngineName = 'libsodium' | 'openssl';

/** ENCRYPT / DECRYPT of Noise §12.3 on one library; `out` receives ciphertext‖tag or plaintext. */
interface AeadEngine {
  readonly name: AeadEngineName;
  seal(out: Uint8Array, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): void;
  /** False when the tag does not verify (nothing meaningful is left in `out` then). */
  open(out: Uint8Array, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array): boolean;
}

const OPENSSL: AeadEngine = Object.freeze({
  name: 'openssl' as const,
  seal(out: Uint8Array, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): void {
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: AEAD_TAG_BYTES });
    if (ad.length > 0) c.setAAD(ad, { plaintextLength: plaintext.length });
    out.set(c.update(plaintext), 0);
    c.final();
    out.set(c.getAuthTag(), plaintext.length);
  },
  open(out: Uint8Array, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array): boolean {
    const split = ciphertext.length - AEAD_TAG_BYTES;
    const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: AEAD_TAG_BYTES });
    d.setAuthTag(ciphertext.subarray(split));
    if (ad.length > 0) d.setAAD(ad, { plaintextLength: split });
    const body = d.update(ciphertext.subarray(0, split));
    try {
      d.final();
    } catch {
      return false;
    }
    out.set(body, 0);
    return true;
  },
});

/** The sodium-native functions used (it ships no types). */
interface SodiumAead {
  crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array): number;
}

function sodiumEngine(s: SodiumAead): AeadEngine {
  return Object.freeze({
    name: 'libsodium' as const,
    seal(out: Uint8Array, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): void {
      const c = plaintext.length + AEAD_TAG_BYTES === out.length ? out : out.subarray(0, plaintext.length + AEAD_TAG_BYTES);
      s.crypto_aead_chacha20poly1305_ietf_encrypt(c, plaintext, ad.length > 0 ? ad : null, null, nonce, key);
    },
    open(out: Uint8Array, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array): boolean {
      const m = out.length === ciphertext.length - AEAD_TAG_BYTES ? out : out.subarray(0, ciphertext.length - AEAD_TAG_BYTES);
      try {
        s.crypto_aead_chacha20poly1305_ietf_decrypt(m, null, ciphertext, ad.length > 0 ? ad : null, nonce, key);
        return true;
      } catch {
        return false; // libsodium: "could not verify data"
      }
    },
  });
}

let sodium: AeadEngine | null | undefined;

/** libsodium's engine, or null when sodium-native is not installed or does not load. */
function loadSodium(): AeadEngine | null {
  if (sodium !== undefined) return sodium;
  try {
    const s = createRequire(import.meta.url)('sodium-native') as Partial<SodiumAead>;
    sodium = typeof s.crypto_aead_chacha20poly1305_ietf_encrypt === 'function' ? sodiumEngine(s as SodiumAead) : null;
  } catch {
    sodium = null;
  }
  return sodium;
}

/** The AEAD engine a CipherState uses by default: libsodium when it loads, else OpenSSL. */
export function defaultAeadEngine(): AeadEngineName {
  return (loadSodium() ?? OPENSSL).name;
}

/** Engines available in this process (OpenSSL always; libsodium when sodium-native loads). */
export function availableAeadEngines(): AeadEngineName[] {
  return loadSodium() ? ['libsodium', 'openssl'] : ['openssl'];
}

// Noise §12.3: 96-bit nonce = 32 bits of zeros || little-endian 64-bit n.
function nonceBytes(n: number, out: Buffer): Buffer {
  out.writeUInt32LE(0, 0);
  out.writeUInt32LE(n >>> 0, 4);
  out.writeUInt32LE(Math.floor(n / 0x1_0000_0000), 8);
  return out;
}

function maxNonce(out: Buffer): Buffer {
  out.writeUInt32LE(0, 0);
  out.writeUInt32LE(0xffffffff, 4);
  out.writeUInt32LE(0xffffffff, 8);
  return out;
}

/** A Noise CipherState: key k (or none) and nonce n. */
export class CipherState {
  private k: Uint8Array | null = null;
  private n = 0;
  private readonly nonceBuf = Buffer.alloc(12);
  private readonly engine: AeadEngine;

  /** `engine`: 'auto' (default) = libsodium when sodium-native loads, else OpenSSL. */
  constructor(engine: 'auto' | AeadEngineName = 'auto') {
    assert(engine === 'auto' || engine === 'libsodium' || engine === 'openssl', "engine: must be 'auto', 'libsodium' or 'openssl'");
    const s = engine === 'openssl' ? null : loadSodium();
    assert(engine !== 'libsodium' || s !== null, 'engine: sodium-native is not available');
    this.engine = s ?? OPENSSL;
  }

  /** Which library seals and opens (diagnostics). */
  get engineName(): AeadEngineName {
    return this.engine.name;
  }

  /** InitializeKey(key) of §5.1: sets k and resets n to 0. */
  initializeKey(key: Uint8Array | null): void {
    if (key !== null) assertBytes('key', key, CIPHER_KEY_BYTES);
    this.k = key === null ? null : Uint8Array.from(key);
    this.n = 0;
  }

  hasKey(): boolean {
    return this.k !== null;
  }

  /** The next nonce (for tests and diagnostics; not secret). */
  get nonce(): number {
    return this.n;
  }

  /** EncryptWithAd(ad, plaintext) of §5.1 (plaintext returned as-is without a key). */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.k === null) return Uint8Array.from(plaintext);
    const out = new Uint8Array(plaintext.length + AEAD_TAG_BYTES);
    this.sealInto(ad, plaintext, out);
    return out;
  }

  /**
   * EncryptWithAd(ad, plaintext) written into `out` (ciphertext‖tag: plaintext.length + 16 bytes),
   * so a link frame is sealed in place without an intermediate buffer. Requires a key.
   */
  encryptWithAdInto(ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array): void {
    assertBytes('out', out, plaintext.length + AEAD_TAG_BYTES);
    assert(this.k !== null, 'cipher-state: encryptWithAdInto needs a key');
    this.sealInto(ad, plaintext, out);
  }

  /**
   * DecryptWithAd(ad, ciphertext) of §5.1. Throws AeadError on failure, in which case n is
   * not incremented (§5.1), though the link closes on any failure anyway. Returns a new buffer.
   */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.k === null) return Uint8Array.from(ciphertext);
    if (ciphertext.length < AEAD_TAG_BYTES) throw new AeadError();
    const out = new Uint8Array(ciphertext.length - AEAD_TAG_BYTES);
    this.decryptWithAdInto(ad, ciphertext, out);
    return out;
  }

  /**
   * DecryptWithAd(ad, ciphertext) written into `out` (ciphertext.length − 16 bytes), as
   * decryptWithAd otherwise; `out` is zeroed when authentication fails. Requires a key.
   */
  decryptWithAdInto(ad: Uint8Array, ciphertext: Uint8Array, out: Uint8Array): void {
    assert(this.k !== null, 'cipher-state: decryptWithAdInto needs a key');
    if (ciphertext.length < AEAD_TAG_BYTES) throw new AeadError();
    assertBytes('out', out, ciphertext.length - AEAD_TAG_BYTES);
    if (this.n >= MAX_NONCE) throw new Error('cipher-state: nonce exhausted');
    if (!this.engine.open(out, this.k, nonceBytes(this.n, this.nonceBuf), ad, ciphertext)) {
      out.fill(0); // nothing unauthenticated leaves this function
      throw new AeadError();
    }
    this.n++;
  }

  /**
   * Rekey() of §5.1 with the default REKEY(k) of §4.2: k = first 32 bytes of
   * ENCRYPT(k, maxnonce, zerolen, zeros). The nonce n is NOT reset (§11.3).
   */
  rekey(): void {
    if (this.k === null) throw new Error('cipher-state: rekey without a key');
    const out = new Uint8Array(ZEROS_32.length + AEAD_TAG_BYTES);
    this.engine.seal(out, this.k, maxNonce(this.nonceBuf), EMPTY, ZEROS_32);
    this.k.fill(0);
    this.k = out.slice(0, CIPHER_KEY_BYTES);
    out.fill(0);
  }

  /** Wipes the key (the state is unusable afterwards). */
  destroy(): void {
    this.k?.fill(0);
    this.k = null;
  }

  private sealInto(ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array): void {
    if (this.n >= MAX_NONCE) throw new Error('cipher-state: nonce exhausted');
    this.engine.seal(out, this.k as Uint8Array, nonceBytes(this.n, this.nonceBuf), ad, plaintext);
    this.n++;
  }
}

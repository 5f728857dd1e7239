// Noise CipherState (Noise spec rev 34 §5.1) for ChaChaPoly (§12.3) on node:crypto.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { assertBytes } from '../assert.js';

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

/** ENCRYPT(k, n, ad, plaintext) of Noise §12.3. */
function encrypt(key: Uint8Array, nonce: Buffer, ad: Uint8Array, plaintext: Uint8Array): Buffer {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: AEAD_TAG_BYTES });
  if (ad.length > 0) c.setAAD(ad, { plaintextLength: plaintext.length });
  const body = c.update(plaintext);
  c.final();
  return Buffer.concat([body, c.getAuthTag()]);
}

/** A Noise CipherState: key k (or none) and nonce n. */
export class CipherState {
  private k: Uint8Array | null = null;
  private n = 0;
  private readonly nonceBuf = Buffer.alloc(12);

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
    if (this.n >= MAX_NONCE) throw new Error('cipher-state: nonce exhausted');
    const out = encrypt(this.k, nonceBytes(this.n, this.nonceBuf), ad, plaintext);
    this.n++;
    return out;
  }

  /**
   * DecryptWithAd(ad, ciphertext) of §5.1. Throws AeadError on failure, in which case n is
   * not incremented (§5.1), though the link closes on any failure anyway.
   */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.k === null) return Uint8Array.from(ciphertext);
    if (ciphertext.length < AEAD_TAG_BYTES) throw new AeadError();
    if (this.n >= MAX_NONCE) throw new Error('cipher-state: nonce exhausted');
    const split = ciphertext.length - AEAD_TAG_BYTES;
    const d = createDecipheriv('chacha20-poly1305', this.k, nonceBytes(this.n, this.nonceBuf), {
      authTagLength: AEAD_TAG_BYTES,
    });
    d.setAuthTag(ciphertext.subarray(split));
    if (ad.length > 0) d.setAAD(ad, { plaintextLength: split });
    const body = d.update(ciphertext.subarray(0, split));
    try {
      d.final();
    } catch {
      throw new AeadError();
    }
    this.n++;
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  }

  /**
   * Rekey() of §5.1 with the default REKEY(k) of §4.2: k = first 32 bytes of
   * ENCRYPT(k, maxnonce, zerolen, zeros). The nonce n is NOT reset (§11.3).
   */
  rekey(): void {
    if (this.k === null) throw new Error('cipher-state: rekey without a key');
    const out = encrypt(this.k, maxNonce(this.nonceBuf), EMPTY, ZEROS_32);
    this.k.fill(0);
    this.k = Uint8Array.from(out.subarray(0, CIPHER_KEY_BYTES));
  }

  /** Wipes the key (the state is unusable afterwards). */
  destroy(): void {
    this.k?.fill(0);
    this.k = null;
  }
}

// Noise SymmetricState (Noise spec rev 34 §5.2) with SHA-256 (§12.5) and HMAC-based HKDF (§4.3).
import { createHash, createHmac } from 'node:crypto';
import { CipherState } from './cipher-state.js';

/** HASHLEN for SHA-256. */
export const HASH_BYTES = 32;

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

function hmac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

const BYTE_1 = Uint8Array.of(1);
const BYTE_2 = Uint8Array.of(2);
const BYTE_3 = Uint8Array.of(3);

/** HKDF(chaining_key, ikm, n) of §4.3, returning two or three HASHLEN outputs. */
export function noiseHkdf(chainingKey: Uint8Array, ikm: Uint8Array, outputs: 2 | 3): Uint8Array[] {
  const temp = hmac(chainingKey, ikm);
  const o1 = hmac(temp, BYTE_1);
  const o2 = hmac(temp, o1, BYTE_2);
  if (outputs === 2) return [o1, o2];
  return [o1, o2, hmac(temp, o2, BYTE_3)];
}

/** A Noise SymmetricState: chaining key ck, handshake hash h and a CipherState. */
export class SymmetricState {
  private ck: Uint8Array;
  private h: Uint8Array;
  readonly cipher = new CipherState();

  /** InitializeSymmetric(protocol_name) of §5.2. */
  constructor(protocolName: string) {
    const name = Buffer.from(protocolName, 'ascii');
    // §5.2: if the name is at most HASHLEN bytes, pad it with zeros; otherwise hash it.
    if (name.length <= HASH_BYTES) {
      this.h = new Uint8Array(HASH_BYTES);
      this.h.set(name);
    } else {
      this.h = sha256(name);
    }
    this.ck = Uint8Array.from(this.h);
    this.cipher.initializeKey(null);
  }

  /** MixKey(input_key_material) of §5.2. */
  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = noiseHkdf(this.ck, ikm, 2);
    this.ck = ck;
    this.cipher.initializeKey(tempK); // HASHLEN 32 = key length: no truncation needed
  }

  /** MixHash(data) of §5.2. */
  mixHash(data: Uint8Array): void {
    this.h = sha256(this.h, data);
  }

  /** EncryptAndHash(plaintext) of §5.2. */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ct = this.cipher.encryptWithAd(this.h, plaintext);
    this.mixHash(ct);
    return ct;
  }

  /** DecryptAndHash(ciphertext) of §5.2 (throws AeadError). */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const pt = this.cipher.decryptWithAd(this.h, ciphertext);
    this.mixHash(ciphertext);
    return pt;
  }

  /** The handshake hash h (channel binding after the handshake, §11.2). */
  handshakeHash(): Uint8Array {
    return Uint8Array.from(this.h);
  }

  /** Split() of §5.2: two CipherStates, initiator→responder first. */
  split(): [CipherState, CipherState] {
    const [k1, k2] = noiseHkdf(this.ck, new Uint8Array(0), 2);
    const c1 = new CipherState();
    const c2 = new CipherState();
    c1.initializeKey(k1);
    c2.initializeKey(k2);
    this.ck.fill(0);
    this.cipher.destroy();
    return [c1, c2];
  }
}

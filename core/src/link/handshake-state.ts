// Noise HandshakeState (Noise spec rev 34 §5.3) for the XX pattern (§7.5):
//   -> e
//   <- e, ee, s, es
//   -> s, se
// Suite Noise_XX_25519_ChaChaPoly_SHA256. Checked byte for byte against the cacophony vectors
// (core/test/link/vectors/). Ephemeral keys can be injected for those vectors.
import { timingSafeEqual, type KeyObject } from 'node:crypto';
import { assertBytes } from '../assert.js';
import { AeadError, AEAD_TAG_BYTES, type CipherState } from './cipher-state.js';
import { HandshakeError } from './errors.js';
import { SymmetricState } from './symmetric-state.js';
import {
  dh,
  generateLinkKeyPair,
  privateKeyObject,
  publicKeyObject,
  X25519_KEY_BYTES,
  type LinkKeyPair,
} from './x25519.js';

/** The Noise protocol name of the link (Noise §8). */
export const NOISE_PROTOCOL_NAME = 'Noise_XX_25519_ChaChaPoly_SHA256';

/** Sizes of the three XX messages with payload length p: e | e,enc(s),enc(p) | enc(s),enc(p). */
export function xxMessageBytes(index: 0 | 1 | 2, payloadBytes: number): number {
  const encS = X25519_KEY_BYTES + AEAD_TAG_BYTES;
  if (index === 0) return X25519_KEY_BYTES + payloadBytes; // no key yet: payload in clear
  if (index === 1) return X25519_KEY_BYTES + encS + payloadBytes + AEAD_TAG_BYTES;
  return encS + payloadBytes + AEAD_TAG_BYTES;
}

export type HandshakeRole = 'initiator' | 'responder';

export interface HandshakeStateOptions {
  role: HandshakeRole;
  prologue: Uint8Array;
  staticKey: LinkKeyPair;
  /** Fixed ephemeral key (test vectors only); a fresh one is generated otherwise. */
  ephemeralKey?: LinkKeyPair;
}

/** Result of a completed handshake. */
export interface HandshakeResult {
  /** CipherState for frames this side sends. */
  send: CipherState;
  /** CipherState for frames this side receives. */
  recv: CipherState;
  /** The peer's authenticated static public key. */
  remoteStaticKey: Uint8Array;
  /** Noise handshake hash h (channel binding). */
  handshakeHash: Uint8Array;
}

function badHandshake(message: string, cause?: unknown): HandshakeError {
  return new HandshakeError('bad_handshake', message, cause === undefined ? undefined : { cause });
}

/** One side of an XX handshake. Call writeMessage/readMessage alternately, then split(). */
export class XXHandshakeState {
  private readonly ss: SymmetricState;
  private readonly role: HandshakeRole;
  private readonly s: KeyObject;
  private readonly sPub: Uint8Array;
  private readonly fixedE: LinkKeyPair | undefined;
  private e: KeyObject | null = null;
  private ePub: Uint8Array | null = null;
  private re: KeyObject | null = null;
  private rs: KeyObject | null = null;
  private rsPub: Uint8Array | null = null;
  private step = 0; // index of the next message (0, 1, 2); 3 = done

  constructor(opts: HandshakeStateOptions) {
    assertBytes('prologue', opts.prologue);
    this.role = opts.role;
    this.s = privateKeyObject(opts.staticKey);
    this.sPub = Uint8Array.from(opts.staticKey.publicKey);
    this.fixedE = opts.ephemeralKey;
    // §5.3 Initialize(): InitializeSymmetric(protocol_name), MixHash(prologue); XX has no pre-messages.
    this.ss = new SymmetricState(NOISE_PROTOCOL_NAME);
    this.ss.mixHash(opts.prologue);
  }

  /** True when this side writes the next message. */
  isMyTurn(): boolean {
    return this.step < 3 && (this.step % 2 === 0) === (this.role === 'initiator');
  }

  isComplete(): boolean {
    return this.step === 3;
  }

  /** The peer's static key once received (after message 1 for the initiator, 2 for the responder). */
  remoteStaticKey(): Uint8Array | null {
    return this.rsPub === null ? null : Uint8Array.from(this.rsPub);
  }

  private genEphemeral(): Uint8Array {
    const pair = this.fixedE ?? generateLinkKeyPair();
    this.e = privateKeyObject(pair);
    this.ePub = Uint8Array.from(pair.publicKey);
    return this.ePub;
  }

  /** WriteMessage(payload) of §5.3. */
  writeMessage(payload: Uint8Array): Uint8Array {
    assertBytes('payload', payload);
    if (!this.isMyTurn()) throw new Error('handshake: not this side\'s turn to write');
    const parts: Uint8Array[] = [];
    if (this.step === 0) {
      // -> e
      const e = this.genEphemeral();
      parts.push(e);
      this.ss.mixHash(e);
    } else if (this.step === 1) {
      // <- e, ee, s, es   (responder)
      const e = this.genEphemeral();
      parts.push(e);
      this.ss.mixHash(e);
      this.ss.mixKey(dh(this.e!, this.re!));
      parts.push(this.ss.encryptAndHash(this.sPub));
      this.ss.mixKey(dh(this.s, this.re!)); // es: responder computes DH(s, re)
    } else {
      // -> s, se   (initiator)
      parts.push(this.ss.encryptAndHash(this.sPub));
      this.ss.mixKey(dh(this.s, this.re!)); // se: initiator computes DH(s, re)
    }
    parts.push(this.ss.encryptAndHash(payload));
    this.step++;
    return Buffer.concat(parts);
  }

  /** ReadMessage(message) of §5.3; returns the payload. Throws HandshakeError. */
  readMessage(message: Uint8Array, payloadBytes = 0): Uint8Array {
    assertBytes('message', message);
    if (this.step >= 3 || this.isMyTurn()) throw new Error('handshake: not this side\'s turn to read');
    const expected = xxMessageBytes(this.step as 0 | 1 | 2, payloadBytes);
    if (message.length !== expected) {
      throw badHandshake(`handshake message ${this.step}: expected ${expected} bytes, got ${message.length}`);
    }
    let off = 0;
    try {
      if (this.step === 0 || this.step === 1) {
        const re = message.subarray(0, X25519_KEY_BYTES);
        off = X25519_KEY_BYTES;
        this.re = publicKeyObject(re);
        this.ss.mixHash(re);
      }
      if (this.step === 1) {
        // <- e, ee, s, es   (initiator reads)
        this.ss.mixKey(dh(this.e!, this.re!));
        const encS = message.subarray(off, off + X25519_KEY_BYTES + AEAD_TAG_BYTES);
        off += encS.length;
        this.rsPub = this.ss.decryptAndHash(encS);
        this.rs = publicKeyObject(this.rsPub);
        this.ss.mixKey(dh(this.e!, this.rs)); // es: initiator computes DH(e, rs)
      } else if (this.step === 2) {
        // -> s, se   (responder reads)
        const encS = message.subarray(0, X25519_KEY_BYTES + AEAD_TAG_BYTES);
        off = encS.length;
        this.rsPub = this.ss.decryptAndHash(encS);
        this.rs = publicKeyObject(this.rsPub);
        this.ss.mixKey(dh(this.e!, this.rs)); // se: responder computes DH(e, rs)
      }
      const payload = this.ss.decryptAndHash(message.subarray(off));
      this.step++;
      return payload;
    } catch (err) {
      if (err instanceof HandshakeError) throw err;
      if (err instanceof AeadError) throw badHandshake(`handshake message ${this.step}: authentication failed`);
      throw badHandshake(`handshake message ${this.step}: malformed`, err);
    }
  }

  /** True when `key` equals the peer's static key (constant time). */
  remoteStaticKeyEquals(key: Uint8Array): boolean {
    assertBytes('key', key, X25519_KEY_BYTES);
    return this.rsPub !== null && timingSafeEqual(this.rsPub, key);
  }

  /** Split() after the last message: returns the transport CipherStates for this side. */
  split(): HandshakeResult {
    if (this.step !== 3 || this.rsPub === null) throw new Error('handshake: not complete');
    const handshakeHash = this.ss.handshakeHash();
    const [c1, c2] = this.ss.split(); // §5.2: c1 initiator→responder, c2 responder→initiator
    const initiator = this.role === 'initiator';
    return {
      send: initiator ? c1 : c2,
      recv: initiator ? c2 : c1,
      remoteStaticKey: Uint8Array.from(this.rsPub),
      handshakeHash,
    };
  }
}

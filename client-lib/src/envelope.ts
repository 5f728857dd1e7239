// End-to-end envelope (docs/spec/client.md §Envelope): encrypted to the recipient's long-term X25519
// key, signed by the sender's Ed25519 key inside the encryption, padded to a fixed size so that the
// recipient's provider — which sees the Sphinx payload in clear — learns neither sender nor length.
//
//   wire      = version(1)=1 || epk(32) || XChaCha20-Poly1305(k, n, plaintext, aad = version || epk)
//   k || n    = HKDF-SHA256(ikm = X25519(esk, recipient x25519), salt = "strata-envelope-v1",
//                           info = epk || recipient x25519, 32 + 24)
//   plaintext = sender ed25519(32) || sig(64) || u16be(bodyLen) || body || zero padding
//   sig       = Ed25519(sender, "strata-envelope-v1 sig" || recipient ed25519 || recipient x25519 || epk
//                               || u16be(bodyLen) || body)
// Ephemeral-static rather than static-static: a first message from a stranger (contact request) must
// decrypt before the recipient knows the sender's key; nothing about the sender is in clear; a leaked
// sender X25519 key does not open what it sent. The signature names the recipient and the ephemeral key,
// so a recipient cannot re-encrypt a signed envelope to a third party as if it had been sent to them.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, assertBytesRange, assertInt } from './assert.js';
import { concatBytes, isAllZero, readU16be, u16be, utf8ToBytes } from './bytes.js';
import { portableBackend, type CryptoBackend } from './crypto-backend.js';
import { EnvelopeError } from './errors.js';
import { publicIdentity, type Identity, type PublicIdentity } from './identity.js';

export const ENVELOPE_VERSION = 1;
const EPK_BYTES = 32;
const TAG_BYTES = 16;
const SENDER_BYTES = 32;
const SIGNATURE_BYTES = 64;
const LENGTH_BYTES = 2;
/** Bytes of every envelope that are not body: 1 + 32 + 16 + 32 + 64 + 2 = 147. */
export const ENVELOPE_OVERHEAD_BYTES = 1 + EPK_BYTES + TAG_BYTES + SENDER_BYTES + SIGNATURE_BYTES + LENGTH_BYTES;
/** The body length travels as a u16. */
export const MAX_ENVELOPE_BYTES = 65535;
const HEADER_BYTES = 1 + EPK_BYTES;
const SALT = utf8ToBytes('strata-envelope-v1');
const SIG_LABEL = utf8ToBytes('strata-envelope-v1 sig');

/** The most body bytes an envelope of `envelopeBytes` can carry. */
export function envelopeCapacity(envelopeBytes: number): number {
  assertInt(envelopeBytes, 'envelopeBytes', ENVELOPE_OVERHEAD_BYTES, MAX_ENVELOPE_BYTES);
  return envelopeBytes - ENVELOPE_OVERHEAD_BYTES;
}

export interface OpenedEnvelope {
  /** Authenticated sender: compare against the contact list (the allow list) before showing anything. */
  readonly senderEd25519PublicKey: Uint8Array;
  readonly body: Uint8Array;
}

function keys(shared: Uint8Array, epk: Uint8Array, recipientX: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const okm = hkdf(sha256, shared, SALT, concatBytes(epk, recipientX), 32 + 24);
  shared.fill(0);
  return { key: okm.subarray(0, 32), nonce: okm.subarray(32) };
}

function signedMessage(recipient: PublicIdentity, epk: Uint8Array, body: Uint8Array): Uint8Array {
  return concatBytes(SIG_LABEL, recipient.ed25519PublicKey, recipient.x25519PublicKey, epk, u16be(body.length), body);
}

/** Seals `body` from `sender` to `recipient` into exactly `envelopeBytes` bytes. */
export function sealEnvelope(
  sender: Identity,
  recipient: PublicIdentity,
  body: Uint8Array,
  envelopeBytes: number,
  backend: CryptoBackend = portableBackend,
): Uint8Array {
  assertBytes(sender?.ed25519Seed, 'sealEnvelope.sender.ed25519Seed', 32);
  assertBytes(sender.ed25519PublicKey, 'sealEnvelope.sender.ed25519PublicKey', 32);
  const to = publicIdentity(recipient);
  const capacity = envelopeCapacity(envelopeBytes);
  assertBytesRange(body, 'sealEnvelope.body', 0, capacity);
  const eph = backend.x25519Ephemeral();
  const { key, nonce } = keys(eph.agree(to.x25519PublicKey), eph.publicKey, to.x25519PublicKey);
  const signature = backend.ed25519Sign(signedMessage(to, eph.publicKey, body), sender.ed25519Seed);
  const plaintext = new Uint8Array(envelopeBytes - HEADER_BYTES - TAG_BYTES); // zero padding included
  plaintext.set(sender.ed25519PublicKey, 0);
  plaintext.set(signature, SENDER_BYTES);
  plaintext.set(u16be(body.length), SENDER_BYTES + SIGNATURE_BYTES);
  plaintext.set(body, SENDER_BYTES + SIGNATURE_BYTES + LENGTH_BYTES);
  const header = concatBytes(Uint8Array.of(ENVELOPE_VERSION), eph.publicKey);
  const out = concatBytes(header, xchacha20poly1305(key, nonce, header).encrypt(plaintext));
  key.fill(0);
  return out;
}

/**
 * Opens an envelope addressed to `recipient`. Throws EnvelopeError: 'length' | 'version' | 'key' |
 * 'decrypt' (not for us, or tampered) | 'body-length' | 'signature'. The caller checks the returned
 * sender against its allow list.
 */
export function openEnvelope(recipient: Identity, envelope: Uint8Array, backend: CryptoBackend = portableBackend): OpenedEnvelope {
  assertBytes(recipient?.x25519SecretKey, 'openEnvelope.recipient.x25519SecretKey', 32);
  const self = publicIdentity(recipient);
  if (!(envelope instanceof Uint8Array) || envelope.length < ENVELOPE_OVERHEAD_BYTES || envelope.length > MAX_ENVELOPE_BYTES) {
    throw new EnvelopeError('length', 'envelope: bad length');
  }
  if (envelope[0] !== ENVELOPE_VERSION) throw new EnvelopeError('version', `envelope: unknown version ${envelope[0]}`);
  const header = envelope.subarray(0, HEADER_BYTES);
  const epk = envelope.slice(1, HEADER_BYTES);
  const { key, nonce } = keys(backend.x25519(recipient.x25519SecretKey, epk), epk, self.x25519PublicKey);
  let plaintext: Uint8Array;
  try {
    plaintext = xchacha20poly1305(key, nonce, header).decrypt(envelope.subarray(HEADER_BYTES));
  } catch {
    throw new EnvelopeError('decrypt', 'envelope: does not decrypt (not for us, or tampered)');
  } finally {
    key.fill(0);
  }
  const bodyStart = SENDER_BYTES + SIGNATURE_BYTES + LENGTH_BYTES;
  const bodyLength = readU16be(plaintext, SENDER_BYTES + SIGNATURE_BYTES);
  if (bodyStart + bodyLength > plaintext.length || !isAllZero(plaintext.subarray(bodyStart + bodyLength))) {
    throw new EnvelopeError('body-length', 'envelope: body length or padding is invalid');
  }
  const sender = plaintext.slice(0, SENDER_BYTES);
  const signature = plaintext.subarray(SENDER_BYTES, SENDER_BYTES + SIGNATURE_BYTES);
  const body = plaintext.slice(bodyStart, bodyStart + bodyLength);
  if (!backend.ed25519Verify(signature, signedMessage(self, epk, body), sender)) {
    throw new EnvelopeError('signature', 'envelope: the sender signature does not verify');
  }
  return Object.freeze({ senderEd25519PublicKey: sender, body });
}

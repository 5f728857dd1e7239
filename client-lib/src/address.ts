// The shareable address (docs/spec/client.md §Address): names the client's provider (URL + the node id
// of the provider's identity key, as published in the consensus) and carries the client's long-term
// public keys. It never names an alias: contacts derive pairwise aliases from the keys.
//
// Text form: "strata1" || base32(payload || checksum), base32 with the bech32 alphabet (no 1 b i o),
// lowercase (an all-uppercase string, as from a QR code, is accepted).
// payload  = version(1)=1 || ed25519 pub(32) || x25519 pub(32) || provider node id(32) || urlLen(1) || url
// checksum = SHA-256("strata-address-v1" || payload)[0..5]  (40 bits: catches any typo with p ≈ 1 − 2^-40)
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, assertString } from './assert.js';
import { bytesToUtf8, concatBytes, ctEqual, isAllZero, utf8ToBytes } from './bytes.js';
import { AddressError } from './errors.js';
import type { PublicIdentity } from './identity.js';

export const ADDRESS_PREFIX = 'strata1';
export const ADDRESS_VERSION = 1;
export const PROVIDER_NODE_ID_BYTES = 32;
export const MAX_PROVIDER_URL_BYTES = 255;
const CHECKSUM_BYTES = 5;
const FIXED_PAYLOAD_BYTES = 1 + 32 + 32 + PROVIDER_NODE_ID_BYTES + 1;
/** Longest possible text form, for input-size checks before decoding. */
export const MAX_ADDRESS_CHARS = ADDRESS_PREFIX.length + Math.ceil(((FIXED_PAYLOAD_BYTES + MAX_PROVIDER_URL_BYTES + CHECKSUM_BYTES) * 8) / 5);
const ALPHABET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const ALPHABET_INDEX = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));
const CHECKSUM_LABEL = utf8ToBytes('strata-address-v1');

export interface ProviderRef {
  /** Base URL of the provider's client API (http: allowed for local networks, https: otherwise). */
  readonly url: string;
  /** BLAKE2b-256 of the provider's identity public key (its node id in the consensus). */
  readonly nodeId: Uint8Array;
}

export interface Address extends PublicIdentity {
  readonly provider: ProviderRef;
}

function checksum(payload: Uint8Array): Uint8Array {
  return sha256(concatBytes(CHECKSUM_LABEL, payload)).subarray(0, CHECKSUM_BYTES);
}

function validateUrl(url: string, fail: (msg: string) => never): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    fail('provider url does not parse');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') fail('provider url must be http: or https:');
  if (parsed.username !== '' || parsed.password !== '') fail('provider url must not carry credentials');
  if (parsed.search !== '' || parsed.hash !== '') fail('provider url must not carry a query or fragment');
}

function toBase32(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

function fromBase32(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const c of text) {
    const v = ALPHABET_INDEX.get(c);
    if (v === undefined) throw new AddressError('charset', 'address: character outside the base32 alphabet');
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
  }
  // canonical form only: the leftover bits (< 5) must be zero
  if (bits >= 5 || acc !== 0) throw new AddressError('charset', 'address: non-canonical base32 padding');
  return out;
}

/** The Ed25519 key must be a canonical point of prime order; the X25519 key must not be zero. */
function assertPublicKeys(ed25519PublicKey: Uint8Array, x25519PublicKey: Uint8Array): void {
  let ok = false;
  try {
    const point = ed25519.Point.fromBytes(ed25519PublicKey);
    ok = !point.is0() && point.isTorsionFree() && !point.clearCofactor().is0();
  } catch {
    ok = false;
  }
  if (!ok) throw new AddressError('key', 'address: the Ed25519 key is not a valid public key');
  if (isAllZero(x25519PublicKey)) throw new AddressError('key', 'address: the X25519 key is zero');
}

export function encodeAddress(address: Address): string {
  assertBytes(address?.ed25519PublicKey, 'address.ed25519PublicKey', 32);
  assertBytes(address.x25519PublicKey, 'address.x25519PublicKey', 32);
  assertBytes(address.provider?.nodeId, 'address.provider.nodeId', PROVIDER_NODE_ID_BYTES);
  assertString(address.provider.url, 'address.provider.url', MAX_PROVIDER_URL_BYTES, 1);
  assertPublicKeys(address.ed25519PublicKey, address.x25519PublicKey);
  const url = utf8ToBytes(address.provider.url);
  if (url.length > MAX_PROVIDER_URL_BYTES) throw new AddressError('url', `address.provider.url: longer than ${MAX_PROVIDER_URL_BYTES} bytes`);
  validateUrl(address.provider.url, (msg) => {
    throw new AddressError('url', `address.provider.url: ${msg}`);
  });
  const payload = concatBytes(
    Uint8Array.of(ADDRESS_VERSION),
    address.ed25519PublicKey,
    address.x25519PublicKey,
    address.provider.nodeId,
    Uint8Array.of(url.length),
    url,
  );
  return ADDRESS_PREFIX + toBase32(concatBytes(payload, checksum(payload)));
}

/** Decodes a text address; throws AddressError with a `reason` for anything malformed. */
export function decodeAddress(text: string): Address {
  if (typeof text !== 'string') throw new AddressError('prefix', 'address: must be a string');
  const trimmed = text.trim();
  if (trimmed.length > MAX_ADDRESS_CHARS) throw new AddressError('length', 'address: too long');
  const lower = trimmed.toLowerCase();
  if (trimmed !== lower && trimmed !== trimmed.toUpperCase()) throw new AddressError('charset', 'address: mixed case');
  if (!lower.startsWith(ADDRESS_PREFIX)) throw new AddressError('prefix', `address: must start with ${ADDRESS_PREFIX}`);
  const raw = fromBase32(lower.slice(ADDRESS_PREFIX.length));
  if (raw.length < FIXED_PAYLOAD_BYTES + CHECKSUM_BYTES) throw new AddressError('length', 'address: too short');
  const payload = raw.subarray(0, raw.length - CHECKSUM_BYTES);
  if (!ctEqual(checksum(payload), raw.subarray(raw.length - CHECKSUM_BYTES))) {
    throw new AddressError('checksum', 'address: checksum mismatch (mistyped?)');
  }
  if (payload[0] !== ADDRESS_VERSION) throw new AddressError('version', `address: unknown version ${payload[0]}`);
  const urlLength = payload[FIXED_PAYLOAD_BYTES - 1];
  if (payload.length !== FIXED_PAYLOAD_BYTES + urlLength) throw new AddressError('length', 'address: url length mismatch');
  let url: string;
  try {
    url = bytesToUtf8(payload.subarray(FIXED_PAYLOAD_BYTES));
  } catch {
    throw new AddressError('url', 'address: provider url is not UTF-8');
  }
  validateUrl(url, (msg) => {
    throw new AddressError('url', `address: ${msg}`);
  });
  const ed25519PublicKey = payload.slice(1, 33);
  const x25519PublicKey = payload.slice(33, 65);
  assertPublicKeys(ed25519PublicKey, x25519PublicKey);
  return Object.freeze({
    ed25519PublicKey,
    x25519PublicKey,
    provider: Object.freeze({ url, nodeId: payload.slice(65, 97) }),
  });
}

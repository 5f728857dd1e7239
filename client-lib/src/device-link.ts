// Linking a second device to an account with a one-time link code (issue 6 item 7, client.md §12).
// The code is 32 random bytes; everything else derives from it (HKDF-SHA256): a one-time alias at
// the first device's provider, that alias's signing key, its account and device keys, and the key
// that seals the bundle (identity secrets and contacts) the first device sends into that alias
// through the mixnet. The new device polls the alias with the derived device key, opens the bundle,
// acknowledges it (the dropbox is then empty: the code is spent) and registers its own devices.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, assertInt, assertString } from './assert.js';
import { base64ToBytes, bytesToBase64, bytesToHex, bytesToUtf8, hexToBytes, utf8ToBytes } from './bytes.js';
import { ClientError } from './errors.js';

export const LINK_CODE_PREFIX = 'strata-link1-';
export const LINK_SECRET_BYTES = 32;
/** Chunk header: u8 index ‖ u8 count ‖ u16be ciphertext length. */
export const LINK_CHUNK_HEADER_BYTES = 4;
const TAG_BYTES = 16;
const MAX_CHUNKS = 255;
const SALT = utf8ToBytes('strata-device-link-v1');

export interface LinkKeys {
  /** The one-time alias (32 bytes) at the first device's provider. */
  readonly aliasId: Uint8Array;
  readonly aliasSeed: Uint8Array;
  readonly accountSeed: Uint8Array;
  readonly deviceSeed: Uint8Array;
  /** XChaCha20-Poly1305 key of the bundle chunks. */
  readonly sealKey: Uint8Array;
}

export interface LinkBundle {
  readonly identity: Uint8Array;
  readonly contacts: readonly { readonly address: string; readonly name: string; readonly verified: boolean }[];
}

export function encodeLinkCode(secret: Uint8Array): string {
  assertBytes(secret, 'linkCode.secret', LINK_SECRET_BYTES);
  return LINK_CODE_PREFIX + bytesToHex(secret);
}

/** Throws ClientError('bad-link-code') on anything but `strata-link1-` + 64 hex digits. */
export function decodeLinkCode(text: string): Uint8Array {
  if (typeof text !== 'string' || !text.startsWith(LINK_CODE_PREFIX) || !/^[0-9a-f]{64}$/.test(text.slice(LINK_CODE_PREFIX.length))) {
    throw new ClientError('bad-link-code', `a link code is ${LINK_CODE_PREFIX} followed by 64 hex digits`);
  }
  return hexToBytes(text.slice(LINK_CODE_PREFIX.length));
}

export function deriveLinkKeys(secret: Uint8Array): LinkKeys {
  assertBytes(secret, 'linkKeys.secret', LINK_SECRET_BYTES);
  const k = (label: string): Uint8Array => hkdf(sha256, secret, SALT, utf8ToBytes(label), 32);
  return Object.freeze({ aliasId: k('alias'), aliasSeed: k('alias-signing'), accountSeed: k('account'), deviceSeed: k('device'), sealKey: k('seal') });
}

function nonceFor(index: number): Uint8Array {
  // One key per code, one nonce per chunk index: never reused.
  const n = new Uint8Array(24);
  n[23] = index;
  return n;
}

/** Seals `plain` into bodies of exactly `bodyBytes`, one per chunk (at most 255). */
export function sealLinkChunks(plain: Uint8Array, sealKey: Uint8Array, bodyBytes: number): Uint8Array[] {
  assertBytes(plain, 'link.plain');
  assertBytes(sealKey, 'link.sealKey', 32);
  assertInt(bodyBytes, 'link.bodyBytes', LINK_CHUNK_HEADER_BYTES + TAG_BYTES + 1, 0xffff);
  const cap = bodyBytes - LINK_CHUNK_HEADER_BYTES - TAG_BYTES;
  const count = Math.max(1, Math.ceil(plain.length / cap));
  if (count > MAX_CHUNKS) throw new ClientError('bad-config', 'link bundle too large (more than 255 chunks): too many contacts');
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const head = Uint8Array.of(i, count);
    const ct = xchacha20poly1305(sealKey, nonceFor(i), head).encrypt(plain.subarray(i * cap, (i + 1) * cap));
    const body = new Uint8Array(bodyBytes);
    body.set(head, 0);
    body[2] = ct.length >>> 8;
    body[3] = ct.length & 0xff;
    body.set(ct, LINK_CHUNK_HEADER_BYTES);
    out.push(body);
  }
  return out;
}

/** Reads one chunk body: index, count and the still-sealed ciphertext. Throws ClientError('bad-link-code'). */
export function decodeLinkChunk(body: Uint8Array): { index: number; count: number; sealed: Uint8Array } {
  assertBytes(body, 'link.chunk');
  const bad = (): never => {
    throw new ClientError('bad-link-code', 'a link chunk is malformed');
  };
  if (body.length < LINK_CHUNK_HEADER_BYTES + TAG_BYTES) bad();
  const index = body[0];
  const count = body[1];
  const len = (body[2] << 8) | body[3];
  if (count === 0 || index >= count || len < TAG_BYTES || LINK_CHUNK_HEADER_BYTES + len > body.length) bad();
  return { index, count, sealed: body.subarray(LINK_CHUNK_HEADER_BYTES, LINK_CHUNK_HEADER_BYTES + len) };
}

/** Opens and joins the chunks (indexed by chunk index); throws ClientError('bad-link-code') on any failure. */
export function openLinkChunks(chunks: readonly Uint8Array[], sealKey: Uint8Array): Uint8Array {
  assertBytes(sealKey, 'link.sealKey', 32);
  const parts: Uint8Array[] = [];
  try {
    chunks.forEach((sealed, i) => parts.push(xchacha20poly1305(sealKey, nonceFor(i), Uint8Array.of(i, chunks.length)).decrypt(sealed)));
  } catch {
    throw new ClientError('bad-link-code', 'the link bundle does not open with this code');
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function encodeLinkBundle(b: LinkBundle): Uint8Array {
  assertBytes(b?.identity, 'bundle.identity');
  return utf8ToBytes(JSON.stringify({ v: 1, identity: bytesToBase64(b.identity), contacts: b.contacts.map((c) => ({ a: c.address, n: c.name, v: c.verified })) }));
}

export function decodeLinkBundle(bytes: Uint8Array): LinkBundle {
  try {
    const j = JSON.parse(bytesToUtf8(bytes)) as { v: number; identity: string; contacts: { a: string; n: string; v: boolean }[] };
    if (j.v !== 1 || !Array.isArray(j.contacts)) throw new Error('version');
    return {
      identity: base64ToBytes(j.identity),
      contacts: j.contacts.map((c) => {
        assertString(c.a, 'bundle.contacts.address', 4096, 1);
        assertString(c.n, 'bundle.contacts.name', 4096, 1);
        return { address: c.a, name: c.n, verified: c.v === true };
      }),
    };
  } catch {
    throw new ClientError('bad-link-code', 'the link bundle is malformed');
  }
}

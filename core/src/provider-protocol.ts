// Wire formats shared by the provider (server) and client-lib (client): the bytes a signed client
// request covers, the /.well-known/strata signature domain and the fixed-size poll response.
// docs/spec/provider.md §2, §3.1 and §5. Pure functions over Uint8Array (no node:crypto), so the
// client side stays portable.
import { sha256 } from '@noble/hashes/sha2.js';
import { assert, assertBytes, assertInt } from './assert.js';
import { DecodeError } from './errors.js';

export const SIGNED_REQUEST_OPS = ['register-device', 'remove-device', 'register-alias', 'poll', 'ack', 'register-surbs'] as const;
export type SignedRequestOp = (typeof SIGNED_REQUEST_OPS)[number];
/** Random nonce of every signed request. */
export const REQUEST_NONCE_BYTES = 16;
/** Dropbox message id: u64be sequence number (provider.md §4). */
export const DROPBOX_MESSAGE_ID_BYTES = 8;
export const MAX_SIGNED_FIELD_BYTES = 0xffff;

const REQUEST_DOMAIN = 'strata-provider-v1:';
const WELL_KNOWN_DOMAIN = 'strata-provider-v1:well-known\0';
const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** u64 big-endian, the encoding of integers inside signed fields. */
export function encodeU64(n: number): Uint8Array {
  assertInt('n', n);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

/**
 *   signed = "strata-provider-v1:" ‖ op ‖ 0x00 ‖ Σ(u16be len ‖ field) ‖ u64be timestampMs ‖ nonce(16)
 * Every field is length-prefixed, so no two different requests share signing bytes; the op name
 * separates domains (provider.md §2).
 */
export function requestSigningBytes(op: SignedRequestOp, fields: readonly Uint8Array[], timestampMs: number, nonce: Uint8Array): Uint8Array {
  assert((SIGNED_REQUEST_OPS as readonly string[]).includes(op), `op: unknown signed request ${String(op)}`);
  assert(Array.isArray(fields), 'fields: expected an array');
  assertInt('timestampMs', timestampMs);
  assertBytes('nonce', nonce, REQUEST_NONCE_BYTES);
  const head = latin1(`${REQUEST_DOMAIN}${op}\0`);
  let total = head.length + 8 + REQUEST_NONCE_BYTES;
  fields.forEach((f, i) => {
    assertBytes(`fields[${i}]`, f);
    assert(f.length <= MAX_SIGNED_FIELD_BYTES, `fields[${i}]: longer than ${MAX_SIGNED_FIELD_BYTES} bytes`);
    total += 2 + f.length;
  });
  const out = new Uint8Array(total);
  out.set(head, 0);
  let off = head.length;
  for (const f of fields) {
    out[off] = f.length >>> 8;
    out[off + 1] = f.length & 0xff;
    out.set(f, off + 2);
    off += 2 + f.length;
  }
  out.set(encodeU64(timestampMs), off);
  out.set(nonce, off + 8);
  return out;
}

/** D(list) = SHA-256(u32be count ‖ item_0 ‖ item_1 ‖ …): binds a list of ids into one field. */
export function listDigest(items: readonly Uint8Array[]): Uint8Array {
  assert(Array.isArray(items), 'items: expected an array');
  const h = sha256.create();
  const n = new Uint8Array(4);
  new DataView(n.buffer).setUint32(0, items.length);
  h.update(n);
  items.forEach((it, i) => {
    assertBytes(`items[${i}]`, it);
    h.update(it);
  });
  return h.digest();
}

/** Bytes the provider identity key signs for /.well-known/strata: domain ‖ the exact body. */
export function wellKnownSigningBytes(body: Uint8Array): Uint8Array {
  assertBytes('body', body);
  const d = latin1(WELL_KNOWN_DOMAIN);
  const out = new Uint8Array(d.length + body.length);
  out.set(d, 0);
  out.set(body, d.length);
  return out;
}

// ---- Poll response (provider.md §5) ----------------------------------------------------------
//   "SPR1" ‖ u16be entries ‖ u16be messageBytes ‖ u8 more ‖ u8 0
//   ‖ entries × ( u8 kind (1 real, 0 dummy) ‖ id (8) ‖ payload (messageBytes) )

export const POLL_RESPONSE_MAGIC: Uint8Array = latin1('SPR1');
export const POLL_RESPONSE_HEADER_BYTES = 10;

export interface PollEntry {
  readonly id: Uint8Array;
  readonly payload: Uint8Array;
}

export interface PollResponse {
  readonly entries: readonly PollEntry[];
  /** True when the dropbox holds further messages for this device. */
  readonly more: boolean;
}

export function pollResponseBytes(entries: number, messageBytes: number): number {
  assertInt('entries', entries, 0, 0xffff);
  assertInt('messageBytes', messageBytes, 0, 0xffff);
  return POLL_RESPONSE_HEADER_BYTES + entries * (1 + DROPBOX_MESSAGE_ID_BYTES + messageBytes);
}

/** Decodes a poll response, dropping the dummies; throws DecodeError on any malformation. */
export function decodePollResponse(bytes: Uint8Array): PollResponse {
  if (!(bytes instanceof Uint8Array) || bytes.length < POLL_RESPONSE_HEADER_BYTES) throw new DecodeError('poll response: too short');
  for (let i = 0; i < 4; i++) if (bytes[i] !== POLL_RESPONSE_MAGIC[i]) throw new DecodeError('poll response: bad magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const n = view.getUint16(4);
  const messageBytes = view.getUint16(6);
  if (bytes.length !== pollResponseBytes(n, messageBytes)) throw new DecodeError('poll response: length does not match its header');
  if (bytes[8] > 1 || bytes[9] !== 0) throw new DecodeError('poll response: bad flags');
  const entries: PollEntry[] = [];
  let off = POLL_RESPONSE_HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    const kind = bytes[off];
    if (kind > 1) throw new DecodeError(`poll response: entry ${i} has unknown kind ${kind}`);
    if (kind === 1) {
      entries.push({
        id: Uint8Array.prototype.slice.call(bytes, off + 1, off + 1 + DROPBOX_MESSAGE_ID_BYTES),
        payload: Uint8Array.prototype.slice.call(bytes, off + 1 + DROPBOX_MESSAGE_ID_BYTES, off + 1 + DROPBOX_MESSAGE_ID_BYTES + messageBytes),
      });
    }
    off += 1 + DROPBOX_MESSAGE_ID_BYTES + messageBytes;
  }
  return { entries, more: bytes[8] === 1 };
}

// ---- SURB replies in a dropbox (provider.md §9) ----------------------------------------------
// The encrypted reply (payload tag included, 32 + forwardPayloadLength bytes) does not fit one
// dropbox entry: it is cut into parts of messageBytes − 18 bytes, each stored as
//   surbId(16) ‖ u8 index ‖ u8 count ‖ part      (the last part zero-padded)

export const SURB_REPLY_ID_BYTES = 16;
export const SURB_REPLY_ENTRY_HEADER_BYTES = SURB_REPLY_ID_BYTES + 2;

export interface SurbReplyPart {
  readonly surbId: Uint8Array;
  readonly index: number;
  readonly count: number;
  /** messageBytes − 18 bytes (views into the entry). */
  readonly part: Uint8Array;
}

/** Reads one SURB-reply dropbox entry; throws DecodeError on an impossible header. */
export function decodeSurbReplyEntry(entry: Uint8Array): SurbReplyPart {
  if (!(entry instanceof Uint8Array) || entry.length <= SURB_REPLY_ENTRY_HEADER_BYTES) throw new DecodeError('SURB reply entry: too short');
  const index = entry[SURB_REPLY_ID_BYTES];
  const count = entry[SURB_REPLY_ID_BYTES + 1];
  if (count === 0 || index >= count) throw new DecodeError('SURB reply entry: bad part header');
  return { surbId: entry.subarray(0, SURB_REPLY_ID_BYTES), index, count, part: entry.subarray(SURB_REPLY_ENTRY_HEADER_BYTES) };
}

/** Joins the parts of one reply (indexed by part index) into its first `replyBytes` bytes. */
export function joinSurbReplyParts(parts: readonly Uint8Array[], replyBytes: number): Uint8Array {
  assertInt('replyBytes', replyBytes, 1, 1 << 24);
  assert(Array.isArray(parts) && parts.length > 0, 'parts: expected a non-empty array');
  const total = parts.reduce((n, p, i) => {
    assertBytes(`parts[${i}]`, p);
    return n + p.length;
  }, 0);
  if (total < replyBytes) throw new DecodeError('SURB reply: parts shorter than the reply');
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out.slice(0, replyBytes);
}

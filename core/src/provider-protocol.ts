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

/**
 * The writer side of the entries above (the provider stores them; tests build them): the reply cut
 * into parts of `messageBytes − 18` bytes, each entry surbId(16) ‖ u8 index ‖ u8 count ‖ part, the
 * last zero-padded. Throws AssertionError when the reply needs more than 255 parts.
 */
export function encodeSurbReplyEntries(surbId: Uint8Array, reply: Uint8Array, messageBytes: number): Uint8Array[] {
  assertBytes('surbId', surbId, SURB_REPLY_ID_BYTES);
  assertBytes('reply', reply);
  assertInt('messageBytes', messageBytes, SURB_REPLY_ENTRY_HEADER_BYTES + 1, 1 << 20);
  const cap = messageBytes - SURB_REPLY_ENTRY_HEADER_BYTES;
  const count = Math.max(1, Math.ceil(reply.length / cap));
  assert(count <= 255, 'reply: too large for 255 parts of this entry size');
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const e = new Uint8Array(messageBytes);
    e.set(surbId, 0);
    e[SURB_REPLY_ID_BYTES] = i;
    e[SURB_REPLY_ID_BYTES + 1] = count;
    e.set(reply.subarray(i * cap, (i + 1) * cap), SURB_REPLY_ENTRY_HEADER_BYTES);
    out.push(e);
  }
  return out;
}

/** Parts needed for a reply of `replyBytes` in entries of `messageBytes`. */
export function surbReplyPartCount(replyBytes: number, messageBytes: number): number {
  assertInt('replyBytes', replyBytes, 1, 1 << 24);
  assertInt('messageBytes', messageBytes, SURB_REPLY_ENTRY_HEADER_BYTES + 1, 1 << 20);
  return Math.ceil(replyBytes / (messageBytes - SURB_REPLY_ENTRY_HEADER_BYTES));
}

// ---- Anonymous poll (payload.md §4, provider.md §9) ------------------------------------------
// The body of a Sphinx message to Recipient(POLL_SERVICE_ID), the SURB for the answer in the
// payload's SURB-ACK slot:
//   "SAP1" ‖ alias(32) ‖ device(32) ‖ u64be timestampMs ‖ nonce(16) ‖ pollSignature(64)
//   ‖ u16be nAck ‖ [ ackNonce(16) ‖ ackSignature(64) ‖ nAck × id(8) ] ‖ zero padding
// pollSignature is the §2 `poll` signature over (alias, device); with nAck > 0 the request first
// acknowledges `ids` with the §2 `ack` signature over (alias, device, D(ids)), same timestamp,
// its own nonce.

/** payload.md §4: `Recipient(POLL_SERVICE_ID)` addresses the provider's anonymous poll service. */
export const POLL_SERVICE_ID: Uint8Array = new Uint8Array(32).fill(0xff);
export const ANONYMOUS_POLL_MAGIC: Uint8Array = latin1('SAP1');
export const ED25519_SIGNATURE_BYTES = 64;
export const ANONYMOUS_POLL_FIXED_BYTES = 4 + 32 + 32 + 8 + REQUEST_NONCE_BYTES + ED25519_SIGNATURE_BYTES + 2;

export interface AnonymousPollRequest {
  readonly alias: Uint8Array;
  readonly device: Uint8Array;
  readonly timestampMs: number;
  readonly nonce: Uint8Array;
  readonly signature: Uint8Array;
  readonly ack: { readonly nonce: Uint8Array; readonly signature: Uint8Array; readonly ids: readonly Uint8Array[] } | null;
}

/** Largest ack list that fits in a body of `bodyBytes`. */
export function maxAnonymousAckIds(bodyBytes: number): number {
  assertInt('bodyBytes', bodyBytes, 0, 1 << 20);
  return Math.max(0, Math.floor((bodyBytes - ANONYMOUS_POLL_FIXED_BYTES - REQUEST_NONCE_BYTES - ED25519_SIGNATURE_BYTES) / DROPBOX_MESSAGE_ID_BYTES));
}

/** The bytes the alias key signs for the poll (provider.md §2 `poll` over alias, device). */
export function anonymousPollSigningBytes(alias: Uint8Array, device: Uint8Array, timestampMs: number, nonce: Uint8Array): Uint8Array {
  assertBytes('alias', alias, 32);
  assertBytes('device', device, 32);
  return requestSigningBytes('poll', [alias, device], timestampMs, nonce);
}

/** The bytes the alias key signs for the ack part (provider.md §2 `ack` over alias, device, D(ids)). */
export function anonymousAckSigningBytes(alias: Uint8Array, device: Uint8Array, ids: readonly Uint8Array[], timestampMs: number, nonce: Uint8Array): Uint8Array {
  assertBytes('alias', alias, 32);
  assertBytes('device', device, 32);
  return requestSigningBytes('ack', [alias, device, listDigest(ids)], timestampMs, nonce);
}

/** Writes a signed request into a body of exactly `bodyBytes` (zero-padded). */
export function encodeAnonymousPollBody(req: AnonymousPollRequest, bodyBytes: number): Uint8Array {
  assertInt('bodyBytes', bodyBytes, ANONYMOUS_POLL_FIXED_BYTES, 1 << 20);
  assertBytes('alias', req.alias, 32);
  assertBytes('device', req.device, 32);
  assertInt('timestampMs', req.timestampMs);
  assertBytes('nonce', req.nonce, REQUEST_NONCE_BYTES);
  assertBytes('signature', req.signature, ED25519_SIGNATURE_BYTES);
  const ids = req.ack?.ids ?? [];
  assert(ids.length <= maxAnonymousAckIds(bodyBytes), `ack.ids: more than ${maxAnonymousAckIds(bodyBytes)} fit`);
  const out = new Uint8Array(bodyBytes);
  const view = new DataView(out.buffer);
  out.set(ANONYMOUS_POLL_MAGIC, 0);
  out.set(req.alias, 4);
  out.set(req.device, 36);
  view.setBigUint64(68, BigInt(req.timestampMs));
  out.set(req.nonce, 76);
  out.set(req.signature, 76 + REQUEST_NONCE_BYTES);
  let o = 76 + REQUEST_NONCE_BYTES + ED25519_SIGNATURE_BYTES;
  view.setUint16(o, ids.length);
  o += 2;
  if (req.ack && ids.length > 0) {
    assertBytes('ack.nonce', req.ack.nonce, REQUEST_NONCE_BYTES);
    assertBytes('ack.signature', req.ack.signature, ED25519_SIGNATURE_BYTES);
    out.set(req.ack.nonce, o);
    out.set(req.ack.signature, o + REQUEST_NONCE_BYTES);
    o += REQUEST_NONCE_BYTES + ED25519_SIGNATURE_BYTES;
    ids.forEach((id, i) => {
      assertBytes(`ack.ids[${i}]`, id, DROPBOX_MESSAGE_ID_BYTES);
      out.set(id, o);
      o += DROPBOX_MESSAGE_ID_BYTES;
    });
  }
  return out;
}

/** Reads a request body (signatures not checked here); throws DecodeError on any malformation. */
export function decodeAnonymousPollBody(body: Uint8Array): AnonymousPollRequest {
  if (!(body instanceof Uint8Array) || body.length < ANONYMOUS_POLL_FIXED_BYTES) throw new DecodeError('anonymous poll: too short');
  for (let i = 0; i < 4; i++) if (body[i] !== ANONYMOUS_POLL_MAGIC[i]) throw new DecodeError('anonymous poll: bad magic');
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  let o = 4;
  const take = (n: number): Uint8Array => {
    if (o + n > body.length) throw new DecodeError('anonymous poll: truncated');
    const v = Uint8Array.prototype.slice.call(body, o, o + n);
    o += n;
    return v;
  };
  const alias = take(32);
  const device = take(32);
  const ts = Number(view.getBigUint64(o));
  o += 8;
  if (!Number.isSafeInteger(ts)) throw new DecodeError('anonymous poll: bad timestamp');
  const nonce = take(REQUEST_NONCE_BYTES);
  const signature = take(ED25519_SIGNATURE_BYTES);
  const nAck = view.getUint16(o);
  o += 2;
  let ack: AnonymousPollRequest['ack'] = null;
  if (nAck > 0) {
    const ackNonce = take(REQUEST_NONCE_BYTES);
    const ackSignature = take(ED25519_SIGNATURE_BYTES);
    const ids: Uint8Array[] = [];
    for (let i = 0; i < nAck; i++) ids.push(take(DROPBOX_MESSAGE_ID_BYTES));
    ack = { nonce: ackNonce, signature: ackSignature, ids };
  }
  return { alias, device, timestampMs: ts, nonce, signature, ack };
}

/**
 * Entries one anonymous-poll answer carries: the most whose fixed-size poll response (§5) fits in
 * the SURB reply's `forwardPayloadLength` bytes. Throws AssertionError when not even one fits.
 */
export function anonymousPollEntries(forwardPayloadLength: number, messageBytes: number): number {
  assertInt('forwardPayloadLength', forwardPayloadLength, 1, 1 << 24);
  assertInt('messageBytes', messageBytes, 0, 0xffff);
  assert(pollResponseBytes(1, messageBytes) <= forwardPayloadLength, 'messageBytes: one poll entry does not fit in a SURB reply');
  let k = 1;
  while (k < 0xffff && pollResponseBytes(k + 1, messageBytes) <= forwardPayloadLength) k++;
  return k;
}

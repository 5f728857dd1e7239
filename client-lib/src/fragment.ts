// Fragmentation and reassembly (docs/spec/client.md §Fragments). A message of any size up to the
// configured limit (≥ 10 MB) is cut into fragments that each fit one envelope body:
//
//   fragment = version(1)=1 || messageId(16) || digest(16) || u32be index || u32be count
//              || u32be totalLength || check(8) || data
//   digest   = SHA-256("strata-message-v1" || messageId || message)[0..16]   (whole-message integrity)
//   check    = SHA-256("strata-fragment-v1" || header without check || data)[0..8] (per fragment)
//
// Every fragment but the last carries the same data length L; the last carries the rest. The envelope
// AEAD already authenticates each fragment; `check` localises damage to one fragment (it is not a MAC)
// and `digest` confirms the reassembled whole. Message ids are random, scoped per sender.
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { assertBytes, assertBytesRange, assertInt, assertString } from './assert.js';
import { bytesToHex, concatBytes, ctEqual, readU32be, u32be, utf8ToBytes } from './bytes.js';
import { FragmentError } from './errors.js';

export const FRAGMENT_VERSION = 1;
export const MESSAGE_ID_BYTES = 16;
const DIGEST_BYTES = 16;
const CHECK_BYTES = 8;
const CHECK_OFFSET = 1 + MESSAGE_ID_BYTES + DIGEST_BYTES + 12;
export const FRAGMENT_HEADER_BYTES = CHECK_OFFSET + CHECK_BYTES; // 53
/** Hard ceiling of the format's limits (the u32 length field allows more; nobody needs it). */
export const MAX_MESSAGE_BYTES_CEILING = 1024 * 1024 * 1024;
const MESSAGE_LABEL = utf8ToBytes('strata-message-v1');
const FRAGMENT_LABEL = utf8ToBytes('strata-fragment-v1');

export interface Fragment {
  readonly messageId: Uint8Array;
  readonly digest: Uint8Array;
  readonly index: number;
  readonly count: number;
  readonly totalLength: number;
  readonly data: Uint8Array;
}

export function messageDigest(messageId: Uint8Array, message: Uint8Array): Uint8Array {
  return sha256(concatBytes(MESSAGE_LABEL, messageId, message)).slice(0, DIGEST_BYTES);
}

export function newMessageId(): Uint8Array {
  return randomBytes(MESSAGE_ID_BYTES);
}

/** Number of fragments of a `totalLength`-byte message at `dataBytes` per fragment (≥ 1). */
export function fragmentCount(totalLength: number, dataBytes: number): number {
  assertInt(totalLength, 'fragmentCount.totalLength', 0, MAX_MESSAGE_BYTES_CEILING);
  assertInt(dataBytes, 'fragmentCount.dataBytes', 1, 65535);
  return Math.max(1, Math.ceil(totalLength / dataBytes));
}

export function encodeFragment(f: Fragment): Uint8Array {
  assertBytes(f?.messageId, 'fragment.messageId', MESSAGE_ID_BYTES);
  assertBytes(f.digest, 'fragment.digest', DIGEST_BYTES);
  assertInt(f.count, 'fragment.count', 1, 0xffffffff);
  assertInt(f.index, 'fragment.index', 0, f.count - 1);
  assertInt(f.totalLength, 'fragment.totalLength', 0, 0xffffffff);
  assertBytes(f.data, 'fragment.data');
  const head = concatBytes(Uint8Array.of(FRAGMENT_VERSION), f.messageId, f.digest, u32be(f.index), u32be(f.count), u32be(f.totalLength));
  const check = sha256(concatBytes(FRAGMENT_LABEL, head, f.data)).subarray(0, CHECK_BYTES);
  return concatBytes(head, check, f.data);
}

/** Decodes one fragment; throws FragmentError ('length' | 'version' | 'index' | 'checksum'). */
export function decodeFragment(bytes: Uint8Array): Fragment {
  if (!(bytes instanceof Uint8Array) || bytes.length < FRAGMENT_HEADER_BYTES) throw new FragmentError('length', 'fragment: too short');
  if (bytes[0] !== FRAGMENT_VERSION) throw new FragmentError('version', `fragment: unknown version ${bytes[0]}`);
  const index = readU32be(bytes, 33);
  const count = readU32be(bytes, 37);
  const totalLength = readU32be(bytes, 41);
  const check = sha256(concatBytes(FRAGMENT_LABEL, bytes.subarray(0, CHECK_OFFSET), bytes.subarray(FRAGMENT_HEADER_BYTES))).subarray(0, CHECK_BYTES);
  if (!ctEqual(check, bytes.subarray(CHECK_OFFSET, FRAGMENT_HEADER_BYTES))) throw new FragmentError('checksum', 'fragment: check mismatch');
  if (count < 1 || index >= count) throw new FragmentError('index', 'fragment: index outside [0, count)');
  const data = bytes.slice(FRAGMENT_HEADER_BYTES);
  if (data.length > totalLength || (count === 1 && data.length !== totalLength)) throw new FragmentError('inconsistent', 'fragment: data longer than the message');
  return Object.freeze({ messageId: bytes.slice(1, 17), digest: bytes.slice(17, 33), index, count, totalLength, data });
}

/** The `index`-th fragment of `message` (deterministic, so a resend after restart is identical). */
export function fragmentAt(message: Uint8Array, messageId: Uint8Array, dataBytes: number, index: number, digest?: Uint8Array): Uint8Array {
  assertBytesRange(message, 'fragmentAt.message', 0, MAX_MESSAGE_BYTES_CEILING);
  assertBytes(messageId, 'fragmentAt.messageId', MESSAGE_ID_BYTES);
  const count = fragmentCount(message.length, dataBytes);
  assertInt(index, 'fragmentAt.index', 0, count - 1);
  const data = message.subarray(index * dataBytes, Math.min(message.length, (index + 1) * dataBytes));
  return encodeFragment({ messageId, digest: digest ?? messageDigest(messageId, message), index, count, totalLength: message.length, data });
}

/** All fragments of `message`, in order. */
export function fragmentMessage(message: Uint8Array, dataBytes: number, messageId: Uint8Array = newMessageId()): Uint8Array[] {
  const count = fragmentCount(message.length, dataBytes);
  const digest = messageDigest(messageId, message);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) out.push(fragmentAt(message, messageId, dataBytes, i, digest));
  return out;
}

/** Remembers which messages were delivered so each is shown exactly once (store-backed in the client). */
export interface DeliveredLog {
  has(key: string): boolean;
  add(key: string): void;
}

/** In-memory DeliveredLog forgetting the oldest ids beyond `capacity`. */
export class MemoryDeliveredLog implements DeliveredLog {
  readonly #ids = new Set<string>();
  readonly #capacity: number;
  constructor(capacity = 100_000) {
    assertInt(capacity, 'MemoryDeliveredLog.capacity', 1, 100_000_000);
    this.#capacity = capacity;
  }
  has(key: string): boolean {
    return this.#ids.has(key);
  }
  add(key: string): void {
    this.#ids.add(key);
    if (this.#ids.size > this.#capacity) this.#ids.delete(this.#ids.values().next().value as string);
  }
}

export interface ReassemblyLimits {
  /** Largest message accepted (default 16 MiB: ≥ 10 MB media plus room). */
  readonly maxMessageBytes: number;
  /** Most fragments one message may have (default 65536: 16 MiB at 256-byte fragments). */
  readonly maxFragmentsPerMessage: number;
  /** Messages in progress at once, all senders (default 64). */
  readonly maxPendingMessages: number;
  /** Messages in progress at once from one sender (default 8). */
  readonly maxPendingPerSender: number;
  /** Fragment bytes held, all messages (default 64 MiB). */
  readonly maxPendingBytes: number;
  /** A message incomplete this long after its last fragment is dropped (default 7 days: offline periods). */
  readonly pendingTtlMs: number;
}

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = Object.freeze({
  maxMessageBytes: 16 * 1024 * 1024,
  maxFragmentsPerMessage: 65536,
  maxPendingMessages: 64,
  maxPendingPerSender: 8,
  maxPendingBytes: 64 * 1024 * 1024,
  pendingTtlMs: 7 * 24 * 3600 * 1000,
});

export function reassemblyLimits(overrides: Partial<ReassemblyLimits> = {}): ReassemblyLimits {
  const l = { ...DEFAULT_REASSEMBLY_LIMITS, ...overrides };
  assertInt(l.maxMessageBytes, 'reassembly.maxMessageBytes', 0, MAX_MESSAGE_BYTES_CEILING);
  assertInt(l.maxFragmentsPerMessage, 'reassembly.maxFragmentsPerMessage', 1, 0xffffffff);
  assertInt(l.maxPendingMessages, 'reassembly.maxPendingMessages', 1, 1_000_000);
  assertInt(l.maxPendingPerSender, 'reassembly.maxPendingPerSender', 1, l.maxPendingMessages);
  assertInt(l.maxPendingBytes, 'reassembly.maxPendingBytes', 1, Number.MAX_SAFE_INTEGER);
  assertInt(l.pendingTtlMs, 'reassembly.pendingTtlMs', 1, Number.MAX_SAFE_INTEGER);
  return Object.freeze(l);
}

export type AcceptResult =
  | { readonly status: 'complete'; readonly messageId: Uint8Array; readonly message: Uint8Array }
  | { readonly status: 'partial'; readonly received: number; readonly count: number }
  | { readonly status: 'duplicate' };

interface Pending {
  readonly sender: string;
  readonly messageId: Uint8Array;
  readonly digest: Uint8Array;
  readonly count: number;
  readonly totalLength: number;
  readonly parts: Map<number, Uint8Array>;
  /** Data length of every non-last fragment, once one has been seen. */
  stride: number | undefined;
  bytes: number;
  lastSeenMs: number;
}

/**
 * Reassembles messages from fragments arriving in any order, any number of times. Memory is bounded
 * by ReassemblyLimits (FragmentError 'too-large' | 'too-many-pending' | 'pending-bytes'); a fragment
 * that contradicts its siblings is refused ('inconsistent' | 'conflict'); a completed message is
 * delivered once and its later fragments report 'duplicate'.
 */
export class Reassembler {
  readonly limits: ReassemblyLimits;
  readonly #pending = new Map<string, Pending>();
  readonly #delivered: DeliveredLog;
  readonly #now: () => number;
  #pendingBytes = 0;

  constructor(options: { limits?: Partial<ReassemblyLimits>; delivered?: DeliveredLog; now?: () => number } = {}) {
    this.limits = reassemblyLimits(options.limits);
    this.#delivered = options.delivered ?? new MemoryDeliveredLog();
    this.#now = options.now ?? Date.now;
  }

  get pendingMessages(): number {
    return this.#pending.size;
  }

  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Key under which a message is de-duplicated: sender id and message id. */
  static deliveryKey(sender: string, messageId: Uint8Array): string {
    return `${sender}:${bytesToHex(messageId)}`;
  }

  /** Accepts one encoded fragment from `sender` (an authenticated sender id, e.g. identityId()). */
  accept(sender: string, bytes: Uint8Array): AcceptResult {
    assertString(sender, 'accept.sender', 256, 1);
    const f = decodeFragment(bytes);
    const key = Reassembler.deliveryKey(sender, f.messageId);
    if (this.#delivered.has(key)) return { status: 'duplicate' };
    if (f.totalLength > this.limits.maxMessageBytes) throw new FragmentError('too-large', `fragment: message of ${f.totalLength} bytes exceeds the limit`);
    if (f.count > this.limits.maxFragmentsPerMessage) throw new FragmentError('too-large', `fragment: message of ${f.count} fragments exceeds the limit`);
    const now = this.#now();
    let p = this.#pending.get(key);
    if (p === undefined) {
      if (this.#pending.size >= this.limits.maxPendingMessages) throw new FragmentError('too-many-pending', 'reassembly: too many messages in progress');
      let fromSender = 0;
      for (const q of this.#pending.values()) if (q.sender === sender) fromSender++;
      if (fromSender >= this.limits.maxPendingPerSender) throw new FragmentError('too-many-pending', 'reassembly: too many messages in progress from this sender');
      p = { sender, messageId: f.messageId, digest: f.digest, count: f.count, totalLength: f.totalLength, parts: new Map(), stride: undefined, bytes: 0, lastSeenMs: now };
    } else if (p.count !== f.count || p.totalLength !== f.totalLength || !ctEqual(p.digest, f.digest)) {
      throw new FragmentError('inconsistent', 'fragment: header disagrees with earlier fragments of the message');
    }
    const existing = p.parts.get(f.index);
    if (existing !== undefined) {
      if (!ctEqual(existing, f.data)) throw new FragmentError('conflict', 'fragment: a different fragment with this index was already received');
      p.lastSeenMs = now;
      return { status: 'duplicate' };
    }
    this.#checkLength(p, f);
    if (this.#pendingBytes + f.data.length > this.limits.maxPendingBytes) throw new FragmentError('pending-bytes', 'reassembly: pending bytes limit reached');
    if (!this.#pending.has(key)) this.#pending.set(key, p);
    p.parts.set(f.index, f.data);
    p.bytes += f.data.length;
    p.lastSeenMs = now;
    this.#pendingBytes += f.data.length;
    if (p.parts.size < p.count) return { status: 'partial', received: p.parts.size, count: p.count };
    return this.#complete(key, p);
  }

  #checkLength(p: Pending, f: Fragment): void {
    if (p.count === 1) return; // decodeFragment checked data.length === totalLength
    // total = (count − 1)·L + last with 1 ≤ last ≤ L: any one fragment determines L
    const len = f.data.length;
    const stride = f.index === p.count - 1 ? (p.totalLength - len) / (p.count - 1) : len;
    const lastLength = p.totalLength - (p.count - 1) * stride;
    if (!Number.isInteger(stride) || stride < 1 || lastLength < 1 || lastLength > stride) {
      throw new FragmentError('inconsistent', 'fragment: data length does not fit count and total');
    }
    if (p.stride !== undefined && p.stride !== stride) throw new FragmentError('inconsistent', 'fragment: data length disagrees with its siblings');
    p.stride = stride;
  }

  #complete(key: string, p: Pending): AcceptResult {
    this.#drop(key, p);
    const message = new Uint8Array(p.totalLength);
    let offset = 0;
    for (let i = 0; i < p.count; i++) {
      const part = p.parts.get(i) as Uint8Array;
      message.set(part, offset);
      offset += part.length;
    }
    if (offset !== p.totalLength || !ctEqual(messageDigest(p.messageId, message), p.digest)) {
      throw new FragmentError('digest', 'reassembly: the message digest does not match');
    }
    this.#delivered.add(key);
    return { status: 'complete', messageId: p.messageId, message };
  }

  #drop(key: string, p: Pending): void {
    this.#pending.delete(key);
    this.#pendingBytes -= p.bytes;
  }

  /** Drops messages idle longer than pendingTtlMs; returns how many were dropped. */
  expire(): number {
    return this.expireKeys().length;
  }

  /** Like expire(), returning the delivery keys and fragment counts of the dropped messages. */
  expireKeys(): { key: string; count: number }[] {
    const cutoff = this.#now() - this.limits.pendingTtlMs;
    const dropped: { key: string; count: number }[] = [];
    for (const [key, p] of this.#pending) {
      if (p.lastSeenMs < cutoff) {
        this.#drop(key, p);
        dropped.push({ key, count: p.count });
      }
    }
    return dropped;
  }
}

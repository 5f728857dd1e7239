// Authority-to-authority messages. Each is a canonical binary encoding (core codec) followed by
// the author's Ed25519 signature over exactly the preceding bytes; the magic string separates
// the domains. See docs/spec/directory.md §Exchange.
import {
  ByteReader,
  ByteWriter,
  DecodeError,
  DescriptorError,
  MAX_DESCRIPTOR_BYTES,
  StrataError,
  assertBytes,
  assertInt,
  blake2b256,
  compareBytes,
  concatBytes,
  constantTimeEqual,
  decodeSignedDescriptor,
  ed25519Verify,
  magic,
  type Ed25519Signer,
  type SignedDescriptor,
} from '@strata/core';

export const VOTE_MAGIC = magic('strata/dir-vote/v1');
export const REVEAL_MAGIC = magic('strata/dir-reveal/v1');
export const COMMIT_MAGIC = magic('strata/dir-commit/v1');
export const SRV_MAGIC = magic('strata/srv/v1');
export const REVEAL_BYTES = 32;
export const MAX_DESCRIPTORS_PER_VOTE = 4096;
/** Largest vote accepted (4096 descriptors of up to ~600 B). */
export const MAX_VOTE_BYTES = 4 << 20;

export type ExchangeErrorReason = 'encoding' | 'signature' | 'descriptor' | 'commit';

/** A peer message failed decoding or verification. */
export class ExchangeError extends StrataError {
  declare readonly reason: ExchangeErrorReason;
  constructor(reason: ExchangeErrorReason, message: string) {
    super(reason, message);
    this.name = 'ExchangeError';
  }
}

export interface Vote {
  readonly epoch: number;
  readonly author: Uint8Array;
  /** BLAKE2b-256(COMMIT_MAGIC ‖ epoch ‖ author ‖ reveal). */
  readonly commit: Uint8Array;
  /** The descriptors this authority accepted for `epoch`, in node id order. */
  readonly descriptors: readonly SignedDescriptor[];
  readonly encoded: Uint8Array;
}

export interface Reveal {
  readonly epoch: number;
  readonly author: Uint8Array;
  readonly reveal: Uint8Array;
  readonly encoded: Uint8Array;
}

function u64(epoch: number): Uint8Array {
  return new ByteWriter().u64(epoch).finish();
}

/** Commitment to a reveal value (commit/reveal, docs/spec/directory.md §Shared random value). */
export function commitTo(epoch: number, author: Uint8Array, reveal: Uint8Array): Uint8Array {
  assertInt('epoch', epoch);
  assertBytes('author', author, 32);
  assertBytes('reveal', reveal, REVEAL_BYTES);
  return blake2b256(COMMIT_MAGIC, u64(epoch), author, reveal);
}

/** SRV = BLAKE2b-256(SRV_MAGIC ‖ epoch ‖ n ‖ (author ‖ reveal) for each participant in key order). */
export function sharedRandomValue(epoch: number, reveals: readonly { author: Uint8Array; reveal: Uint8Array }[]): Uint8Array {
  assertInt('epoch', epoch);
  const sorted = [...reveals].sort((a, b) => compareBytes(a.author, b.author));
  const w = new ByteWriter().fixed(SRV_MAGIC, SRV_MAGIC.length).u64(epoch).u8(sorted.length);
  for (const r of sorted) w.fixed(r.author, 32).fixed(r.reveal, REVEAL_BYTES);
  return blake2b256(w.finish());
}

export function encodeVote(epoch: number, commit: Uint8Array, descriptors: readonly SignedDescriptor[], signer: Ed25519Signer): Vote {
  assertInt('epoch', epoch);
  assertBytes('commit', commit, 32);
  const sorted = [...descriptors].sort((a, b) => compareBytes(a.descriptor.nodeId, b.descriptor.nodeId));
  const w = new ByteWriter().fixed(VOTE_MAGIC, VOTE_MAGIC.length).u64(epoch).fixed(signer.publicKey, 32).fixed(commit, 32).u16(sorted.length);
  for (const d of sorted) w.bytes16(d.encoded);
  const body = w.finish();
  return { epoch, author: signer.publicKey, commit, descriptors: sorted, encoded: concatBytes(body, signer.sign(body)) };
}

/**
 * Decodes and verifies a vote: signature, canonical order, and every descriptor (for `epoch`).
 * `verifyDescriptorSignatures: false` skips only the per-descriptor signatures (for votes
 * re-read from the authority's own store, which were fully verified on receipt).
 */
export function decodeVote(encoded: Uint8Array, options: { verifyDescriptorSignatures?: boolean } = {}): Vote {
  assertBytes('encoded', encoded);
  if (encoded.length > MAX_VOTE_BYTES) throw new ExchangeError('encoding', 'vote too large');
  try {
    const r = new ByteReader(encoded);
    r.expectMagic(VOTE_MAGIC);
    const epoch = r.u64();
    const author = r.fixed(32);
    const commit = r.fixed(32);
    const n = r.u16();
    if (n > MAX_DESCRIPTORS_PER_VOTE) throw new ExchangeError('encoding', 'too many descriptors');
    const raw: Uint8Array[] = [];
    for (let i = 0; i < n; i++) raw.push(r.bytes16(MAX_DESCRIPTOR_BYTES));
    const bodyLen = r.offset;
    const signature = r.fixed(64);
    r.finish();
    // Signature first: nothing else from an unauthenticated author is worth parsing.
    if (!ed25519Verify(author, encoded.subarray(0, bodyLen), signature)) throw new ExchangeError('signature', 'vote signature does not verify');
    const verifySignature = options.verifyDescriptorSignatures ?? true;
    const descriptors = raw.map((b) => decodeSignedDescriptor(b, { epoch, verifySignature }));
    for (let i = 1; i < descriptors.length; i++) {
      if (compareBytes(descriptors[i - 1].descriptor.nodeId, descriptors[i].descriptor.nodeId) >= 0) {
        throw new ExchangeError('encoding', 'vote descriptors not in node id order');
      }
    }
    return { epoch, author, commit, descriptors, encoded: encoded.slice() };
  } catch (err) {
    if (err instanceof ExchangeError) throw err;
    if (err instanceof DescriptorError) throw new ExchangeError('descriptor', `vote carries a bad descriptor: ${err.message}`);
    if (err instanceof DecodeError) throw new ExchangeError('encoding', `malformed vote: ${err.message}`);
    throw err;
  }
}

export function encodeReveal(epoch: number, reveal: Uint8Array, signer: Ed25519Signer): Reveal {
  assertInt('epoch', epoch);
  assertBytes('reveal', reveal, REVEAL_BYTES);
  const body = new ByteWriter().fixed(REVEAL_MAGIC, REVEAL_MAGIC.length).u64(epoch).fixed(signer.publicKey, 32).fixed(reveal, REVEAL_BYTES).finish();
  return { epoch, author: signer.publicKey, reveal, encoded: concatBytes(body, signer.sign(body)) };
}

export function decodeReveal(encoded: Uint8Array): Reveal {
  assertBytes('encoded', encoded);
  try {
    const r = new ByteReader(encoded);
    r.expectMagic(REVEAL_MAGIC);
    const epoch = r.u64();
    const author = r.fixed(32);
    const reveal = r.fixed(REVEAL_BYTES);
    const bodyLen = r.offset;
    const signature = r.fixed(64);
    r.finish();
    if (!ed25519Verify(author, encoded.subarray(0, bodyLen), signature)) throw new ExchangeError('signature', 'reveal signature does not verify');
    return { epoch, author, reveal, encoded: encoded.slice() };
  } catch (err) {
    if (err instanceof ExchangeError) throw err;
    if (err instanceof DecodeError) throw new ExchangeError('encoding', `malformed reveal: ${err.message}`);
    throw err;
  }
}

/** True when `reveal` opens the commitment in `vote`. */
export function revealMatches(vote: Vote, reveal: Reveal): boolean {
  return vote.epoch === reveal.epoch && constantTimeEqual(vote.author, reveal.author) && constantTimeEqual(vote.commit, commitTo(reveal.epoch, reveal.author, reveal.reveal));
}


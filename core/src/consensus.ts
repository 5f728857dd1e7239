// The Consensus document: what every client and node needs to route in one epoch, signed by a
// threshold of directory authorities. Canonical binary encoding (codec.ts); the authorities'
// Ed25519 signatures cover exactly those bytes. Transport is JSON: the bytes in base64 plus the
// signature list. See docs/spec/directory.md §Consensus document.
import { assert, assertBytes, assertInt } from './assert.js';
import { ByteReader, ByteWriter, magic } from './codec.js';
import { compareBytes, constantTimeEqual, fromBase64, fromHex, toBase64, toHex } from './bytes.js';
import { ConsensusError, DecodeError, DescriptorError } from './errors.js';
import { blake2b256 } from './hash.js';
import { decodeSignedDescriptor, MAX_DESCRIPTOR_BYTES, type SignedDescriptor } from './descriptor.js';
import { ED25519_PUBLIC_KEY_BYTES, ed25519Verify, type Ed25519Signer } from './keys.js';

export const CONSENSUS_MAGIC = magic('strata/consensus/v1');
export const LAYER_MAGIC = magic('strata/layer/v1');
export const DEFAULT_MIX_LAYERS = 3;
export const MAX_MIX_LAYERS = 8;
export const MAX_NODES_PER_LIST = 4096;
/** Largest canonical document accepted (≈ 3000 descriptors). */
export const MAX_CONSENSUS_BYTES = 1 << 20;
export const MAX_CONSENSUS_SIGNATURES = 64;
export const SHARED_RANDOM_BYTES = 32;
export const GEOMETRY_HASH_BYTES = 32;

/** Loopix network parameters (rates per second; the mean per-hop delay is 1/μ seconds). */
export interface NetworkParams {
  /** μ: per-hop delay rate; each hop's delay ~ Exp(μ), mean 1/μ s. */
  readonly muPerSecond: number;
  /** λP: client payload stream rate. */
  readonly lambdaPPerSecond: number;
  /** λL: client loop cover rate. */
  readonly lambdaLPerSecond: number;
  /** λD: client drop cover rate. */
  readonly lambdaDPerSecond: number;
  /** λM: mix loop cover rate. */
  readonly lambdaMPerSecond: number;
  /** Cap on one hop's sampled delay. */
  readonly maxDelayMs: number;
}

export interface Consensus {
  readonly epoch: number;
  /** Hash of the Sphinx geometry every packet of this network uses. */
  readonly sphinxGeometryHash: Uint8Array;
  /** The shared random value that seeded the layer assignment. */
  readonly sharedRandom: Uint8Array;
  readonly params: NetworkParams;
  /** Providers: the first and the last layer of every route; sorted by node id. */
  readonly providers: readonly SignedDescriptor[];
  /** Mix layers 1..L; each sorted by node id. */
  readonly layers: readonly (readonly SignedDescriptor[])[];
}

export interface ConsensusSignature {
  /** Ed25519 public key of the authority. */
  readonly authority: Uint8Array;
  readonly signature: Uint8Array;
}

/** The JSON a directory serves at GET /v1/consensus/:epoch. */
export interface SignedConsensusJson {
  epoch: number;
  /** base64 of the canonical document bytes. */
  document: string;
  signatures: { authority: string; signature: string }[];
}

export interface VerifiedConsensus {
  readonly consensus: Consensus;
  /** The canonical bytes that were signed. */
  readonly bytes: Uint8Array;
  /** Trusted authorities whose signatures verified. */
  readonly signers: readonly Uint8Array[];
  /** The signatures that verified (for re-serving). */
  readonly signatures: readonly ConsensusSignature[];
}

/** ⌊n/2⌋ + 1: the number of authority signatures a document needs. */
export function majorityThreshold(n: number): number {
  assertInt('n', n, 1);
  return Math.floor(n / 2) + 1;
}

/** Throws ConsensusError('encoding') unless the parameters are sane. */
export function validateNetworkParams(p: NetworkParams): void {
  const ok = (v: unknown, min: number, strict: boolean): boolean =>
    typeof v === 'number' && Number.isFinite(v) && (strict ? v > min : v >= min);
  if (!p || typeof p !== 'object') throw new ConsensusError('encoding', 'params must be an object');
  if (!ok(p.muPerSecond, 0, true)) throw new ConsensusError('encoding', 'params.muPerSecond must be > 0');
  for (const k of ['lambdaPPerSecond', 'lambdaLPerSecond', 'lambdaDPerSecond', 'lambdaMPerSecond'] as const) {
    if (!ok(p[k], 0, false)) throw new ConsensusError('encoding', `params.${k} must be ≥ 0`);
  }
  if (!Number.isInteger(p.maxDelayMs) || p.maxDelayMs < 1 || p.maxDelayMs > 0xffffffff) {
    throw new ConsensusError('encoding', 'params.maxDelayMs must be an integer in [1, 2^32-1]');
  }
}

function layerSortKey(sharedRandom: Uint8Array, nodeId: Uint8Array): Uint8Array {
  return blake2b256(LAYER_MAGIC, sharedRandom, nodeId);
}

/**
 * Balanced layer assignment from the shared random value: order the mixes by
 * BLAKE2b-256("strata/layer/v1" ‖ srv ‖ nodeId) and deal them round-robin into `layers` layers,
 * so sizes differ by at most one and nobody who does not control the SRV chooses a layer.
 * Each returned layer is sorted by node id (the canonical order).
 */
export function assignLayers(mixes: readonly SignedDescriptor[], sharedRandom: Uint8Array, layers: number): SignedDescriptor[][] {
  assertBytes('sharedRandom', sharedRandom, SHARED_RANDOM_BYTES);
  assertInt('layers', layers, 1, MAX_MIX_LAYERS);
  const keyed = mixes.map((m) => ({ m, k: layerSortKey(sharedRandom, m.descriptor.nodeId) }));
  keyed.sort((a, b) => compareBytes(a.k, b.k) || compareBytes(a.m.descriptor.nodeId, b.m.descriptor.nodeId));
  const out: SignedDescriptor[][] = Array.from({ length: layers }, () => []);
  keyed.forEach(({ m }, i) => out[i % layers].push(m));
  for (const l of out) l.sort((a, b) => compareBytes(a.descriptor.nodeId, b.descriptor.nodeId));
  return out;
}

export interface BuildConsensusInput {
  epoch: number;
  /** Verified descriptors for `epoch` (mixes and providers; order does not matter). */
  descriptors: readonly SignedDescriptor[];
  sharedRandom: Uint8Array;
  params: NetworkParams;
  sphinxGeometryHash: Uint8Array;
  /** Number of mix layers (default 3). */
  layers?: number;
}

/** Deterministically builds the document every honest authority computes from the same inputs. */
export function buildConsensus(input: BuildConsensusInput): Consensus {
  assertInt('epoch', input.epoch);
  assertBytes('sharedRandom', input.sharedRandom, SHARED_RANDOM_BYTES);
  assertBytes('sphinxGeometryHash', input.sphinxGeometryHash, GEOMETRY_HASH_BYTES);
  validateNetworkParams(input.params);
  const nLayers = input.layers ?? DEFAULT_MIX_LAYERS;
  assertInt('layers', nLayers, 1, MAX_MIX_LAYERS);
  const seen = new Set<string>();
  const providers: SignedDescriptor[] = [];
  const mixes: SignedDescriptor[] = [];
  for (const sd of input.descriptors) {
    if (sd.descriptor.epoch !== input.epoch) {
      throw new ConsensusError('epoch', `descriptor for epoch ${sd.descriptor.epoch} in document for ${input.epoch}`);
    }
    const id = toHex(sd.descriptor.nodeId);
    if (seen.has(id)) throw new ConsensusError('layers', 'two descriptors for one node id');
    seen.add(id);
    (sd.descriptor.role === 'provider' ? providers : mixes).push(sd);
  }
  providers.sort((a, b) => compareBytes(a.descriptor.nodeId, b.descriptor.nodeId));
  const layers = assignLayers(mixes, input.sharedRandom, nLayers);
  const consensus: Consensus = {
    epoch: input.epoch,
    sphinxGeometryHash: input.sphinxGeometryHash.slice(),
    sharedRandom: input.sharedRandom.slice(),
    params: Object.freeze({ ...input.params }),
    providers,
    layers,
  };
  checkStructure(consensus);
  return consensus;
}

/** Structural rules of a document; throws ConsensusError('layers'). */
function checkStructure(c: Consensus): void {
  if (c.providers.length === 0) throw new ConsensusError('layers', 'a document needs at least one provider');
  if (c.layers.length < 1) throw new ConsensusError('layers', 'a document needs at least one mix layer');
  c.layers.forEach((l, i) => {
    if (l.length === 0) throw new ConsensusError('layers', `mix layer ${i + 1} is empty`);
  });
  for (const p of c.providers) {
    if (p.descriptor.role !== 'provider') throw new ConsensusError('layers', 'a mix sits among the providers');
  }
  for (const l of c.layers) {
    for (const m of l) if (m.descriptor.role !== 'mix') throw new ConsensusError('layers', 'a provider sits in a mix layer');
  }
  // Layer membership must follow from the shared random value (anyone can recompute it).
  const expected = assignLayers(c.layers.flat(), c.sharedRandom, c.layers.length);
  expected.forEach((l, i) => {
    const got = c.layers[i];
    if (got.length !== l.length || l.some((m, j) => !constantTimeEqual(m.descriptor.nodeId, got[j].descriptor.nodeId))) {
      throw new ConsensusError('layers', `mix layer ${i + 1} does not follow from the shared random value`);
    }
  });
}

/** Canonical bytes of a document (what authorities sign). */
export function encodeConsensus(c: Consensus): Uint8Array {
  assertInt('epoch', c.epoch);
  assertBytes('sphinxGeometryHash', c.sphinxGeometryHash, GEOMETRY_HASH_BYTES);
  assertBytes('sharedRandom', c.sharedRandom, SHARED_RANDOM_BYTES);
  validateNetworkParams(c.params);
  assert(c.providers.length <= MAX_NODES_PER_LIST, 'too many providers');
  assert(c.layers.length <= MAX_MIX_LAYERS, 'too many layers');
  const w = new ByteWriter()
    .fixed(CONSENSUS_MAGIC, CONSENSUS_MAGIC.length)
    .u64(c.epoch)
    .fixed(c.sphinxGeometryHash, GEOMETRY_HASH_BYTES)
    .fixed(c.sharedRandom, SHARED_RANDOM_BYTES)
    .f64(c.params.muPerSecond)
    .f64(c.params.lambdaPPerSecond)
    .f64(c.params.lambdaLPerSecond)
    .f64(c.params.lambdaDPerSecond)
    .f64(c.params.lambdaMPerSecond)
    .u32(c.params.maxDelayMs);
  checkStructure(c);
  const list = (l: readonly SignedDescriptor[]): void => {
    assert(l.length <= MAX_NODES_PER_LIST, 'too many nodes in a list');
    for (let i = 1; i < l.length; i++) {
      if (compareBytes(l[i - 1].descriptor.nodeId, l[i].descriptor.nodeId) >= 0) {
        throw new ConsensusError('layers', 'nodes must be listed in node id order, once');
      }
    }
    w.u16(l.length);
    for (const sd of l) w.bytes16(sd.encoded);
  };
  list(c.providers);
  w.u8(c.layers.length);
  for (const l of c.layers) list(l);
  return w.finish();
}

export interface DecodeConsensusOptions {
  /** Re-verify every node's descriptor signature (default false: the authorities did). */
  verifyDescriptorSignatures?: boolean;
}

/** Strictly decodes canonical bytes; throws ConsensusError (encoding | epoch | layers). */
export function decodeConsensus(bytes: Uint8Array, options: DecodeConsensusOptions = {}): Consensus {
  assertBytes('bytes', bytes);
  if (bytes.length > MAX_CONSENSUS_BYTES) throw new ConsensusError('encoding', 'document too large');
  const verifySignature = options.verifyDescriptorSignatures ?? false;
  try {
    const r = new ByteReader(bytes);
    r.expectMagic(CONSENSUS_MAGIC);
    const epoch = r.u64();
    const sphinxGeometryHash = r.fixed(GEOMETRY_HASH_BYTES);
    const sharedRandom = r.fixed(SHARED_RANDOM_BYTES);
    const params: NetworkParams = Object.freeze({
      muPerSecond: r.f64(),
      lambdaPPerSecond: r.f64(),
      lambdaLPerSecond: r.f64(),
      lambdaDPerSecond: r.f64(),
      lambdaMPerSecond: r.f64(),
      maxDelayMs: r.u32(),
    });
    validateNetworkParams(params);
    const seen = new Set<string>();
    const list = (): SignedDescriptor[] => {
      const n = r.u16();
      if (n > MAX_NODES_PER_LIST) throw new ConsensusError('encoding', 'too many nodes in a list');
      const out: SignedDescriptor[] = [];
      for (let i = 0; i < n; i++) {
        const sd = decodeSignedDescriptor(r.bytes16(MAX_DESCRIPTOR_BYTES), { epoch, verifySignature });
        const id = toHex(sd.descriptor.nodeId);
        if (seen.has(id)) throw new ConsensusError('layers', 'node listed twice');
        seen.add(id);
        if (out.length > 0 && compareBytes(out[out.length - 1].descriptor.nodeId, sd.descriptor.nodeId) >= 0) {
          throw new ConsensusError('encoding', 'nodes not in canonical (node id) order');
        }
        out.push(sd);
      }
      return out;
    };
    const providers = list();
    const nLayers = r.u8();
    if (nLayers > MAX_MIX_LAYERS) throw new ConsensusError('encoding', 'too many layers');
    const layers: SignedDescriptor[][] = [];
    for (let i = 0; i < nLayers; i++) layers.push(list());
    r.finish();
    const c: Consensus = { epoch, sphinxGeometryHash, sharedRandom, params, providers, layers };
    checkStructure(c);
    return c;
  } catch (err) {
    if (err instanceof ConsensusError) throw err;
    if (err instanceof DescriptorError) {
      throw new ConsensusError(err.reason === 'epoch' ? 'epoch' : 'encoding', `embedded descriptor: ${err.message}`);
    }
    if (err instanceof DecodeError) throw new ConsensusError('encoding', `malformed document: ${err.message}`);
    throw err;
  }
}

/** An authority's signature over the canonical bytes. */
export function signConsensus(bytes: Uint8Array, signer: Ed25519Signer): ConsensusSignature {
  assertBytes('bytes', bytes);
  return { authority: signer.publicKey, signature: signer.sign(bytes) };
}

/** JSON transport form of canonical bytes + signatures. */
export function encodeSignedConsensusJson(epoch: number, bytes: Uint8Array, signatures: readonly ConsensusSignature[]): SignedConsensusJson {
  assertInt('epoch', epoch);
  assertBytes('bytes', bytes);
  return {
    epoch,
    document: toBase64(bytes),
    signatures: signatures.map((s) => ({ authority: toHex(s.authority), signature: toHex(s.signature) })),
  };
}

/** Parses the JSON transport form (object or string); throws ConsensusError('encoding'). */
export function decodeSignedConsensusJson(json: unknown): { epoch: number; bytes: Uint8Array; signatures: ConsensusSignature[] } {
  let obj = json;
  if (typeof obj === 'string') {
    if (obj.length > MAX_CONSENSUS_BYTES * 2) throw new ConsensusError('encoding', 'document too large');
    try {
      obj = JSON.parse(obj);
    } catch {
      throw new ConsensusError('encoding', 'document is not JSON');
    }
  }
  const o = obj as Partial<SignedConsensusJson> | null;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ConsensusError('encoding', 'document must be a JSON object');
  if (!Number.isSafeInteger(o.epoch) || (o.epoch as number) < 0) throw new ConsensusError('encoding', 'epoch must be a non-negative integer');
  if (typeof o.document !== 'string') throw new ConsensusError('encoding', 'document must be base64');
  if (!Array.isArray(o.signatures) || o.signatures.length > MAX_CONSENSUS_SIGNATURES) {
    throw new ConsensusError('encoding', `signatures must be an array of at most ${MAX_CONSENSUS_SIGNATURES}`);
  }
  let bytes: Uint8Array;
  const signatures: ConsensusSignature[] = [];
  try {
    bytes = fromBase64(o.document);
    for (const s of o.signatures as unknown[]) {
      const e = s as { authority?: unknown; signature?: unknown };
      if (typeof e !== 'object' || e === null || typeof e.authority !== 'string' || typeof e.signature !== 'string') {
        throw new ConsensusError('encoding', 'a signature entry must be {authority, signature}');
      }
      signatures.push({ authority: fromHex(e.authority, 32), signature: fromHex(e.signature, 64) });
    }
  } catch (err) {
    if (err instanceof ConsensusError) throw err;
    throw new ConsensusError('encoding', `malformed document: ${(err as Error).message}`);
  }
  return { epoch: o.epoch as number, bytes, signatures };
}

export interface VerifyConsensusOptions {
  /** The epoch the caller asked for; anything else is rejected with reason 'epoch' (replays). */
  epoch?: number;
  /** The geometry the caller speaks; a mismatch is rejected with reason 'geometry'. */
  sphinxGeometryHash?: Uint8Array;
  /** Re-verify every embedded descriptor signature (default false). */
  verifyDescriptorSignatures?: boolean;
}

/**
 * Verifies a served document (JSON object or string) against the trusted authority keys: strict
 * decoding, epoch and geometry, structure (layers follow from the shared random value), then at
 * least `threshold` valid signatures from distinct trusted authorities over the canonical bytes.
 * Throws ConsensusError with reason encoding | epoch | geometry | layers | signature |
 * unknown-signer | threshold. Below threshold the reason names what was wrong: 'signature' if a
 * trusted authority's entry failed to verify, else 'unknown-signer' if untrusted keys signed,
 * else 'threshold'.
 */
export function verifyConsensus(
  doc: unknown,
  trustedAuthorityKeys: readonly Uint8Array[],
  threshold: number,
  options: VerifyConsensusOptions = {},
): VerifiedConsensus {
  assert(Array.isArray(trustedAuthorityKeys) && trustedAuthorityKeys.length > 0, 'trustedAuthorityKeys must be a non-empty array');
  trustedAuthorityKeys.forEach((k, i) => assertBytes(`trustedAuthorityKeys[${i}]`, k, ED25519_PUBLIC_KEY_BYTES));
  assertInt('threshold', threshold, 1, trustedAuthorityKeys.length);
  if (options.epoch !== undefined) assertInt('options.epoch', options.epoch);
  if (options.sphinxGeometryHash !== undefined) assertBytes('options.sphinxGeometryHash', options.sphinxGeometryHash, GEOMETRY_HASH_BYTES);

  const { epoch, bytes, signatures } = decodeSignedConsensusJson(doc);
  const consensus = decodeConsensus(bytes, { verifyDescriptorSignatures: options.verifyDescriptorSignatures ?? false });
  if (consensus.epoch !== epoch) throw new ConsensusError('encoding', 'wrapper epoch differs from document epoch');
  if (options.epoch !== undefined && consensus.epoch !== options.epoch) {
    throw new ConsensusError('epoch', `document is for epoch ${consensus.epoch}, expected ${options.epoch}`);
  }
  if (options.sphinxGeometryHash !== undefined && !constantTimeEqual(options.sphinxGeometryHash, consensus.sphinxGeometryHash)) {
    throw new ConsensusError('geometry', 'document names another Sphinx geometry');
  }

  const trusted = new Set(trustedAuthorityKeys.map(toHex));
  const counted = new Set<string>();
  const good: ConsensusSignature[] = [];
  let forged = 0;
  let unknown = 0;
  for (const s of signatures) {
    const hex = toHex(s.authority);
    if (!trusted.has(hex)) {
      unknown++;
      continue;
    }
    if (counted.has(hex)) continue;
    if (ed25519Verify(s.authority, bytes, s.signature)) {
      counted.add(hex);
      good.push(s);
    } else {
      forged++;
    }
  }
  if (good.length < threshold) {
    const detail = `${good.length} valid signatures of ${threshold} needed`;
    if (forged > 0) throw new ConsensusError('signature', `${detail}; ${forged} signatures did not verify`);
    if (unknown > 0) throw new ConsensusError('unknown-signer', `${detail}; ${unknown} signatures from unknown keys`);
    throw new ConsensusError('threshold', detail);
  }
  return { consensus, bytes, signers: good.map((s) => s.authority), signatures: good };
}

/** Hash of a document's canonical bytes (for logs and for comparing authorities' views). */
export function consensusDigest(bytes: Uint8Array): Uint8Array {
  assertBytes('bytes', bytes);
  return blake2b256(bytes);
}

/** Every node of a document with its position: layer 0 = providers, 1..L = mix layers. */
export function consensusNodes(c: Consensus): { layer: number; node: SignedDescriptor }[] {
  return [
    ...c.providers.map((node) => ({ layer: 0, node })),
    ...c.layers.flatMap((l, i) => l.map((node) => ({ layer: i + 1, node }))),
  ];
}

/** The node with `nodeId`, if listed. */
export function findNode(c: Consensus, nodeId: Uint8Array): { layer: number; node: SignedDescriptor } | undefined {
  assertBytes('nodeId', nodeId, 32);
  return consensusNodes(c).find((e) => constantTimeEqual(e.node.descriptor.nodeId, nodeId));
}

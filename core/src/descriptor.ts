// The signed node Descriptor: what a mix or provider tells the directory authorities about itself
// for one epoch. Canonical binary encoding (codec.ts), Ed25519 signature by the node's identity
// key over exactly the canonical body bytes. See docs/spec/directory.md §Descriptor.
import { assert, assertBytes, assertInt, assertOneOf } from './assert.js';
import { checkClientApiUrl, parseLinkAddress } from './address.js';
import { ByteReader, ByteWriter, magic } from './codec.js';
import { concatBytes, constantTimeEqual, toHex } from './bytes.js';
import { DecodeError, DescriptorError } from './errors.js';
import {
  ED25519_SIGNATURE_BYTES,
  ed25519Verify,
  isValidEd25519PublicKey,
  isValidX25519PublicKey,
  nodeIdOf,
  type Ed25519Signer,
} from './keys.js';

export const DESCRIPTOR_MAGIC = magic('strata/descriptor/v1');
export const MAX_DESCRIPTOR_BYTES = 2048;
export const MAX_LINK_ADDRESSES = 4;
export const NODE_ROLES = ['mix', 'provider'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

const ROLE_CODE: Record<NodeRole, number> = { mix: 1, provider: 2 };

export interface SphinxPublicKey {
  readonly epoch: number;
  readonly publicKey: Uint8Array;
}

export interface Descriptor {
  /** The epoch this descriptor is for (its first Sphinx key is that epoch's). */
  readonly epoch: number;
  readonly role: NodeRole;
  /** BLAKE2b-256(identityKey). */
  readonly nodeId: Uint8Array;
  /** Ed25519 identity public key. */
  readonly identityKey: Uint8Array;
  /** X25519 Noise static public key of the link layer. */
  readonly linkKey: Uint8Array;
  /** `tcp://HOST:PORT`, 1..4 of them. */
  readonly linkAddresses: readonly string[];
  /** Providers only: the client API URL (https://, or http:// on loopback). */
  readonly clientApiUrl?: string;
  /** Exactly two: for `epoch` and `epoch + 1`. */
  readonly sphinxKeys: readonly SphinxPublicKey[];
}

export interface SignedDescriptor {
  readonly descriptor: Descriptor;
  /** The canonical body bytes the signature covers. */
  readonly body: Uint8Array;
  readonly signature: Uint8Array;
  /** body ‖ signature: what travels and what the consensus embeds. */
  readonly encoded: Uint8Array;
}

/** Semantic checks shared by encoder and decoder; throws DescriptorError with a reason. */
export function validateDescriptor(d: Descriptor): void {
  if (typeof d !== 'object' || d === null) throw new DescriptorError('encoding', 'descriptor must be an object');
  if (!Number.isSafeInteger(d.epoch) || d.epoch < 0) throw new DescriptorError('epoch', 'epoch must be a non-negative integer');
  if (!(NODE_ROLES as readonly string[]).includes(d.role)) throw new DescriptorError('role', 'role must be mix or provider');
  if (!isValidEd25519PublicKey(d.identityKey)) throw new DescriptorError('keys', 'identity key is not a valid Ed25519 public key');
  if (!(d.nodeId instanceof Uint8Array) || !constantTimeEqual(d.nodeId, nodeIdOf(d.identityKey))) {
    throw new DescriptorError('node-id', 'node id is not BLAKE2b-256 of the identity key');
  }
  if (!isValidX25519PublicKey(d.linkKey)) throw new DescriptorError('keys', 'link key is not a valid X25519 public key');
  if (!Array.isArray(d.linkAddresses) || d.linkAddresses.length < 1 || d.linkAddresses.length > MAX_LINK_ADDRESSES) {
    throw new DescriptorError('address', `a descriptor carries 1..${MAX_LINK_ADDRESSES} link addresses`);
  }
  for (const a of d.linkAddresses) parseLinkAddress(a);
  if (new Set(d.linkAddresses).size !== d.linkAddresses.length) throw new DescriptorError('address', 'duplicate link address');
  if (d.role === 'provider') {
    if (d.clientApiUrl === undefined) throw new DescriptorError('address', 'a provider needs a client API URL');
    checkClientApiUrl(d.clientApiUrl);
  } else if (d.clientApiUrl !== undefined) {
    throw new DescriptorError('address', 'a mix carries no client API URL');
  }
  if (!Array.isArray(d.sphinxKeys) || d.sphinxKeys.length !== 2) {
    throw new DescriptorError('keys', 'a descriptor carries Sphinx keys for its epoch and the next');
  }
  const seen = new Set<string>([toHex(d.linkKey)]);
  d.sphinxKeys.forEach((k, i) => {
    if (k.epoch !== d.epoch + i) throw new DescriptorError('keys', `Sphinx key ${i} must be for epoch ${d.epoch + i}`);
    if (!isValidX25519PublicKey(k.publicKey)) throw new DescriptorError('keys', `Sphinx key ${i} is not a valid X25519 public key`);
    const hex = toHex(k.publicKey);
    if (seen.has(hex)) throw new DescriptorError('keys', 'Sphinx keys must differ from each other and from the link key');
    seen.add(hex);
  });
}

/** Canonical body bytes of a descriptor (what the node signs). */
export function encodeDescriptorBody(d: Descriptor): Uint8Array {
  validateDescriptor(d);
  const w = new ByteWriter()
    .fixed(DESCRIPTOR_MAGIC, DESCRIPTOR_MAGIC.length)
    .u64(d.epoch)
    .u8(ROLE_CODE[d.role])
    .fixed(d.nodeId, 32)
    .fixed(d.identityKey, 32)
    .fixed(d.linkKey, 32)
    .u8(d.linkAddresses.length);
  for (const a of d.linkAddresses) w.string16(a);
  w.string16(d.clientApiUrl ?? '');
  w.u8(d.sphinxKeys.length);
  for (const k of d.sphinxKeys) w.u64(k.epoch).fixed(k.publicKey, 32);
  return w.finish();
}

/** Signs a descriptor with the node's identity key; returns the SignedDescriptor. */
export function signDescriptor(d: Descriptor, signer: Ed25519Signer): SignedDescriptor {
  assert(constantTimeEqual(signer.publicKey, d.identityKey), 'signer does not hold the descriptor identity key');
  const body = encodeDescriptorBody(d);
  const signature = signer.sign(body);
  return { descriptor: d, body, signature, encoded: concatBytes(body, signature) };
}

function readBody(r: ByteReader): Descriptor {
  r.expectMagic(DESCRIPTOR_MAGIC);
  const epoch = r.u64();
  const roleCode = r.u8();
  const role = (Object.keys(ROLE_CODE) as NodeRole[]).find((k) => ROLE_CODE[k] === roleCode);
  if (!role) throw new DescriptorError('role', 'unknown role code');
  const nodeId = r.fixed(32);
  const identityKey = r.fixed(32);
  const linkKey = r.fixed(32);
  const nAddr = r.u8();
  if (nAddr > MAX_LINK_ADDRESSES) throw new DescriptorError('address', 'too many link addresses');
  const linkAddresses: string[] = [];
  for (let i = 0; i < nAddr; i++) linkAddresses.push(r.string16(255));
  const api = r.string16(255);
  const nKeys = r.u8();
  if (nKeys > 2) throw new DescriptorError('keys', 'too many Sphinx keys');
  const sphinxKeys: SphinxPublicKey[] = [];
  for (let i = 0; i < nKeys; i++) sphinxKeys.push({ epoch: r.u64(), publicKey: r.fixed(32) });
  const d: Descriptor = { epoch, role, nodeId, identityKey, linkKey, linkAddresses, sphinxKeys, ...(api === '' ? {} : { clientApiUrl: api }) };
  return d;
}

/**
 * Decodes body ‖ signature, checks structure, node id, keys, addresses and the signature.
 * Throws DescriptorError with reason encoding | signature | node-id | epoch | keys | address | role.
 * With `epoch`, also requires the descriptor to be for that epoch. `verifySignature: false` skips
 * only the signature check (for descriptors embedded in an already threshold-signed document).
 */
export function decodeSignedDescriptor(
  encoded: Uint8Array,
  options: { epoch?: number; verifySignature?: boolean } = {},
): SignedDescriptor {
  assertBytes('encoded', encoded);
  if (encoded.length > MAX_DESCRIPTOR_BYTES) throw new DescriptorError('encoding', `descriptor larger than ${MAX_DESCRIPTOR_BYTES} bytes`);
  const r = new ByteReader(encoded);
  let descriptor: Descriptor;
  let signature: Uint8Array;
  let bodyLen: number;
  try {
    descriptor = readBody(r);
    bodyLen = r.offset;
    signature = r.fixed(ED25519_SIGNATURE_BYTES);
    r.finish();
  } catch (err) {
    if (err instanceof DescriptorError) throw err;
    if (err instanceof DecodeError) throw new DescriptorError('encoding', `malformed descriptor: ${err.message}`);
    throw err;
  }
  validateDescriptor(descriptor);
  if (options.epoch !== undefined) {
    assertInt('epoch', options.epoch);
    if (descriptor.epoch !== options.epoch) {
      throw new DescriptorError('epoch', `descriptor is for epoch ${descriptor.epoch}, expected ${options.epoch}`);
    }
  }
  const body = encoded.slice(0, bodyLen);
  if (options.verifySignature !== false && !ed25519Verify(descriptor.identityKey, body, signature)) {
    throw new DescriptorError('signature', 'descriptor signature does not verify');
  }
  return { descriptor, body, signature, encoded: encoded.slice() };
}

/** The Sphinx public key a descriptor publishes for `epoch`, if any. */
export function sphinxKeyFor(d: Descriptor, epoch: number): Uint8Array | undefined {
  return d.sphinxKeys.find((k) => k.epoch === epoch)?.publicKey;
}

/** A log-safe JSON view (public material only). */
export function describeDescriptor(d: Descriptor): Record<string, unknown> {
  assertOneOf('role', d.role, NODE_ROLES);
  return {
    epoch: d.epoch,
    role: d.role,
    nodeId: toHex(d.nodeId),
    identityKey: toHex(d.identityKey),
    linkKey: toHex(d.linkKey),
    linkAddresses: [...d.linkAddresses],
    ...(d.clientApiUrl ? { clientApiUrl: d.clientApiUrl } : {}),
    sphinxKeys: d.sphinxKeys.map((k) => ({ epoch: k.epoch, publicKey: toHex(k.publicKey) })),
  };
}

export interface CreateDescriptorInput {
  epoch: number;
  role: NodeRole;
  identityKey: Uint8Array;
  linkKey: Uint8Array;
  linkAddresses: readonly string[];
  clientApiUrl?: string;
  /** Sphinx public keys for `epoch` and `epoch + 1`. */
  sphinxPublicKeys: readonly [Uint8Array, Uint8Array];
}

/** Assembles (and validates) a descriptor; node id derived from the identity key. */
export function createDescriptor(input: CreateDescriptorInput): Descriptor {
  assertBytes('identityKey', input.identityKey, 32);
  const d: Descriptor = {
    epoch: input.epoch,
    role: input.role,
    nodeId: nodeIdOf(input.identityKey),
    identityKey: input.identityKey.slice(),
    linkKey: input.linkKey.slice(),
    linkAddresses: [...input.linkAddresses],
    ...(input.clientApiUrl !== undefined ? { clientApiUrl: input.clientApiUrl } : {}),
    sphinxKeys: [
      { epoch: input.epoch, publicKey: input.sphinxPublicKeys[0].slice() },
      { epoch: input.epoch + 1, publicKey: input.sphinxPublicKeys[1].slice() },
    ],
  };
  validateDescriptor(d);
  return d;
}

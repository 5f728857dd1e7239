// Test fixtures shared by core and directory tests: real keys, real signed descriptors.
import { blake2b } from '@noble/hashes/blake2.js';
import {
  Ed25519Signer,
  buildConsensus,
  encodeConsensus,
  encodeSignedConsensusJson,
  signConsensus,
  type SignedConsensusJson,
  createDescriptor,
  x25519PublicKey,
  signDescriptor,
  type NetworkParams,
  type NodeRole,
  type SignedDescriptor,
} from '@strata/core';

export interface TestNode {
  signer: Ed25519Signer;
  role: NodeRole;
  linkKey: Uint8Array;
  port: number;
  /** Signs this node's descriptor for `epoch` (fresh Sphinx keys each call). */
  descriptorFor(epoch: number): SignedDescriptor;
}

/** Deterministic 32-byte secret for a label (fixed seeds: every run builds the same network). */
export function testSecret(label: string): Uint8Array {
  return blake2b(new TextEncoder().encode(`strata-test/${label}`), { dkLen: 32 });
}

/** A deterministic Ed25519 signer for a label. */
export function testSigner(label: string): Ed25519Signer {
  return new Ed25519Signer(testSecret(`identity/${label}`));
}

export function makeTestNode(role: NodeRole, port: number): TestNode {
  const signer = testSigner(`${role}/${port}`);
  const linkKey = x25519PublicKey(testSecret(`link/${role}/${port}`));
  return {
    signer,
    role,
    linkKey,
    port,
    descriptorFor(epoch: number): SignedDescriptor {
      const d = createDescriptor({
        epoch,
        role,
        identityKey: signer.publicKey,
        linkKey,
        linkAddresses: [`tcp://127.0.0.1:${port}`],
        ...(role === 'provider' ? { clientApiUrl: `https://provider-${port}.example:8443/` } : {}),
        sphinxPublicKeys: [
          x25519PublicKey(testSecret(`sphinx/${role}/${port}/${epoch}`)),
          x25519PublicKey(testSecret(`sphinx/${role}/${port}/${epoch + 1}`)),
        ],
      });
      return signDescriptor(d, signer);
    },
  };
}

/** `providers` providers and `mixes` mixes on ports 20000 + i. */
export function makeTestNetwork(providers: number, mixes: number): TestNode[] {
  const out: TestNode[] = [];
  for (let i = 0; i < providers; i++) out.push(makeTestNode('provider', 20000 + i));
  for (let i = 0; i < mixes; i++) out.push(makeTestNode('mix', 21000 + i));
  return out;
}

export const TEST_PARAMS: NetworkParams = Object.freeze({
  muPerSecond: 2,
  lambdaPPerSecond: 5,
  lambdaLPerSecond: 1,
  lambdaDPerSecond: 1,
  lambdaMPerSecond: 1,
  maxDelayMs: 10000,
});

export const TEST_GEOMETRY_HASH = new Uint8Array(32).fill(7);

/**
 * Threshold-signed documents (JSON transport form) for `epochs` of a 1-provider, 3-mix network,
 * each signed by three fixed authorities; `trusted` are the authorities' public keys.
 */
export function signedTestConsensuses(epochs: readonly number[]): { docs: Map<number, SignedConsensusJson>; trusted: Uint8Array[] } {
  const nodes = makeTestNetwork(1, 3);
  const authorities = [0, 1, 2].map((i) => testSigner(`authority/${i}`));
  const docs = new Map<number, SignedConsensusJson>();
  for (const epoch of epochs) {
    const c = buildConsensus({ epoch, descriptors: nodes.map((n) => n.descriptorFor(epoch)), sharedRandom: new Uint8Array(32).fill(epoch), params: TEST_PARAMS, sphinxGeometryHash: TEST_GEOMETRY_HASH });
    const bytes = encodeConsensus(c);
    docs.set(epoch, encodeSignedConsensusJson(epoch, bytes, authorities.map((a) => signConsensus(bytes, a))));
  }
  return { docs, trusted: authorities.map((a) => a.publicKey) };
}

// Shared test fixtures: seeded randomness, node sets, paths, vector files.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chacha20 } from '@noble/ciphers/chacha.js';
import type { Command, CryptoBackend, PathHop } from '../src/index.js';
import { publicKeyFromPrivate } from '../src/index.js';

/** Katzenpost's vectors in the shared folder that sits beside the repository (../shared). */
export const VECTORS_DIR = fileURLToPath(new URL('../../../shared/vectors/katzenpost', import.meta.url));

export function loadJson<T>(name: string): T {
  return JSON.parse(readFileSync(`${VECTORS_DIR}/${name}`, 'utf8')) as T;
}

/** A deterministic byte source (ChaCha20 keystream of a seed): tests use fixed seeds only. */
export function seededRandom(seed: number): (n: number) => Uint8Array {
  const key = new Uint8Array(32);
  new DataView(key.buffer).setUint32(0, seed >>> 0);
  let counter = 0;
  return (n: number) => {
    const nonce = new Uint8Array(12);
    new DataView(nonce.buffer).setUint32(8, counter++);
    return chacha20(key, nonce, new Uint8Array(n));
  };
}

export interface TestNode {
  id: Uint8Array;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

export function makeNodes(n: number, random: (n: number) => Uint8Array, backend?: CryptoBackend): TestNode[] {
  return Array.from({ length: n }, () => {
    const privateKey = random(32);
    return { id: random(32), privateKey, publicKey: publicKeyFromPrivate(privateKey, backend) };
  });
}

/** Katzenpost-style commands: NodeDelay on forward hops, Recipient (+ SURBReply) at the end. */
export function makePath(nodes: readonly TestNode[], random: (n: number) => Uint8Array, surb = false): PathHop[] {
  return nodes.map((node, i) => {
    const commands: Command[] =
      i < nodes.length - 1
        ? [{ type: 'nodeDelay', delayMs: 1000 + i }]
        : surb
          ? [{ type: 'recipient', id: random(32) }, { type: 'surbReply', id: random(16) }]
          : [{ type: 'recipient', id: random(32) }];
    return { id: node.id, publicKey: node.publicKey, commands };
  });
}

export function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const out = b.slice();
  out[bit >>> 3] ^= 1 << (bit & 7);
  return out;
}

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

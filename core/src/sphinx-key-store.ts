// Per-epoch Sphinx (X25519) keys on disk: `<dir>/sphinx-<epoch>.key`, mode 0600.
// prune() overwrites and deletes the private keys of expired epochs: once gone, packets recorded
// from those epochs can no longer be unwrapped (forward secrecy, Loopix §4.1 key rotation).
import { existsSync, mkdirSync, openSync, readdirSync, unlinkSync, writeSync, closeSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { assertInt, assertString } from './assert.js';
import { wipe } from './bytes.js';
import { generateX25519KeyPair, type KeyPair } from './keys.js';
import { readKeyFile, writeKeyFile } from './key-file.js';

const FILE_RE = /^sphinx-(\d+)\.key$/;

export class SphinxKeyStore {
  private readonly cache = new Map<number, KeyPair>();

  constructor(readonly dir: string) {
    assertString('dir', dir);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private pathOf(epoch: number): string {
    return join(this.dir, `sphinx-${epoch}.key`);
  }

  /** Returns the key pair of `epoch`, generating and saving it if absent. */
  ensure(epoch: number): KeyPair {
    assertInt('epoch', epoch);
    const hit = this.get(epoch);
    if (hit) return hit;
    const pair = generateX25519KeyPair();
    writeKeyFile(this.pathOf(epoch), 'x25519-sphinx', pair, { epoch });
    this.cache.set(epoch, pair);
    return pair;
  }

  /** The key pair of `epoch` if present in memory or on disk. */
  get(epoch: number): KeyPair | undefined {
    assertInt('epoch', epoch);
    const hit = this.cache.get(epoch);
    if (hit) return hit;
    const path = this.pathOf(epoch);
    if (!existsSync(path)) return undefined;
    const pair = readKeyFile(path, 'x25519-sphinx');
    this.cache.set(epoch, { publicKey: pair.publicKey, privateKey: pair.privateKey });
    return this.cache.get(epoch);
  }

  /** Epochs with a stored key, ascending. */
  epochs(): number[] {
    const set = new Set<number>(this.cache.keys());
    for (const f of readdirSync(this.dir)) {
      const m = FILE_RE.exec(f);
      if (m) set.add(Number(m[1]));
    }
    return [...set].sort((a, b) => a - b);
  }

  /** Deletes (after overwriting) every key of an epoch < `oldestToKeep`; returns the epochs removed. */
  prune(oldestToKeep: number): number[] {
    assertInt('oldestToKeep', oldestToKeep);
    const removed: number[] = [];
    for (const epoch of this.epochs()) {
      if (epoch >= oldestToKeep) continue;
      const pair = this.cache.get(epoch);
      if (pair) wipe(pair.privateKey);
      this.cache.delete(epoch);
      const path = this.pathOf(epoch);
      if (existsSync(path)) {
        // Best effort on journaling/SSD media: overwrite before unlinking.
        const fd = openSync(path, 'r+');
        try {
          writeSync(fd, Buffer.alloc(fstatSync(fd).size));
        } finally {
          closeSync(fd);
        }
        unlinkSync(path);
      }
      removed.push(epoch);
    }
    return removed;
  }
}

// Options shared by the packet-making functions.
import { assertObject } from './assert.js';
import type { CryptoBackend } from './backend.js';
import { defaultBackend } from './default-backend.js';
import { SphinxArgumentError } from './errors.js';
import { assertBackend } from './node-key.js';

export interface CreateOptions {
  backend?: CryptoBackend;
  /** Source of randomness (ephemeral keys, padding, SURB keys); default: the backend's CSPRNG. */
  random?: (length: number) => Uint8Array;
}

export function resolveCreateOptions(opts: CreateOptions | undefined): { backend: CryptoBackend; random: (n: number) => Uint8Array } {
  if (opts !== undefined) assertObject(opts, 'opts');
  const backend = opts?.backend ?? defaultBackend();
  assertBackend(backend, 'opts.backend');
  const r = opts?.random;
  if (r !== undefined && typeof r !== 'function') throw new SphinxArgumentError('opts.random', 'must be a function');
  const random = r
    ? (n: number) => {
        const out = r(n);
        if (!(out instanceof Uint8Array) || out.length !== n) throw new SphinxArgumentError('opts.random', `must return ${n} bytes`);
        return out;
      }
    : (n: number) => backend.randomBytes(n);
  return { backend, random };
}

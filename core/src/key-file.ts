// Key files on disk: one JSON object per file, mode 0600, public and private key in hex.
// Loading refuses files readable by group/others and files whose halves do not match.
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { assertBytes, assertOneOf } from './assert.js';
import { fromHex, toHex } from './bytes.js';
import { KeyError } from './errors.js';
import { identityPublicKey, x25519PublicKey, type KeyPair } from './keys.js';

export const KEY_FILE_TYPES = ['ed25519-identity', 'x25519-link', 'x25519-sphinx'] as const;
export type KeyFileType = (typeof KEY_FILE_TYPES)[number];

/** Mode of every file holding a private key. */
export const KEY_FILE_MODE = 0o600;

interface KeyFileJson {
  type: KeyFileType;
  publicKey: string;
  privateKey: string;
  epoch?: number;
}

function publicOf(type: KeyFileType, privateKey: Uint8Array): Uint8Array {
  return type === 'ed25519-identity' ? identityPublicKey(privateKey) : x25519PublicKey(privateKey);
}

/** Writes a key file atomically with mode 0600. Refuses to overwrite unless `overwrite`. */
export function writeKeyFile(
  path: string,
  type: KeyFileType,
  pair: KeyPair,
  options: { overwrite?: boolean; epoch?: number } = {},
): void {
  assertOneOf('type', type, KEY_FILE_TYPES);
  assertBytes('publicKey', pair.publicKey, 32);
  assertBytes('privateKey', pair.privateKey, 32);
  if (!options.overwrite && existsSync(path)) throw new KeyError('exists', `key file already exists: ${path}`);
  const body: KeyFileJson = { type, publicKey: toHex(pair.publicKey), privateKey: toHex(pair.privateKey) };
  if (options.epoch !== undefined) body.epoch = options.epoch;
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(body) + '\n', { mode: KEY_FILE_MODE, flag: 'w' });
  chmodSync(tmp, KEY_FILE_MODE);
  renameSync(tmp, path);
}

/** Reads and checks a key file of the expected type. Throws KeyError with a reason. */
export function readKeyFile(path: string, type: KeyFileType): KeyPair & { epoch?: number } {
  assertOneOf('type', type, KEY_FILE_TYPES);
  if (!existsSync(path)) throw new KeyError('missing', `key file not found: ${path}`);
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    throw new KeyError('permissions', `key file ${path} must not be accessible by group or others (chmod 600)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new KeyError('encoding', `key file ${path} is not JSON`, { cause: err });
  }
  const j = json as Partial<KeyFileJson>;
  if (typeof j !== 'object' || j === null || j.type !== type) {
    throw new KeyError('type', `key file ${path} is not of type ${type}`);
  }
  let publicKey: Uint8Array;
  let privateKey: Uint8Array;
  try {
    publicKey = fromHex(String(j.publicKey), 32);
    privateKey = fromHex(String(j.privateKey), 32);
  } catch (err) {
    throw new KeyError('encoding', `key file ${path} holds malformed keys`, { cause: err });
  }
  if (toHex(publicOf(type, privateKey)) !== toHex(publicKey)) {
    throw new KeyError('encoding', `key file ${path}: public key does not match private key`);
  }
  const out: KeyPair & { epoch?: number } = { publicKey, privateKey };
  if (typeof j.epoch === 'number') out.epoch = j.epoch;
  return out;
}

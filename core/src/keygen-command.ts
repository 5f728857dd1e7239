// `strata keygen --dir DIR`: creates identity.key (Ed25519) and link.key (X25519), mode 0600,
// and prints the public half as JSON (identity key, node id, link key) for operators.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { toHex } from './bytes.js';
import { generateIdentityKeyPair, generateX25519KeyPair, nodeIdOf } from './keys.js';
import { readKeyFile, writeKeyFile } from './key-file.js';

export const IDENTITY_KEY_FILE = 'identity.key';
export const LINK_KEY_FILE = 'link.key';

export interface KeygenResult {
  identityKey: string;
  nodeId: string;
  linkKey: string;
  identityKeyFile: string;
  linkKeyFile: string;
}

/** Generates both key files in `dir` (created with mode 0700). Refuses to overwrite unless `force`. */
export function keygen(dir: string, options: { force?: boolean } = {}): KeygenResult {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const identityKeyFile = join(dir, IDENTITY_KEY_FILE);
  const linkKeyFile = join(dir, LINK_KEY_FILE);
  const identity = generateIdentityKeyPair();
  const link = generateX25519KeyPair();
  writeKeyFile(identityKeyFile, 'ed25519-identity', identity, { overwrite: options.force ?? false });
  writeKeyFile(linkKeyFile, 'x25519-link', link, { overwrite: options.force ?? false });
  return {
    identityKey: toHex(identity.publicKey),
    nodeId: toHex(nodeIdOf(identity.publicKey)),
    linkKey: toHex(link.publicKey),
    identityKeyFile,
    linkKeyFile,
  };
}

/** Public information of existing key files (for `strata keygen --show`). */
export function showKeys(dir: string): KeygenResult {
  const identityKeyFile = join(dir, IDENTITY_KEY_FILE);
  const linkKeyFile = join(dir, LINK_KEY_FILE);
  const identity = readKeyFile(identityKeyFile, 'ed25519-identity');
  const link = readKeyFile(linkKeyFile, 'x25519-link');
  return {
    identityKey: toHex(identity.publicKey),
    nodeId: toHex(nodeIdOf(identity.publicKey)),
    linkKey: toHex(link.publicKey),
    identityKeyFile,
    linkKeyFile,
  };
}

export function keygenCommand(): Command {
  return new Command('keygen')
    .description('generate a node or authority identity key (Ed25519) and link key (X25519)')
    .requiredOption('--dir <dir>', 'directory for identity.key and link.key (mode 0600)')
    .option('--force', 'overwrite existing key files', false)
    .option('--show', 'print the public keys of existing key files instead', false)
    .action((opts: { dir: string; force: boolean; show: boolean }) => {
      const result = opts.show ? showKeys(opts.dir) : keygen(opts.dir, { force: opts.force });
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    });
}

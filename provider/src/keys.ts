import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { ProviderConfigError } from './errors.js';

/**
 * The provider's long-term keys: an Ed25519 identity key (signs its descriptor) and an X25519 link
 * key (authenticates the link protocol). Kept in `<dataDir>/provider-keys.json`, mode 0600, created
 * on first start. A local stand-in for @strata/core's key files until those land.
 */
export interface ProviderKeys {
  readonly identityPublicKey: Uint8Array;
  readonly identitySeed: Uint8Array;
  readonly linkPublicKey: Uint8Array;
  readonly linkPrivateKey: Uint8Array;
}

export const PROVIDER_KEYS_FILE = 'provider-keys.json';

function generate(): ProviderKeys {
  const id = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  const link = generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' });
  return {
    identityPublicKey: Buffer.from(id.x as string, 'base64url'),
    identitySeed: Buffer.from(id.d as string, 'base64url'),
    linkPublicKey: Buffer.from(link.x as string, 'base64url'),
    linkPrivateKey: Buffer.from(link.d as string, 'base64url'),
  };
}

function field(obj: Record<string, unknown>, file: string, name: string): Buffer {
  const v = obj[name];
  const b = typeof v === 'string' ? Buffer.from(v, 'base64') : undefined;
  if (!b || b.length !== 32) throw new ProviderConfigError(`${file}: ${name}: must be 32 bytes in base64`);
  return b;
}

/** Load the key file from `dataDir`, creating it (atomically, mode 0600) when absent. */
export function loadOrCreateProviderKeys(dataDir: string): ProviderKeys {
  const file = join(dataDir, PROVIDER_KEYS_FILE);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const k = generate();
    const tmp = `${file}.tmp`;
    const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
    writeFileSync(
      tmp,
      JSON.stringify({ identityPublicKey: b64(k.identityPublicKey), identitySeed: b64(k.identitySeed), linkPublicKey: b64(k.linkPublicKey), linkPrivateKey: b64(k.linkPrivateKey) }, null, 2),
      { mode: 0o600 },
    );
    renameSync(tmp, file);
    return k;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ProviderConfigError(`${file}: not a valid key file: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null) throw new ProviderConfigError(`${file}: must be an object`);
  const o = raw as Record<string, unknown>;
  return {
    identityPublicKey: field(o, file, 'identityPublicKey'),
    identitySeed: field(o, file, 'identitySeed'),
    linkPublicKey: field(o, file, 'linkPublicKey'),
    linkPrivateKey: field(o, file, 'linkPrivateKey'),
  };
}

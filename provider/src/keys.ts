import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readKeyFile } from '@strata/core/key-file';
import { IDENTITY_KEY_FILE, LINK_KEY_FILE, keygen } from '@strata/core/keygen-command';

/**
 * The provider's long-term keys, in @strata/core's key-file format: `<dataDir>/identity.key`
 * (Ed25519, signs its descriptor) and `<dataDir>/link.key` (X25519, authenticates the link
 * protocol), mode 0600. `strata keygen --dir <dataDir>` makes them; a provider started without
 * them makes them itself on first start.
 */
export interface ProviderKeys {
  readonly identityPublicKey: Uint8Array;
  /** Secret (RFC 8032 seed): never log it. */
  readonly identitySeed: Uint8Array;
  readonly linkPublicKey: Uint8Array;
  /** Secret: never log it. */
  readonly linkPrivateKey: Uint8Array;
}

export { IDENTITY_KEY_FILE, LINK_KEY_FILE };

/** Load both key files from `dataDir`, creating them when neither exists (core KeyError otherwise). */
export function loadOrCreateProviderKeys(dataDir: string): ProviderKeys {
  const identityFile = join(dataDir, IDENTITY_KEY_FILE);
  const linkFile = join(dataDir, LINK_KEY_FILE);
  if (!existsSync(identityFile) && !existsSync(linkFile)) keygen(dataDir);
  const identity = readKeyFile(identityFile, 'ed25519-identity');
  const link = readKeyFile(linkFile, 'x25519-link');
  return { identityPublicKey: identity.publicKey, identitySeed: identity.privateKey, linkPublicKey: link.publicKey, linkPrivateKey: link.privateKey };
}

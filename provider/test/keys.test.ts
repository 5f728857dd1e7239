import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVIDER_KEYS_FILE, loadOrCreateProviderKeys } from '../src/keys.js';
import { tempDir } from './helpers.js';

describe('loadOrCreateProviderKeys', () => {
  it('creates the key file once, readable only by its owner, and loads the same keys later', () => {
    const dir = tempDir();
    try {
      const a = loadOrCreateProviderKeys(join(dir.path, 'data'));
      assert.equal(statSync(join(dir.path, 'data', PROVIDER_KEYS_FILE)).mode & 0o777, 0o600);
      const b = loadOrCreateProviderKeys(join(dir.path, 'data'));
      assert.deepEqual(Buffer.from(b.linkPublicKey), Buffer.from(a.linkPublicKey));
      assert.deepEqual(Buffer.from(b.identitySeed), Buffer.from(a.identitySeed));
      assert.equal(a.identityPublicKey.length, 32);
    } finally {
      dir.remove();
    }
  });

  it('refuses a damaged key file with its name', () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, PROVIDER_KEYS_FILE), JSON.stringify({ identityPublicKey: 'AAAA' }));
      assert.throws(() => loadOrCreateProviderKeys(dir.path), (e: Error) => e.name === 'ProviderConfigError' && e.message.includes(PROVIDER_KEYS_FILE));
    } finally {
      dir.remove();
    }
  });
});

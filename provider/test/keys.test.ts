import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDENTITY_KEY_FILE, LINK_KEY_FILE, loadOrCreateProviderKeys } from '../src/keys.js';
import { tempDir } from './helpers.js';

describe('loadOrCreateProviderKeys', () => {
  it('creates both key files once, readable only by their owner, and loads the same keys later', () => {
    const dir = tempDir();
    try {
      const a = loadOrCreateProviderKeys(join(dir.path, 'data'));
      assert.equal(statSync(join(dir.path, 'data', IDENTITY_KEY_FILE)).mode & 0o777, 0o600);
      assert.equal(statSync(join(dir.path, 'data', LINK_KEY_FILE)).mode & 0o777, 0o600);
      const b = loadOrCreateProviderKeys(join(dir.path, 'data'));
      assert.deepEqual(Buffer.from(b.linkPublicKey), Buffer.from(a.linkPublicKey));
      assert.deepEqual(Buffer.from(b.identitySeed), Buffer.from(a.identitySeed));
      assert.equal(a.identityPublicKey.length, 32);
    } finally {
      dir.remove();
    }
  });

  it('refuses a damaged key file instead of replacing it', () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, IDENTITY_KEY_FILE), '{"type":"ed25519-identity","publicKey":"00"}', { mode: 0o600 });
      assert.throws(() => loadOrCreateProviderKeys(dir.path), { name: 'KeyError' });
    } finally {
      dir.remove();
    }
  });
});

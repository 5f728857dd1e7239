import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentityKeyPair, generateX25519KeyPair, readKeyFile, writeKeyFile } from '@strata/core';

describe('key files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-keyfile-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes mode 0600 and reads back the same keys', () => {
    const pair = generateIdentityKeyPair();
    const path = join(dir, 'id.key');
    writeKeyFile(path, 'ed25519-identity', pair);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const back = readKeyFile(path, 'ed25519-identity');
    assert.deepEqual(back.publicKey, pair.publicKey);
    assert.deepEqual(back.privateKey, pair.privateKey);
  });

  it('refuses to overwrite unless asked', () => {
    const path = join(dir, 'id.key');
    writeKeyFile(path, 'ed25519-identity', generateIdentityKeyPair());
    assert.throws(() => writeKeyFile(path, 'ed25519-identity', generateIdentityKeyPair()), { name: 'KeyError', reason: 'exists' });
    writeKeyFile(path, 'ed25519-identity', generateIdentityKeyPair(), { overwrite: true });
  });

  it('refuses a file readable by others', () => {
    const path = join(dir, 'id.key');
    writeKeyFile(path, 'ed25519-identity', generateIdentityKeyPair());
    chmodSync(path, 0o644);
    assert.throws(() => readKeyFile(path, 'ed25519-identity'), { name: 'KeyError', reason: 'permissions' });
  });

  it('refuses a file of another type, a missing file and mismatched halves', () => {
    const path = join(dir, 'link.key');
    writeKeyFile(path, 'x25519-link', generateX25519KeyPair());
    assert.throws(() => readKeyFile(path, 'ed25519-identity'), { name: 'KeyError', reason: 'type' });
    assert.throws(() => readKeyFile(join(dir, 'nope'), 'x25519-link'), { name: 'KeyError', reason: 'missing' });
    const json = JSON.parse(readFileSync(path, 'utf8'));
    json.publicKey = Buffer.from(generateX25519KeyPair().publicKey).toString('hex');
    writeFileSync(path, JSON.stringify(json), { mode: 0o600 });
    assert.throws(() => readKeyFile(path, 'x25519-link'), { name: 'KeyError', reason: 'encoding' });
  });
});

import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SphinxKeyStore, x25519PublicKey } from '@strata/core';

describe('SphinxKeyStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-sphinx-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates one key per epoch, mode 0600, and finds it again after a restart', () => {
    const store = new SphinxKeyStore(dir);
    const a = store.ensure(5);
    assert.deepEqual(store.ensure(5), a);
    assert.notDeepEqual(store.ensure(6).publicKey, a.publicKey);
    assert.equal(statSync(join(dir, 'sphinx-5.key')).mode & 0o777, 0o600);
    const reopened = new SphinxKeyStore(dir);
    assert.deepEqual(reopened.get(5)?.publicKey, a.publicKey);
    assert.deepEqual(x25519PublicKey(reopened.get(5)!.privateKey), a.publicKey);
    assert.deepEqual(reopened.epochs(), [5, 6]);
  });

  it('deletes and wipes the private keys of expired epochs', () => {
    const store = new SphinxKeyStore(dir);
    const old = store.ensure(1);
    store.ensure(2);
    store.ensure(3);
    assert.deepEqual(store.prune(3), [1, 2]);
    assert.equal(existsSync(join(dir, 'sphinx-1.key')), false);
    assert.equal(existsSync(join(dir, 'sphinx-2.key')), false);
    assert.ok(old.privateKey.every((b) => b === 0));
    assert.equal(store.get(1), undefined);
    assert.deepEqual(store.epochs(), [3]);
  });
});

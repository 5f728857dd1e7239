import assert from 'node:assert/strict';
import { portableBackend } from '../src/crypto-backend.js';
import { nodeBackend } from '../src/crypto-node.js';
import { decodeIdentity, encodeIdentity, generateIdentity, identityFromSecrets, identityId, loadIdentity, loadOrCreateIdentity, loadPreviousIdentities, rotateIdentity } from '../src/identity.js';
import { SecureStore } from '../src/secure-store.js';
import { makeTempDir, seededBytes, TEST_SCRYPT } from './helpers.js';

describe('identity', () => {
  it('derives the same public keys on the portable and the node backend', () => {
    const x = seededBytes(32, 1);
    const e = seededBytes(32, 2);
    const a = identityFromSecrets(x, e, portableBackend);
    const b = identityFromSecrets(x.slice(), e.slice(), nodeBackend);
    assert.deepEqual(a.x25519PublicKey, b.x25519PublicKey);
    assert.deepEqual(a.ed25519PublicKey, b.ed25519PublicKey);
  });

  it('round-trips through encodeIdentity and decodeIdentity', () => {
    const id = generateIdentity();
    const back = decodeIdentity(encodeIdentity(id));
    assert.deepEqual(back.ed25519PublicKey, id.ed25519PublicKey);
    assert.deepEqual(back.x25519PublicKey, id.x25519PublicKey);
  });

  it('rejects an identity record of the wrong length or version', () => {
    assert.throws(() => decodeIdentity(new Uint8Array(64)), { name: 'SecureStoreError', reason: 'corrupt-record' });
    const bad = encodeIdentity(generateIdentity());
    bad[0] = 2;
    assert.throws(() => decodeIdentity(bad), { name: 'SecureStoreError', reason: 'corrupt-record' });
  });

  it('rejects secrets of the wrong length with InvalidArgumentError', () => {
    assert.throws(() => identityFromSecrets(new Uint8Array(31), new Uint8Array(32)), { name: 'InvalidArgumentError' });
  });

  it('gives different identities different ids, and one identity a stable id', () => {
    const a = generateIdentity();
    const b = generateIdentity();
    assert.equal(identityId(a), identityId({ ed25519PublicKey: a.ed25519PublicKey, x25519PublicKey: a.x25519PublicKey }));
    assert.notEqual(identityId(a), identityId(b));
    assert.match(identityId(a), /^[0-9a-f]{32}$/);
  });

  it('is created once in the store and loaded unchanged after a reopen', async () => {
    const tmp = makeTempDir();
    try {
      let store = await SecureStore.open({ dir: tmp.dir, passphrase: 'p', scrypt: TEST_SCRYPT });
      assert.equal(loadIdentity(store), undefined);
      const created = await loadOrCreateIdentity(store);
      await store.close();
      store = await SecureStore.open({ dir: tmp.dir, passphrase: 'p' });
      const loaded = await loadOrCreateIdentity(store);
      assert.deepEqual(loaded.ed25519PublicKey, created.ed25519PublicKey);
      assert.deepEqual(loaded.x25519SecretKey, created.x25519SecretKey);
      await store.close();
    } finally {
      tmp.remove();
    }
  });

  it('re-keys: a fresh identity replaces the current one, which is kept as a previous identity across a reopen', async () => {
    const tmp = makeTempDir();
    try {
      let store = await SecureStore.open({ dir: tmp.dir, passphrase: 'p', scrypt: TEST_SCRYPT });
      const first = await loadOrCreateIdentity(store);
      assert.deepEqual(loadPreviousIdentities(store), []);
      const second = await rotateIdentity(store);
      assert.notDeepEqual(second.ed25519PublicKey, first.ed25519PublicKey);
      await store.close();
      store = await SecureStore.open({ dir: tmp.dir, passphrase: 'p' });
      assert.deepEqual(loadIdentity(store)?.ed25519PublicKey, second.ed25519PublicKey);
      const previous = loadPreviousIdentities(store);
      assert.equal(previous.length, 1);
      assert.deepEqual(previous[0].ed25519Seed, first.ed25519Seed);
      await rotateIdentity(store);
      assert.deepEqual(loadPreviousIdentities(store).map((i) => identityId(i)), [identityId(first), identityId(second)]);
      await store.close();
    } finally {
      tmp.remove();
    }
  });

  it('refuses to re-key a store that holds no identity', async () => {
    const tmp = makeTempDir();
    try {
      const store = await SecureStore.open({ dir: tmp.dir, passphrase: 'p', scrypt: TEST_SCRYPT });
      await assert.rejects(rotateIdentity(store), { name: 'SecureStoreError', reason: 'corrupt-record' });
      await store.close();
    } finally {
      tmp.remove();
    }
  });
});

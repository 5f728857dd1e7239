import assert from 'node:assert/strict';
import { encodeAddress } from '../src/address.js';
import { ContactBook } from '../src/contacts.js';
import { safetyNumber } from '../src/fingerprint.js';
import { identityFromSecrets, type Identity } from '../src/identity.js';
import { SecureStore } from '../src/secure-store.js';
import { makeTempDir, seededBytes, TEST_SCRYPT } from './helpers.js';

const PROVIDER = { url: 'https://provider.example/', nodeId: seededBytes(32, 500) };
const addressOf = (id: Identity) => encodeAddress({ ed25519PublicKey: id.ed25519PublicKey, x25519PublicKey: id.x25519PublicKey, provider: PROVIDER });

describe('ContactBook', () => {
  const me = identityFromSecrets(seededBytes(32, 41), seededBytes(32, 42));
  const alice = identityFromSecrets(seededBytes(32, 43), seededBytes(32, 44));
  const aliceNew = identityFromSecrets(seededBytes(32, 45), seededBytes(32, 46));
  const mallory = identityFromSecrets(seededBytes(32, 47), seededBytes(32, 48));
  let tmp: ReturnType<typeof makeTempDir>;
  let store: SecureStore;
  let now = 1_000;
  const book = (opts = {}) => new ContactBook(store, me, { now: () => now, ...opts });

  beforeEach(async () => {
    tmp = makeTempDir();
    store = await SecureStore.open({ dir: tmp.dir, passphrase: 'p', scrypt: TEST_SCRYPT });
  });
  afterEach(async () => {
    await store.close();
    tmp.remove();
  });

  it('adds a contact by address as unverified, with its keys pinned', async () => {
    const c = await book().add(addressOf(alice), 'Alice');
    assert.equal(c.trust, 'unverified');
    assert.equal(c.verified, false);
    assert.deepEqual(c.keys.ed25519PublicKey, alice.ed25519PublicKey);
    assert.equal(c.address.provider.url, PROVIDER.url);
    assert.deepEqual(book().list().map((x) => x.name), ['Alice']);
  });

  it('refuses our own address, a duplicate and a malformed address', async () => {
    const b = book();
    await assert.rejects(b.add(addressOf(me), 'me'), { name: 'ContactError', reason: 'self' });
    await b.add(addressOf(alice), 'Alice');
    await assert.rejects(b.add(addressOf(alice), 'Alice again'), { name: 'ContactError', reason: 'exists' });
    await assert.rejects(b.add('strata1xyz', 'x'), { name: 'AddressError' });
  });

  it('allows contacts and nobody else, also after the store is reopened', async () => {
    await book().add(addressOf(alice), 'Alice');
    assert.equal(book().allowed(alice.ed25519PublicKey)?.name, 'Alice');
    assert.equal(book().allowed(mallory.ed25519PublicKey), undefined);
    await store.close();
    store = await SecureStore.open({ dir: tmp.dir, passphrase: 'p' });
    assert.equal(book().allowed(alice.ed25519PublicKey)?.name, 'Alice');
  });

  it('verifies a contact only with the right safety number', async () => {
    const b = book();
    const c = await b.add(addressOf(alice), 'Alice');
    assert.equal(b.safetyNumber(c.id), safetyNumber(alice, me));
    assert.equal(await b.verify(c.id, '12345 67890'), false);
    assert.equal(b.get(c.id)?.trust, 'unverified');
    assert.equal(await b.verify(c.id, safetyNumber(alice, me).replace(/ /g, '')), true);
    assert.equal(b.get(c.id)?.trust, 'verified');
  });

  it('records the provider confirming the pinned keys', async () => {
    const b = book();
    const c = await b.add(addressOf(alice), 'Alice');
    now = 2_000;
    assert.equal(await b.observeKeys(c.id, alice, 'provider'), 'confirmed');
    assert.equal(b.get(c.id)?.providerConfirmedAtMs, 2_000);
  });

  it('flags a changed key and keeps the pinned one until the user decides', async () => {
    const b = book();
    const c = await b.add(addressOf(alice), 'Alice');
    await b.verify(c.id, b.safetyNumber(c.id));
    assert.equal(await b.observeKeys(c.id, aliceNew, 'provider'), 'changed');
    const flagged = b.get(c.id);
    assert.equal(flagged?.trust, 'key-changed');
    assert.deepEqual(flagged?.keys.ed25519PublicKey, alice.ed25519PublicKey);
    assert.deepEqual(flagged?.keyChange?.keys.ed25519PublicKey, aliceNew.ed25519PublicKey);
    assert.equal(b.allowed(aliceNew.ed25519PublicKey), undefined);
    assert.equal(b.allowed(alice.ed25519PublicKey)?.id, c.id);
    const accepted = await b.acceptKeyChange(c.id);
    assert.equal(accepted.trust, 'unverified');
    assert.deepEqual(accepted.keys.ed25519PublicKey, aliceNew.ed25519PublicKey);
    assert.equal(b.allowed(aliceNew.ed25519PublicKey)?.id, c.id);
    assert.equal(b.allowed(alice.ed25519PublicKey), undefined);
    await assert.rejects(b.acceptKeyChange(c.id), { name: 'ContactError', reason: 'no-key-change' });
  });

  it('dismisses a rejected key change and keeps the old keys', async () => {
    const b = book();
    const c = await b.add(addressOf(alice), 'Alice');
    await b.observeKeys(c.id, aliceNew, 'address');
    const kept = await b.rejectKeyChange(c.id);
    assert.equal(kept.trust, 'unverified');
    assert.deepEqual(kept.keys.ed25519PublicKey, alice.ed25519PublicKey);
  });

  it('queues requests from strangers, bounded, and hands them over once accepted', async () => {
    const b = book({ maxRequests: 3, maxRequestsPerSender: 2, maxRequestBytes: 10 });
    await b.queueRequest(mallory.ed25519PublicKey, Uint8Array.of(1));
    now++;
    await b.queueRequest(mallory.ed25519PublicKey, Uint8Array.of(2));
    await assert.rejects(b.queueRequest(mallory.ed25519PublicKey, Uint8Array.of(3)), { name: 'ContactError', reason: 'queue-full' });
    await assert.rejects(b.queueRequest(alice.ed25519PublicKey, new Uint8Array(11)), { name: 'ContactError', reason: 'request-too-large' });
    const r = await b.queueRequest(alice.ed25519PublicKey, Uint8Array.of(4));
    await assert.rejects(b.queueRequest(aliceNew.ed25519PublicKey, Uint8Array.of(5)), { name: 'ContactError', reason: 'queue-full' });
    assert.deepEqual(b.listRequests().map((x) => x.body[0]), [1, 2, 4]);
    const taken = await b.takeRequests(mallory.ed25519PublicKey);
    assert.deepEqual(taken.map((x) => x.body[0]), [1, 2]);
    assert.equal(await b.dropRequest(r.id), true);
    assert.equal(b.listRequests().length, 0);
  });

  it('names an unknown contact with ContactError(unknown)', async () => {
    await assert.rejects(book().verify('nope', '1'), { name: 'ContactError', reason: 'unknown' });
  });
});

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { open as openLmdb } from 'lmdb';
import { utf8ToBytes } from '../src/bytes.js';
import { SecureStore } from '../src/secure-store.js';
import { makeTempDir, TEST_SCRYPT } from './helpers.js';

describe('SecureStore', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.remove());

  const open = (passphrase = 'correct horse', extra: object = {}) =>
    SecureStore.open({ dir: tmp.dir, passphrase, scrypt: TEST_SCRYPT, ...extra });

  it('stores and reads back bytes and JSON across a reopen', async () => {
    const store = await open();
    await store.table('keys').put('identity', Uint8Array.of(1, 2, 3));
    await store.table('contacts').putJson('alice', { name: 'Alice', n: 7 });
    await store.close();
    const again = await open();
    assert.deepEqual(again.table('keys').get('identity'), Uint8Array.of(1, 2, 3));
    assert.deepEqual(again.table('contacts').getJson('alice'), { name: 'Alice', n: 7 });
    assert.equal(again.table('contacts').get('bob'), undefined);
    await again.close();
  });

  it('refuses a wrong passphrase with WrongPassphraseError', async () => {
    const store = await open('right');
    await store.table('keys').put('k', Uint8Array.of(9));
    await store.close();
    await assert.rejects(open('wrong'), { name: 'WrongPassphraseError' });
    const again = await open('right');
    assert.deepEqual(again.table('keys').get('k'), Uint8Array.of(9));
    await again.close();
  });

  it('keeps tables apart: the same key in two tables holds two values', async () => {
    const store = await open();
    await store.table('outbox').put('x', Uint8Array.of(1));
    await store.table('history').put('x', Uint8Array.of(2));
    assert.deepEqual(store.table('outbox').get('x'), Uint8Array.of(1));
    assert.deepEqual(store.table('history').get('x'), Uint8Array.of(2));
    assert.deepEqual([...store.table('outbox').keys()], ['x']);
    await store.close();
  });

  it('lists entries, counts them and deletes them', async () => {
    const store = await open();
    const t = store.table('contacts');
    await t.putJson('a', 1);
    await t.putJson('b', 2);
    assert.equal(t.count, 2);
    assert.deepEqual(new Map(t.jsonEntries<number>()), new Map([['a', 1], ['b', 2]]));
    assert.equal(await t.delete('a'), true);
    assert.equal(t.has('a'), false);
    assert.equal(t.count, 1);
    await store.close();
  });

  it('commits the writes of a transaction together', async () => {
    const store = await open();
    await store.transaction(() => {
      void store.table('outbox').putJson('m1', { s: 'queued' });
      void store.table('history').putJson('m1', { at: 1 });
    });
    assert.deepEqual(store.table('outbox').getJson('m1'), { s: 'queued' });
    assert.deepEqual(store.table('history').getJson('m1'), { at: 1 });
    await store.close();
  });

  it('writes neither key names nor values in clear to disk', async () => {
    const store = await open();
    await store.table('contacts').put('secret-contact-name', utf8ToBytes('very-private-value'));
    await store.close();
    const files = readdirSync(tmp.dir);
    for (const f of files) {
      const text = readFileSync(join(tmp.dir, f)).toString('latin1');
      assert.equal(text.includes('secret-contact-name'), false, f);
      assert.equal(text.includes('very-private-value'), false, f);
    }
  });

  it('changes the passphrase without rewriting the records', async () => {
    const store = await open('old');
    await store.table('keys').put('k', Uint8Array.of(5));
    await assert.rejects(store.changePassphrase('not-old', 'new'), { name: 'WrongPassphraseError' });
    await store.changePassphrase('old', 'new', TEST_SCRYPT);
    await store.close();
    await assert.rejects(open('old'), { name: 'WrongPassphraseError' });
    const again = await open('new');
    assert.deepEqual(again.table('keys').get('k'), Uint8Array.of(5));
    await again.close();
  });

  it('refuses to create a store when told it must exist', async () => {
    await assert.rejects(open('x', { mustExist: true }), { name: 'SecureStoreError', reason: 'missing' });
  });

  it('refuses use after close with SecureStoreError(closed)', async () => {
    const store = await open();
    const t = store.table('keys');
    await store.close();
    assert.throws(() => t.get('k'), { name: 'SecureStoreError', reason: 'closed' });
    assert.throws(() => store.table('keys'), { name: 'SecureStoreError', reason: 'closed' });
  });

  it('rejects scrypt parameters out of bounds with a path-prefixed message', async () => {
    await assert.rejects(open('x', { scrypt: { N: 1000 } }), (e: Error) => e.name === 'InvalidArgumentError' && e.message.startsWith('secureStore.scrypt.N:'));
    await assert.rejects(open('x', { scrypt: { N: 2 ** 22, r: 8 } }), (e: Error) => e.name === 'InvalidArgumentError' && e.message.startsWith('secureStore.scrypt:'));
  });

  it('refuses a value moved to another slot on disk as a corrupt record', async () => {
    const store = await open();
    await store.table('contacts').put('a', Uint8Array.of(1));
    await store.table('contacts').put('b', Uint8Array.of(2));
    await store.close();
    const raw = openLmdb({ path: join(tmp.dir, 'client.mdb'), noSubdir: true, maxDbs: 16 });
    const db = raw.openDB<Uint8Array, Uint8Array>({ name: 't:contacts', encoding: 'binary', keyEncoding: 'binary' });
    const [x, y] = [...db.getRange()];
    await db.put(x.key as Uint8Array, y.value);
    await raw.close();
    const again = await open();
    const t = again.table('contacts');
    assert.throws(() => [...t.entries()], { name: 'SecureStoreError', reason: 'corrupt-record' });
    await again.close();
  });

  it('refuses an edited header as a wrong passphrase, and a foreign one as a bad header', async () => {
    const store = await open();
    await store.close();
    const raw = openLmdb({ path: join(tmp.dir, 'client.mdb'), noSubdir: true, maxDbs: 16 });
    const header = raw.openDB<string, string>({ name: 'header', encoding: 'string' });
    const h = JSON.parse(header.get('header') as string);
    await header.put('header', JSON.stringify({ ...h, r: h.r + 1 }));
    await raw.close();
    await assert.rejects(open(), { name: 'WrongPassphraseError' });
    const raw2 = openLmdb({ path: join(tmp.dir, 'client.mdb'), noSubdir: true, maxDbs: 16 });
    await raw2.openDB<string, string>({ name: 'header', encoding: 'string' }).put('header', '{"format":"other"}');
    await raw2.close();
    await assert.rejects(open(), { name: 'SecureStoreError', reason: 'bad-header' });
  });
});

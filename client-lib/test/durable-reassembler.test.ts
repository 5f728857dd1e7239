import assert from 'node:assert/strict';
import { DurableReassembler } from '../src/durable-reassembler.js';
import { StoreDeliveredLog } from '../src/delivered-log.js';
import { encodeFragment, fragmentMessage, messageDigest, Reassembler } from '../src/fragment.js';
import { SecureStore } from '../src/secure-store.js';
import { makeTempDir, seededBytes, TEST_SCRYPT } from './helpers.js';

describe('DurableReassembler', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let store: SecureStore;
  let now = 0;
  const openStore = () => SecureStore.open({ dir: tmp.dir, passphrase: 'p', scrypt: TEST_SCRYPT });
  const reopen = async () => {
    await store.close();
    store = await openStore();
    return DurableReassembler.open(store, { now: () => now, limits: { pendingTtlMs: 1000 } });
  };

  beforeEach(async () => {
    now = 0;
    tmp = makeTempDir();
    store = await openStore();
  });
  afterEach(async () => {
    await store.close();
    tmp.remove();
  });

  it('keeps strangers\' fragments in their own table, under their own limits', async () => {
    const frags = fragmentMessage(seededBytes(5000, 2), 1226);
    const strangers = await DurableReassembler.open(store, { table: 'requests-inbound', limits: { maxPendingPerSender: 1, maxPendingMessages: 1 } });
    assert.equal((await strangers.accept('stranger:x', frags[0])).status, 'partial');
    const other = fragmentMessage(seededBytes(5000, 3), 1226);
    await assert.rejects(strangers.accept('stranger:x', other[0]), { name: 'FragmentError' });
    await store.close();
    store = await openStore();
    assert.equal((await DurableReassembler.open(store)).pendingMessages, 0);
    assert.equal((await DurableReassembler.open(store, { table: 'requests-inbound' })).pendingMessages, 1);
    await assert.rejects(DurableReassembler.open(store, { table: 'history' as 'inbound' }), { name: 'InvalidArgumentError' });
  });

  it('completes a message whose first fragments arrived before a restart', async () => {
    const message = seededBytes(50_000, 1);
    const frags = fragmentMessage(message, 1226);
    let r = await DurableReassembler.open(store);
    for (const f of frags.slice(0, 20)) assert.equal((await r.accept('alice', f)).status, 'partial');
    r = await reopen();
    assert.equal(r.pendingMessages, 1);
    let last;
    for (const f of frags.slice(20)) last = await r.accept('alice', f);
    assert.ok(last?.status === 'complete' && Buffer.compare(last.message, message) === 0);
  });

  it('delivers a message once, also across a restart, and keeps no fragments of it', async () => {
    const frags = fragmentMessage(seededBytes(3000, 2), 1000);
    let r = await DurableReassembler.open(store);
    const results = [];
    for (const f of frags) results.push((await r.accept('bob', f)).status);
    assert.deepEqual(results, ['partial', 'partial', 'complete']);
    assert.deepEqual(await r.accept('bob', frags[0]), { status: 'duplicate' });
    r = await reopen();
    assert.equal(r.pendingMessages, 0);
    assert.deepEqual(await r.accept('bob', frags[1]), { status: 'duplicate' });
    // left: the (empty) pending index and the delivered id, no fragment
    assert.equal(store.table('inbound').count, 1);
    assert.equal(store.table('delivered').count, 1);
  });

  it('drops the records of a message left incomplete past its time to live', async () => {
    const frags = fragmentMessage(seededBytes(3000, 3), 1000);
    let r = await DurableReassembler.open(store, { now: () => now, limits: { pendingTtlMs: 1000 } });
    await r.accept('carol', frags[0]);
    now = 5000;
    assert.equal(await r.expire(), 1);
    r = await reopen();
    assert.equal(r.pendingMessages, 0);
    assert.equal(store.table('inbound').count, 1); // the (now empty) pending index
  });

  it('drops the records of a message whose digest does not match', async () => {
    const id = seededBytes(16, 4);
    const m = seededBytes(200, 5);
    const wrong = messageDigest(id, seededBytes(200, 6));
    const r = await DurableReassembler.open(store);
    await r.accept('dave', encodeFragment({ messageId: id, digest: wrong, index: 0, count: 2, totalLength: 200, data: m.subarray(0, 100) }));
    await assert.rejects(r.accept('dave', encodeFragment({ messageId: id, digest: wrong, index: 1, count: 2, totalLength: 200, data: m.subarray(100) })), { name: 'FragmentError', reason: 'digest' });
    const again = await reopen();
    assert.equal(again.pendingMessages, 0);
  });

  it('cleans up after a crash between recording delivery and deleting the fragments', async () => {
    const id = seededBytes(16, 7);
    const frags = fragmentMessage(seededBytes(3000, 8), 1000, id);
    const r = await DurableReassembler.open(store);
    await r.accept('erin', frags[0]);
    const log = new StoreDeliveredLog(store);
    log.add(Reassembler.deliveryKey('erin', id));
    await log.flush();
    const again = await reopen();
    assert.equal(again.pendingMessages, 0);
    assert.equal(store.table('inbound').count, 1); // only the pending index
    assert.deepEqual(await again.accept('erin', frags[1]), { status: 'duplicate' });
  });
});

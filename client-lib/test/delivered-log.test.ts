import assert from 'node:assert/strict';
import { StoreDeliveredLog } from '../src/delivered-log.js';
import { fragmentMessage, Reassembler } from '../src/fragment.js';
import { SecureStore } from '../src/secure-store.js';
import { makeTempDir, seededBytes, TEST_SCRYPT } from './helpers.js';

describe('StoreDeliveredLog', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.remove());
  const open = () => SecureStore.open({ dir: tmp.dir, passphrase: 'p', scrypt: TEST_SCRYPT });

  it('keeps a delivered message a duplicate after a restart', async () => {
    const frags = fragmentMessage(seededBytes(300, 1), 100);
    let store = await open();
    let log = new StoreDeliveredLog(store);
    let r = new Reassembler({ delivered: log });
    for (const f of frags) r.accept('alice', f);
    await log.flush();
    await store.close();
    store = await open();
    log = new StoreDeliveredLog(store);
    r = new Reassembler({ delivered: log });
    assert.deepEqual(r.accept('alice', frags[2]), { status: 'duplicate' });
    assert.equal(r.accept('bob', frags[2]).status, 'partial');
    await store.close();
  });

  it('forgets ids older than the retention period', async () => {
    let now = 0;
    const store = await open();
    const log = new StoreDeliveredLog(store, { now: () => now, retentionMs: 1000 });
    log.add('a');
    now = 600;
    log.add('b');
    now = 1200;
    assert.equal(await log.prune(), 1);
    assert.equal(log.has('a'), false);
    assert.equal(log.has('b'), true);
    await log.flush();
    assert.equal(new StoreDeliveredLog(store).size, 1);
    await store.close();
  });
});

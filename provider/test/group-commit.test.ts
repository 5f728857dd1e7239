import assert from 'node:assert/strict';
import { open, type RootDatabase } from 'lmdb';
import { GroupCommit } from '../src/group-commit.js';
import { tempDir } from './helpers.js';

describe('GroupCommit', () => {
  let dir: ReturnType<typeof tempDir>;
  let env: RootDatabase;
  beforeEach(() => {
    dir = tempDir();
    env = open({ path: dir.path, separateFlushed: true });
  });
  afterEach(async () => {
    await env.close();
    dir.remove();
  });

  it('folds everything submitted in one turn into one durable batch', async () => {
    const batches: number[] = [];
    const gc = new GroupCommit(env, 1000, { onBatch: (n) => batches.push(n) });
    const db = env.openDB<Buffer, string>('t', { encoding: 'binary' });
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => gc.submit(() => (db.putSync(`k${i}`, Buffer.from([i & 0xff])), i))));
    assert.deepEqual(results, Array.from({ length: 500 }, (_, i) => i));
    assert.deepEqual(batches, [500]);
    assert.deepEqual(db.get('k499'), Buffer.from([499 & 0xff]));
  });

  it('splits at maxBatch and keeps submission order', async () => {
    const batches: number[] = [];
    const gc = new GroupCommit(env, 3, { onBatch: (n) => batches.push(n) });
    const order: number[] = [];
    await Promise.all(Array.from({ length: 7 }, (_, i) => gc.submit(() => order.push(i))));
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(batches, [3, 3, 1]);
  });

  it('collects work submitted during a flush into the next batch', async () => {
    const batches: number[] = [];
    const gc = new GroupCommit(env, 1000, { onBatch: (n) => batches.push(n) });
    const first = gc.submit(() => 1);
    await new Promise((r) => setImmediate(r)); // the first batch is now in flight
    const rest = Array.from({ length: 10 }, () => gc.submit(() => 2));
    await Promise.all([first, ...rest]);
    assert.deepEqual(batches, [1, 10]);
  });

  it('lets reads in a batch see the writes made earlier in the same batch', async () => {
    const gc = new GroupCommit(env, 1000);
    const db = env.openDB<Buffer, string>('t', { encoding: 'binary' });
    const [, seen] = await Promise.all([gc.submit(() => db.putSync('x', Buffer.from('1'))), gc.submit(() => db.doesExist('x'))]);
    assert.equal(seen, true);
  });

  it('rejects only the operation that threw', async () => {
    const gc = new GroupCommit(env, 1000);
    const ok = gc.submit(() => 'fine');
    const bad = gc.submit(() => {
      throw new RangeError('nope');
    });
    assert.equal(await ok, 'fine');
    await assert.rejects(bad, { name: 'RangeError' });
  });

  it('refuses work after close and waits for work already queued', async () => {
    const gc = new GroupCommit(env, 1000);
    const pending = gc.submit(() => 5);
    await gc.close();
    assert.equal(await pending, 5);
    await assert.rejects(gc.submit(() => 1), { name: 'StoreUnavailableError', reason: 'closed' });
  });
});

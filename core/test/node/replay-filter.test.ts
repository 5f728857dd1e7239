import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from 'lmdb';
import { MAX_TAGS_PER_EPOCH, ReplayFilter } from '../../src/node/replay-filter.js';

function tag(n: number): Uint8Array {
  const t = new Uint8Array(32);
  new DataView(t.buffer).setUint32(0, n);
  t[31] = 0xa5;
  return t;
}

describe('ReplayFilter', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-replay-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('admits a fresh tag and refuses it the second time', async () => {
    const f = ReplayFilter.open({ path: dir, maxTagsPerEpoch: 100 });
    assert.equal(await f.admit(1, tag(1)), 'fresh');
    assert.equal(await f.admit(1, tag(1)), 'replay');
    assert.equal(await f.admit(1, tag(2)), 'fresh');
    await f.close();
  });

  it('refuses a copy that arrives while the first copy is still being written', async () => {
    const f = ReplayFilter.open({ path: dir, maxTagsPerEpoch: 100 });
    const [a, b] = await Promise.all([f.admit(1, tag(7)), f.admit(1, tag(7))]);
    assert.deepEqual([a, b], ['fresh', 'replay']);
    await f.close();
  });

  it('keeps the tags of different epochs apart', async () => {
    const f = ReplayFilter.open({ path: dir, maxTagsPerEpoch: 100 });
    assert.equal(await f.admit(1, tag(3)), 'fresh');
    assert.equal(await f.admit(2, tag(3)), 'fresh');
    assert.deepEqual(f.knownEpochs(), [1, 2]);
    await f.close();
  });

  it('still refuses recorded tags after a restart within the epoch', async () => {
    const f = ReplayFilter.open({ path: dir, maxTagsPerEpoch: 100 });
    for (let i = 0; i < 10; i++) assert.equal(await f.admit(5, tag(i)), 'fresh');
    await f.close();
    const g = ReplayFilter.open({ path: dir, maxTagsPerEpoch: 100 });
    assert.equal(g.count(5), 10);
    for (let i = 0; i < 10; i++) assert.equal(await g.admit(5, tag(i)), 'replay');
    assert.equal(await g.admit(5, tag(10)), 'fresh');
    await g.close();
  });

  it('still refuses tags admitted by a process that was killed without closing the filter', async () => {
    const script = fileURLToPath(new URL('./replay-filter-crash-child.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=strata-source', script, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('admitted 50')) child.kill('SIGKILL');
    });
    const code = await new Promise<string | null>((resolve) => child.on('exit', (_c, sig) => resolve(sig)));
    assert.equal(code, 'SIGKILL');
    assert.match(out, /admitted 50/);
    const g = ReplayFilter.open({ path: dir, maxTagsPerEpoch: 1000 });
    for (let i = 0; i < 50; i++) assert.equal(await g.admit(9, tag(i)), 'replay');
    await g.close();
  });

  it('fails closed when an epoch is full: the tag is refused and not recorded', async () => {
    const f = ReplayFilter.open({ path: dir, maxTagsPerEpoch: 3 });
    for (let i = 0; i < 3; i++) assert.equal(await f.admit(1, tag(i)), 'fresh');
    assert.equal(await f.admit(1, tag(99)), 'replay_filter_full');
    assert.equal(await f.admit(1, tag(99)), 'replay_filter_full');
    assert.equal(await f.admit(1, tag(0)), 'replay');
    assert.equal(f.count(1), 3);
    assert.equal(await f.admit(2, tag(99)), 'fresh');
    await f.close();
  });

  it('drops the tables of epochs before a given one, also those found after a restart', async () => {
    const f = ReplayFilter.open({ path: dir, maxTagsPerEpoch: 100 });
    for (const e of [3, 4, 5]) assert.equal(await f.admit(e, tag(1)), 'fresh');
    await f.close();
    const g = ReplayFilter.open({ path: dir, maxTagsPerEpoch: 100 });
    assert.deepEqual(await g.pruneBefore(5), [3, 4]);
    assert.deepEqual(g.knownEpochs(), [5]);
    assert.equal(await g.admit(4, tag(1)), 'fresh');
    assert.equal(await g.admit(5, tag(1)), 'replay');
    await g.close();
  });

  it('decides at once with record, and commit makes every tag recorded so far durable', async () => {
    const f = ReplayFilter.open({ path: dir, maxTagsPerEpoch: 1000 });
    for (let i = 0; i < 100; i++) assert.equal(f.record(3, tag(i)), 'fresh');
    assert.equal(f.record(3, tag(5)), 'replay');
    assert.equal(await f.commit(), true);
    assert.equal(await f.commit(), true); // nothing new: the last write's outcome
    f.record(3, tag(100));
    await f.close(); // close writes what is recorded but not yet committed
    const g = ReplayFilter.open({ path: dir, maxTagsPerEpoch: 1000 });
    assert.equal(g.count(3), 101);
    for (let i = 0; i <= 100; i++) assert.equal(g.record(3, tag(i)), 'replay');
    await g.close();
  });

  it('with fsync, admits, refuses a replay and keeps its tags across a restart', async () => {
    const f = ReplayFilter.open({ path: dir, maxTagsPerEpoch: 1000, fsync: true });
    const first = await Promise.all([0, 1, 2, 3].map((i) => f.admit(6, tag(i))));
    assert.deepEqual(first, ['fresh', 'fresh', 'fresh', 'fresh']);
    assert.equal(await f.admit(6, tag(2)), 'replay');
    f.record(6, tag(4));
    assert.equal(await f.commit(5), true);
    await f.close();
    const g = ReplayFilter.open({ path: dir, maxTagsPerEpoch: 1000, fsync: true });
    for (let i = 0; i < 5; i++) assert.equal(await g.admit(6, tag(i)), 'replay');
    await g.close();
  });

  it('still refuses tags stored by the older layout (one LMDB key per tag)', async () => {
    const root = open({ path: dir, maxDbs: 128 });
    const index = root.openDB<number, number>('epochs', { keyEncoding: 'uint32' });
    const legacy = root.openDB<Uint8Array, Uint8Array>('replay-7', { keyEncoding: 'binary', encoding: 'binary' });
    await index.put(7, 1);
    for (let i = 0; i < 5; i++) await legacy.put(tag(i), new Uint8Array([1]));
    await root.close();
    const f = ReplayFilter.open({ path: dir, maxTagsPerEpoch: 1000 });
    assert.deepEqual(f.knownEpochs(), [7]);
    for (let i = 0; i < 5; i++) assert.equal(await f.admit(7, tag(i)), 'replay');
    assert.equal(await f.admit(7, tag(5)), 'fresh');
    assert.deepEqual(await f.pruneBefore(8), [7]);
    await f.close();
  });

  it('refuses a per-epoch capacity its in-memory table cannot hold', () => {
    assert.throws(() => ReplayFilter.open({ path: dir, maxTagsPerEpoch: MAX_TAGS_PER_EPOCH + 1 }), { name: 'AssertionError' });
  });

  it('rejects a tag that is not 32 bytes with AssertionError', () => {
    const f = ReplayFilter.open({ path: dir, maxTagsPerEpoch: 100 });
    assert.throws(() => f.admit(1, new Uint8Array(31)), { name: 'AssertionError' });
    assert.throws(() => f.admit(-1, tag(1)), { name: 'AssertionError' });
    return f.close();
  });

  it('refuses use after close with NodeClosedError', async () => {
    const f = ReplayFilter.open({ path: dir, maxTagsPerEpoch: 100 });
    await f.close();
    await assert.rejects(f.admit(1, tag(1)), { name: 'NodeClosedError' });
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReplayFilter } from '../../src/node/replay-filter.js';

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

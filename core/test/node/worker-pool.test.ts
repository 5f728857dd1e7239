import assert from 'node:assert/strict';
import { WorkerPool } from '../../src/node/worker-pool.js';
import { siblingModuleUrl } from '../../src/node/worker-protocol.js';
import type { EchoJob } from './echo-handler.js';

type Res = { bytes: ArrayBuffer; mask: number };
const handlerUrl = siblingModuleUrl(import.meta.url, 'echo-handler');

function job(...bytes: number[]): { job: EchoJob; transfer: ArrayBuffer[] } {
  const buf = Uint8Array.from(bytes).buffer;
  return { job: { bytes: buf }, transfer: [buf] };
}

describe('WorkerPool', () => {
  let pool: WorkerPool<EchoJob, Res, { mask: number }> | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('runs jobs in worker threads loaded from TypeScript source', async () => {
    pool = new WorkerPool({ handlerUrl, init: { mask: 0 }, size: 2, maxQueued: 100 });
    await pool.ready();
    const j = job(1, 2, 3);
    const r = await pool.run(j.job, j.transfer);
    assert.deepEqual([...new Uint8Array(r.bytes)], [3, 2, 1]);
  });

  it('moves the job buffer into the worker instead of copying it', async () => {
    pool = new WorkerPool({ handlerUrl, init: { mask: 0 }, size: 1, maxQueued: 10 });
    const j = job(9, 8);
    await pool.run(j.job, j.transfer);
    assert.equal(j.job.bytes.byteLength, 0);
  });

  it('answers every one of many concurrent jobs with its own result', async () => {
    pool = new WorkerPool({ handlerUrl, init: { mask: 0 }, size: 2, maxInFlightPerWorker: 4, maxQueued: 1000 });
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => {
        const j = job(i % 100, Math.floor(i / 100));
        return pool!.run(j.job, j.transfer).then((r) => [...new Uint8Array(r.bytes)]);
      }),
    );
    results.forEach((r, i) => assert.deepEqual(r, [Math.floor(i / 100), i % 100]));
    const s = pool.stats();
    assert.equal(s.inFlight, 0);
    assert.equal(s.queued, 0);
    assert.ok(s.busyMs.every((b) => b >= 0));
  });

  it('refuses jobs beyond the in-flight and queue limits with queue_full', async () => {
    pool = new WorkerPool({ handlerUrl, init: { mask: 0 }, size: 1, maxInFlightPerWorker: 2, maxQueued: 3 });
    const accepted: Promise<Res>[] = [];
    for (let i = 0; i < 5; i++) {
      const j = job(i);
      accepted.push(pool.run(j.job, j.transfer));
    }
    const j = job(5);
    await assert.rejects(pool.run(j.job, j.transfer), { name: 'WorkerPoolError', reason: 'queue_full' });
    assert.equal((await Promise.all(accepted)).length, 5);
  });

  it('reports an error thrown by the handler as job_failed and keeps serving', async () => {
    pool = new WorkerPool({ handlerUrl, init: { mask: 0 }, size: 1, maxQueued: 10 });
    const bad = job(0xee);
    await assert.rejects(pool.run(bad.job, bad.transfer), (e: unknown) => {
      const err = e as { name: string; reason: string; cause: { name: string; reason: string } };
      return err.name === 'WorkerPoolError' && err.reason === 'job_failed' && err.cause.name === 'EchoError' && err.cause.reason === 'marker';
    });
    const good = job(1);
    assert.deepEqual([...new Uint8Array((await pool.run(good.job, good.transfer)).bytes)], [1]);
  });

  it('applies a broadcast control message to every worker before later jobs', async () => {
    pool = new WorkerPool({ handlerUrl, init: { mask: 0 }, size: 2, maxQueued: 100 });
    await pool.broadcast({ mask: 0xff });
    const rs = await Promise.all(Array.from({ length: 10 }, () => { const j = job(0x0f); return pool!.run(j.job, j.transfer); }));
    for (const r of rs) assert.equal(r.mask, 0xff);
  });

  it('fails the jobs of a crashed worker with worker_exit and replaces it with the latest control state', async () => {
    pool = new WorkerPool({ handlerUrl, init: { mask: 0 }, size: 1, maxQueued: 10 });
    await pool.broadcast({ mask: 7 });
    const crash = job(0xdd);
    await assert.rejects(pool.run(crash.job, crash.transfer), { name: 'WorkerPoolError', reason: 'worker_exit' });
    const j = job(0);
    const r = await pool.run(j.job, j.transfer);
    assert.equal(r.mask, 7);
  });

  it('finishes queued jobs on close and refuses new ones after', async () => {
    pool = new WorkerPool({ handlerUrl, init: { mask: 0 }, size: 1, maxInFlightPerWorker: 1, maxQueued: 10 });
    const ps = Array.from({ length: 5 }, (_, i) => { const j = job(i); return pool!.run(j.job, j.transfer); });
    const closing = pool.close();
    const j = job(1);
    await assert.rejects(pool.run(j.job, j.transfer), { name: 'WorkerPoolError', reason: 'closed' });
    assert.equal((await Promise.all(ps)).length, 5);
    await closing;
  });

  it('rejects a size of zero with AssertionError', () => {
    assert.throws(() => new WorkerPool({ handlerUrl, size: 0, maxQueued: 1 }), { name: 'AssertionError' });
  });
});

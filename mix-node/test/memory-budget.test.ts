import assert from 'node:assert/strict';
import { parseMixConfig } from '../src/config.js';
import { DELAY_QUEUE_SHARE, packetBudget, PER_PACKET_OVERHEAD_BYTES, WORKER_QUEUE_SHARE } from '../src/memory-budget.js';

const minimal = {
  dataDir: '/tmp/strata-mix-budget-test',
  directory: { authorities: [{ url: 'http://127.0.0.1:7000', identityKey: 'ab'.repeat(32) }] },
};
const PACKET_BYTES = 3082;

describe('packetBudget', () => {
  it('keeps the configured queue bounds when they fit under the ceiling', () => {
    const c = parseMixConfig({ ...minimal, delayQueue: { maxPackets: 1000 }, workers: { maxQueued: 100 } });
    assert.deepEqual({ ...packetBudget(c, PACKET_BYTES) }, { delayQueuePackets: 1000, workerQueuedPackets: 100, capped: false });
  });

  it('lowers both queue bounds to fit a small memoryCeilingBytes', () => {
    const ceiling = 64 * 1024 * 1024;
    const c = parseMixConfig({ ...minimal, memoryCeilingBytes: ceiling });
    const b = packetBudget(c, PACKET_BYTES);
    const per = PACKET_BYTES + PER_PACKET_OVERHEAD_BYTES;
    assert.equal(b.capped, true);
    assert.equal(b.delayQueuePackets, Math.floor((ceiling * DELAY_QUEUE_SHARE) / per));
    assert.equal(b.workerQueuedPackets, Math.floor((ceiling * WORKER_QUEUE_SHARE) / per));
    assert.ok((b.delayQueuePackets + b.workerQueuedPackets) * per <= ceiling, 'held packets would exceed the ceiling');
  });

  it('applies no ceiling when memoryCeilingBytes is 0', () => {
    const c = parseMixConfig({ ...minimal, memoryCeilingBytes: 0 });
    assert.deepEqual({ ...packetBudget(c, PACKET_BYTES) }, { delayQueuePackets: 200_000, workerQueuedPackets: 8192, capped: false });
  });

  it('still allows one held packet under a ceiling smaller than a packet', () => {
    const c = parseMixConfig({ ...minimal, memoryCeilingBytes: 1 });
    assert.equal(packetBudget(c, PACKET_BYTES).delayQueuePackets, 1);
  });

  it('rejects a non-positive packet length', () => {
    assert.throws(() => packetBudget(parseMixConfig(minimal), 0), { name: 'RangeError' });
  });
});

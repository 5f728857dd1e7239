import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeldStore } from '../../src/node/held-store.js';

describe('HeldStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-held-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives back saved packets after a reopen, once, with the delay still to wait', async () => {
    const s = HeldStore.open(dir);
    await s.save(
      [
        { remainingMs: 500, item: { nextHop: new Uint8Array(32).fill(2), packet: Uint8Array.of(1, 2, 3) } },
        { remainingMs: 100, item: { nextHop: new Uint8Array(32).fill(3), packet: Uint8Array.of(4) } },
      ],
      1_000,
    );
    await s.close();
    const t = HeldStore.open(dir);
    const back = t.takeAll(1_200);
    assert.deepEqual(back.map((b) => b.remainingMs), [0, 300]);
    assert.deepEqual([...back[1].item.packet], [1, 2, 3]);
    assert.deepEqual(back[0].item.nextHop, new Uint8Array(32).fill(3));
    assert.equal(t.takeAll().length, 0);
    assert.equal(t.size, 0);
    await t.close();
  });

  it('rejects a next hop that is not a 32-byte node id with AssertionError', async () => {
    const s = HeldStore.open(dir);
    await assert.rejects(s.save([{ remainingMs: 1, item: { nextHop: new Uint8Array(3), packet: new Uint8Array(1) } }]), { name: 'AssertionError' });
    await s.close();
  });
});

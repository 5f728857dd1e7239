import assert from 'node:assert/strict';
import { SystemClock, VirtualClock } from '@strata/core/sched/index';

describe('VirtualClock', () => {
  it('runs callbacks in time order and advances now to each deadline', () => {
    const c = new VirtualClock();
    const seen: Array<[string, number]> = [];
    c.schedule(30, () => seen.push(['c', c.now()]));
    c.schedule(10, () => seen.push(['a', c.now()]));
    c.schedule(20, () => {
      seen.push(['b', c.now()]);
      c.schedule(25, () => seen.push(['b2', c.now()]));
    });
    c.runUntil(100);
    assert.deepEqual(seen, [['a', 10], ['b', 20], ['b2', 25], ['c', 30]]);
    assert.equal(c.now(), 100);
  });

  it('does not run a cancelled callback and ignores stale handles', () => {
    const c = new VirtualClock();
    let ran = 0;
    const h = c.schedule(5, () => ran++);
    c.cancel(h);
    c.runUntil(10);
    const h2 = c.schedule(15, () => ran++);
    c.cancel(h); // stale handle must not cancel the new timer that reuses the slot
    c.runUntil(20);
    assert.equal(ran, 1);
    c.cancel(h2);
  });

  it('rejects a non-numeric deadline by name', () => {
    assert.throws(() => new VirtualClock().schedule(Number.NaN, () => {}), { name: 'SchedArgumentError' });
  });
});

describe('SystemClock', () => {
  it('fires callbacks in deadline order on real time', async () => {
    const c = new SystemClock();
    const order: number[] = [];
    await new Promise<void>((resolve) => {
      const t0 = c.now();
      c.schedule(t0 + 15, () => {
        order.push(2);
        resolve();
      });
      c.schedule(t0 + 5, () => order.push(1));
      const h = c.schedule(t0 + 10, () => order.push(99));
      c.cancel(h);
    });
    assert.deepEqual(order, [1, 2]);
    c.close();
  });
});

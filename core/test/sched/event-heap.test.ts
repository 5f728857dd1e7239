import assert from 'node:assert/strict';
import { EventHeap, seededRng } from '@strata/core/sched/index';

describe('EventHeap', () => {
  it('pops in time order and first-in first-out on equal times', () => {
    const h = new EventHeap(16);
    const r = seededRng(5);
    const times: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const t = Math.floor(r.uniform() * 100);
      times.push(t);
      h.push(t, i);
    }
    let lastT = -1;
    let lastP = -1;
    while (h.size > 0) {
      const p = h.pop();
      assert.equal(h.lastTime, times[p]);
      assert.ok(h.lastTime > lastT || (h.lastTime === lastT && p > lastP));
      lastT = h.lastTime;
      lastP = p;
    }
    assert.equal(h.peekTime(), Infinity);
  });
});

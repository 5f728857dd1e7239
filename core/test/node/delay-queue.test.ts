import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DelayQueue } from '../../src/node/delay-queue.js';
import { ManualTimers, waitFor } from './manual-timers.js';

describe('DelayQueue', () => {
  it('dispatches items in due order, not push order, on the real clock', async () => {
    const out: number[] = [];
    const q = new DelayQueue<number>({ maxItems: 100, onDue: (n) => out.push(n) });
    const now = q.now();
    for (const d of [15, 3, 9, 0, 12, 6]) q.push(now + d, d);
    await waitFor(() => out.length === 6);
    assert.deepEqual(out, [0, 3, 6, 9, 12, 15]);
    assert.equal(q.size, 0);
    q.close();
  });

  it('never dispatches an item before its due time and reports non-negative lateness', async () => {
    const seen: { dueMs: number; atMs: number; latenessMs: number }[] = [];
    const q: DelayQueue<number> = new DelayQueue<number>({
      maxItems: 100,
      onDue: (dueMs, latenessMs) => seen.push({ dueMs, atMs: q.now(), latenessMs }),
    });
    const now = q.now();
    for (let i = 0; i < 20; i++) q.push(now + (i % 7) * 1.3, now + (i % 7) * 1.3);
    await waitFor(() => seen.length === 20);
    for (const s of seen) {
      assert.ok(s.atMs >= s.dueMs);
      assert.ok(s.latenessMs >= 0);
    }
    q.close();
  });

  it('keeps push order among items due at the same time', () => {
    const timers = new ManualTimers();
    const out: string[] = [];
    const q = new DelayQueue<string>({ maxItems: 10, onDue: (s) => out.push(s), timers });
    q.push(5, 'a');
    q.push(5, 'b');
    q.push(1, 'z');
    q.push(5, 'c');
    timers.advance(10);
    assert.deepEqual(out, ['z', 'a', 'b', 'c']);
  });

  it('keeps at most one timer armed, for the earliest deadline', () => {
    const timers = new ManualTimers();
    const q = new DelayQueue<number>({ maxItems: 1000, onDue: () => {}, timers });
    for (let i = 0; i < 500; i++) q.push(1000 - i, i);
    assert.equal(timers.pending.size, 1);
    assert.equal([...timers.pending.values()][0].atMs, 501);
    timers.advance(600);
    assert.equal(timers.pending.size, 1);
    timers.advance(1000);
    assert.equal(timers.pending.size, 0);
  });

  it('refuses a push beyond maxItems with queue_full', () => {
    const timers = new ManualTimers();
    const q = new DelayQueue<number>({ maxItems: 2, onDue: () => {}, timers });
    assert.equal(q.push(1, 1), 'queued');
    assert.equal(q.push(1, 2), 'queued');
    assert.equal(q.push(1, 3), 'queue_full');
    assert.equal(q.size, 2);
  });

  it('carries on with the next item when onDue throws', () => {
    const timers = new ManualTimers();
    const out: number[] = [];
    const errors: unknown[] = [];
    const q = new DelayQueue<number>({
      maxItems: 10,
      timers,
      onDue: (n) => {
        if (n === 1) throw new Error('boom');
        out.push(n);
      },
      onError: (e) => errors.push(e),
    });
    q.push(1, 1);
    q.push(2, 2);
    timers.advance(5);
    assert.deepEqual(out, [2]);
    assert.equal(errors.length, 1);
  });

  it('on drain dispatches due items and hands back the others with their remaining delay', () => {
    const timers = new ManualTimers();
    const out: number[] = [];
    const q = new DelayQueue<number>({ maxItems: 10, onDue: (n) => out.push(n), timers });
    q.push(10, 10);
    q.push(40, 40);
    q.push(25, 25);
    timers.advance(5);
    // Item 10 becomes due while no timer has fired yet: drain must still send it.
    timers.now = () => 12;
    const rest = q.drain();
    assert.deepEqual(out, [10]);
    assert.deepEqual(rest, [
      { remainingMs: 13, item: 25 },
      { remainingMs: 28, item: 40 },
    ]);
    assert.equal(q.size, 0);
    assert.equal(q.push(50, 50), 'closed');
    assert.equal(timers.pending.size, 0);
  });

  it('rejects a non-finite due time with AssertionError', () => {
    const q = new DelayQueue<number>({ maxItems: 10, onDue: () => {}, timers: new ManualTimers() });
    assert.throws(() => q.push(Number.NaN, 1), { name: 'AssertionError' });
  });

  it('rejects a maxItems below one with AssertionError', () => {
    assert.throws(() => new DelayQueue<number>({ maxItems: 0, onDue: () => {} }), { name: 'AssertionError' });
  });

  it('emits every item exactly once, in (due, push) order, whatever the pushes and drain point', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 50 }), delay: fc.integer({ min: 0, max: 100 }) }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 200 }),
        (pushes, drainAt) => {
          const timers = new ManualTimers();
          const out: number[] = [];
          const q = new DelayQueue<number>({ maxItems: 1000, onDue: (n) => out.push(n), timers });
          const sorted = pushes.map((p, i) => ({ ...p, i })).sort((a, b) => a.at - b.at || a.i - b.i);
          const due = new Map<number, number>();
          for (const p of sorted) {
            if (p.at > drainAt) break;
            timers.advance(p.at - timers.now());
            q.push(p.at + p.delay, p.i);
            due.set(p.i, p.at + p.delay);
          }
          timers.advance(drainAt - timers.now());
          const rest = q.drain().map((r) => r.item);
          const all = [...out, ...rest];
          assert.equal(all.length, due.size);
          assert.equal(new Set(all).size, due.size);
          for (const n of out) assert.ok(due.get(n)! <= drainAt);
          for (const n of rest) assert.ok(due.get(n)! > drainAt);
          for (let k = 1; k < all.length; k++) assert.ok(due.get(all[k - 1])! <= due.get(all[k])!);
        },
      ),
      { seed: 4242, numRuns: 200 },
    );
  });
});

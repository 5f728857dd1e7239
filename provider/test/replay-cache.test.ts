import assert from 'node:assert/strict';
import { ReplayCache } from '../src/replay-cache.js';

describe('ReplayCache', () => {
  it('reports a nonce seen before', () => {
    const c = new ReplayCache(1000, 10, () => 0);
    assert.equal(c.seenOrAdd('a'), false);
    assert.equal(c.seenOrAdd('a'), true);
    assert.equal(c.seenOrAdd('b'), false);
  });

  it('remembers a nonce for at least two windows and forgets it after four', () => {
    let now = 0;
    const c = new ReplayCache(1000, 10, () => now);
    c.seenOrAdd('a');
    now = 1999;
    assert.equal(c.seenOrAdd('a'), true);
    now = 2500;
    assert.equal(c.seenOrAdd('a'), true);
    now = 4600;
    assert.equal(c.seenOrAdd('a'), false);
  });

  it('fails closed when full', () => {
    const c = new ReplayCache(1000, 2, () => 0);
    c.seenOrAdd('a');
    c.seenOrAdd('b');
    assert.throws(() => c.seenOrAdd('c'), { name: 'ReplayCacheFullError' });
    assert.equal(c.seenOrAdd('a'), true);
  });
});

import assert from 'node:assert/strict';
import { RateLimiter } from '../src/rate-limit.js';

describe('RateLimiter', () => {
  it('lets a client send its burst, then refills at the configured rate', () => {
    let t = 0;
    const r = new RateLimiter(10, 3, 100, () => t);
    assert.deepEqual([r.take('a'), r.take('a'), r.take('a'), r.take('a')], [true, true, true, false]);
    t += 100; // 0.1 s × 10/s = one token
    assert.equal(r.take('a'), true);
    assert.equal(r.take('a'), false);
  });

  it('keeps one bucket per client', () => {
    const r = new RateLimiter(1, 1, 100, () => 0);
    assert.equal(r.take('a'), true);
    assert.equal(r.take('a'), false);
    assert.equal(r.take('b'), true);
  });

  it('forgets the least recently used client beyond maxClients', () => {
    const r = new RateLimiter(1, 1, 2, () => 0);
    r.take('a');
    r.take('b');
    r.take('c');
    assert.equal(r.size, 2);
    assert.equal(r.take('a'), true, 'a was forgotten and starts with a full bucket');
  });

  it('rejects a non-positive rate with ProviderValidationError', () => {
    assert.throws(() => new RateLimiter(0, 1, 1), { name: 'ProviderValidationError' });
  });
});

import { strict as assert } from 'node:assert';
import { DEFAULT_EPOCH_LENGTH_MS, EpochClock } from '@strata/core';

describe('EpochClock', () => {
  it('defaults to twenty-minute epochs', () => {
    assert.equal(DEFAULT_EPOCH_LENGTH_MS, 1_200_000);
    assert.equal(new EpochClock().lengthMs, 1_200_000);
  });

  it('maps times to epochs and epochs to their bounds', () => {
    let now = 10_500;
    const clock = new EpochClock({ lengthMs: 1000, genesisMs: 500, now: () => now });
    assert.equal(clock.current(), 10);
    assert.equal(clock.startMs(10), 10_500);
    assert.equal(clock.endMs(10), 11_500);
    assert.equal(clock.epochAt(11_499), 10);
    assert.equal(clock.epochAt(11_500), 11);
    now = 11_250;
    assert.equal(clock.msUntil(11), 250);
    assert.equal(clock.progress(), 0.75);
  });

  it('rejects a zero length and times before genesis', () => {
    assert.throws(() => new EpochClock({ lengthMs: 0 }), { name: 'AssertionError' });
    assert.throws(() => new EpochClock({ genesisMs: 100 }).epochAt(99), { name: 'AssertionError' });
  });
});

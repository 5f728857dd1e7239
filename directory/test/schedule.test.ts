import { strict as assert } from 'node:assert';
import { EpochClock } from '@strata/core';
import { buildingEpoch, scheduleFor, uploadOpen } from '@strata/directory';

describe('schedule', () => {
  const clock = new EpochClock({ lengthMs: 8000 });
  const cfg = { uploadCloseBeforeEpochMs: 4000, votePhaseMs: 1000, revealPhaseMs: 1000, signPhaseMs: 1000 };

  it('places every phase before the epoch starts', () => {
    const s = scheduleFor(clock, cfg, 10);
    assert.deepEqual(s, { epoch: 10, uploadCloseMs: 76_000, voteDeadlineMs: 77_000, revealDeadlineMs: 78_000, signDeadlineMs: 79_000, epochStartMs: 80_000 });
  });

  it('builds the next epoch', () => {
    assert.equal(buildingEpoch(clock, 73_000), 10);
  });

  it('opens uploads for the next two epochs until their windows close', () => {
    assert.equal(uploadOpen(clock, cfg, 10, 75_999), true);
    assert.equal(uploadOpen(clock, cfg, 10, 76_000), false);
    assert.equal(uploadOpen(clock, cfg, 11, 76_000), true);
    assert.equal(uploadOpen(clock, cfg, 9, 73_000), false);
    assert.equal(uploadOpen(clock, cfg, 12, 73_000), false);
  });
});

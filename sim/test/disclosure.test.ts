import assert from 'node:assert/strict';
import { seededRng } from '@strata/core/sched/index';
import { analyseDisclosure } from '../src/disclosure.js';

describe('analyseDisclosure', () => {
  it('finds the contacts from rounds where the target sends to them among background noise', () => {
    const U = 20;
    const R = 200;
    const rng = seededRng(1);
    const real = new Float64Array(R * U);
    const alice = new Uint8Array(R);
    for (let r = 0; r < R; r++) {
      for (let i = 0; i < 5; i++) real[r * U + rng.int(U)]++;
      if (rng.uniform() < 0.5) {
        alice[r] = 1;
        real[r * U + (rng.uniform() < 0.5 ? 3 : 9)]++;
      }
    }
    const d = analyseDisclosure({ users: U, rounds: R, target: 0, contacts: [3, 9], real, all: real, aliceReal: alice, aliceAny: new Uint8Array(R).fill(1) });
    assert.ok(d.withoutCover.roundsToIdentify !== null && d.withoutCover.roundsToIdentify < R);
    assert.equal(d.withoutCover.targetRounds, alice.reduce((a, b) => a + b, 0));
  });
});

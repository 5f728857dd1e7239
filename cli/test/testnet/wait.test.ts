import { strict as assert } from 'node:assert';
import { TestnetError } from '../../src/testnet/errors.js';
import { waitFor } from '../../src/testnet/wait.js';

describe('waitFor', () => {
  it('resolves with the first truthy value of the condition', async () => {
    let n = 0;
    assert.equal(await waitFor('n to reach 3', () => (++n >= 3 ? n : 0), { timeoutMs: 5000, intervalMs: 1 }), 3);
  });

  it('times out with a TestnetError naming what it waited for and the last error', async () => {
    await assert.rejects(
      waitFor('the impossible', () => {
        throw new Error('nope');
      }, { timeoutMs: 20, intervalMs: 5 }),
      (e: TestnetError) => e.name === 'TestnetError' && e.reason === 'timeout' && /the impossible.*nope/.test(e.message),
    );
  });

  it('stops at once when abort throws', async () => {
    await assert.rejects(
      waitFor('never', () => false, { timeoutMs: 60_000, abort: () => { throw new TestnetError('daemon-exited', 'x exited'); } }),
      (e: TestnetError) => e.reason === 'daemon-exited',
    );
  });
});

import assert from 'node:assert/strict';
import { parseTrace } from '../src/trace.js';

describe('parseTrace', () => {
  it('reads timeMs,sender,recipient lines in time order, skipping header and comments', () => {
    const t = parseTrace('time_ms,sender,recipient\n# c\n20,1,0\n10,0,1\n', 2);
    assert.deepEqual(Array.from(t.timesMs), [10, 20]);
    assert.deepEqual(Array.from(t.senders), [0, 1]);
  });

  it('rejects a malformed line and an unknown user by name', () => {
    assert.throws(() => parseTrace('1,2\n', 3), { name: 'ScenarioError' });
    assert.throws(() => parseTrace('1,0,7\n', 3), { name: 'ScenarioError' });
  });
});

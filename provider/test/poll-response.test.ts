import assert from 'node:assert/strict';
import { decodePollResponse, encodePollResponse, pollResponseBytes } from '../src/poll-response.js';
import { encodeMessageId } from '../src/message-key.js';

const BYTES = 64;
const entry = (i: number) => ({ id: encodeMessageId(1000 + i), payload: new Uint8Array(BYTES).fill(i) });

describe('encodePollResponse', () => {
  it('has the same length with zero, some or all entries real', () => {
    const lengths = [0, 1, 3, 4].map((n) => encodePollResponse({ entries: Array.from({ length: n }, (_, i) => entry(i)), more: n === 4 }, 4, BYTES).length);
    assert.deepEqual(new Set(lengths), new Set([pollResponseBytes(4, BYTES)]));
  });

  it('refuses more entries than the fixed count and payloads of the wrong size', () => {
    assert.throws(() => encodePollResponse({ entries: [entry(0), entry(1)], more: false }, 1, BYTES), { name: 'ProviderValidationError' });
    assert.throws(() => encodePollResponse({ entries: [{ id: encodeMessageId(1), payload: new Uint8Array(BYTES - 1) }], more: false }, 1, BYTES), { name: 'ProviderValidationError' });
  });
});

describe('decodePollResponse', () => {
  it('returns the real entries in order and drops the dummies', () => {
    const res = decodePollResponse(encodePollResponse({ entries: [entry(1), entry(2)], more: true }, 5, BYTES));
    assert.equal(res.more, true);
    assert.equal(res.entries.length, 2);
    assert.deepEqual(Buffer.from(res.entries[1].id), Buffer.from(encodeMessageId(1002)));
    assert.deepEqual(Buffer.from(res.entries[0].payload), Buffer.from(new Uint8Array(BYTES).fill(1)));
  });

  it('rejects a truncated response, a bad magic and an unknown entry kind', () => {
    const good = encodePollResponse({ entries: [entry(1)], more: false }, 2, BYTES);
    assert.throws(() => decodePollResponse(good.subarray(0, good.length - 1)), { name: 'DecodeError' });
    const magic = Buffer.from(good);
    magic[0] ^= 1;
    assert.throws(() => decodePollResponse(magic), { name: 'DecodeError' });
    const kind = Buffer.from(good);
    kind[10] = 7;
    assert.throws(() => decodePollResponse(kind), { name: 'DecodeError' });
    assert.throws(() => decodePollResponse(new Uint8Array(3)), { name: 'DecodeError' });
  });
});

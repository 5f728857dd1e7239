import assert from 'node:assert/strict';
import { SEQ_PER_MS, SequenceSource, aliasRange, decodeMessageId, encodeMessageId, messageKey, seqTimeMs } from '../src/message-key.js';

describe('message ids', () => {
  it('round-trip through encodeMessageId and decodeMessageId', () => {
    for (const seq of [0, 1, 2 ** 32 - 1, 2 ** 32, 1_800_000_000_000 * SEQ_PER_MS + 5, Number.MAX_SAFE_INTEGER]) {
      assert.equal(decodeMessageId(encodeMessageId(seq)), seq);
    }
  });

  it('sort bytewise in sequence order', () => {
    const a = encodeMessageId(2 ** 32 - 1);
    const b = encodeMessageId(2 ** 32);
    assert.equal(Buffer.compare(Buffer.from(a), Buffer.from(b)), -1);
  });

  it('refuse to decode a short or out-of-range id', () => {
    assert.throws(() => decodeMessageId(new Uint8Array(7)), { name: 'DecodeError' });
    assert.throws(() => decodeMessageId(new Uint8Array(8).fill(0xff)), { name: 'DecodeError' });
  });

  it('build keys inside the alias range', () => {
    const alias = new Uint8Array(32).fill(3);
    const key = messageKey(alias, encodeMessageId(42));
    const r = aliasRange(alias);
    assert.ok(Buffer.compare(r.start, key) <= 0 && Buffer.compare(key, r.end) < 0);
    assert.throws(() => messageKey(new Uint8Array(31), encodeMessageId(1)), { name: 'ProviderValidationError' });
  });
});

describe('SequenceSource', () => {
  it('is strictly increasing even when the clock stands still or steps back', () => {
    let now = 1_000;
    const s = new SequenceSource(0, () => now);
    const a = s.next();
    const b = s.next();
    now = 500;
    const c = s.next();
    assert.ok(a < b && b < c);
    assert.equal(seqTimeMs(a), 1_000);
  });

  it('continues above a floor observed on disk', () => {
    const s = new SequenceSource(0, () => 1);
    s.observe(10 ** 9);
    assert.ok(s.next() > 10 ** 9);
  });
});

import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { StreamReader } from '../../src/link/stream-reader.js';

describe('StreamReader', () => {
  it('returns the same bytes however the stream was chunked', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 64 }),
        (data, cuts, readSize) => {
          const r = new StreamReader();
          let o = 0;
          for (const c of cuts) {
            if (o >= data.length) break;
            r.push(data.subarray(o, o + c));
            o += c;
          }
          if (o < data.length) r.push(data.subarray(o));
          const out: Buffer[] = [];
          for (let chunk = r.read(readSize); chunk !== null; chunk = r.read(readSize)) out.push(Buffer.from(chunk));
          const rest = r.read(r.length);
          if (rest !== null) out.push(Buffer.from(rest));
          assert.deepEqual(Buffer.concat(out), Buffer.from(data));
        },
      ),
      { seed: 99, numRuns: 500 },
    );
  });

  it('peeks a u16 split across two chunks without consuming it', () => {
    const r = new StreamReader();
    r.push(Uint8Array.of(0x12));
    assert.equal(r.peekU16(), -1);
    r.push(Uint8Array.of(0x34, 0x56));
    assert.equal(r.peekU16(), 0x1234);
    assert.equal(r.length, 3);
  });

  it('consumes nothing when asked for more than it holds', () => {
    const r = new StreamReader();
    r.push(Uint8Array.of(1, 2));
    assert.equal(r.read(3), null);
    assert.equal(r.length, 2);
  });
});

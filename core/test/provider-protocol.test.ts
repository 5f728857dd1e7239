import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  POLL_RESPONSE_HEADER_BYTES,
  decodePollResponse,
  decodeSurbReplyEntry,
  joinSurbReplyParts,
  encodeU64,
  listDigest,
  pollResponseBytes,
  requestSigningBytes,
  wellKnownSigningBytes,
} from '../src/provider-protocol.js';

const NONCE = new Uint8Array(16).fill(7);

function response(kinds: number[], messageBytes: number, more = 0): Uint8Array {
  const out = new Uint8Array(pollResponseBytes(kinds.length, messageBytes));
  out.set([0x53, 0x50, 0x52, 0x31, 0, kinds.length, messageBytes >> 8, messageBytes & 0xff, more, 0]);
  kinds.forEach((k, i) => {
    const off = POLL_RESPONSE_HEADER_BYTES + i * (9 + messageBytes);
    out[off] = k;
    out.fill(i + 1, off + 1, off + 9 + messageBytes);
  });
  return out;
}

describe('provider-protocol', () => {
  describe('requestSigningBytes', () => {
    it('lays out domain, op, length-prefixed fields, timestamp and nonce', () => {
      const b = requestSigningBytes('poll', [new Uint8Array([1, 2]), new Uint8Array([3])], 258, NONCE);
      const head = Buffer.from('strata-provider-v1:poll\0', 'latin1');
      assert.deepEqual(Buffer.from(b.subarray(0, head.length)), head);
      assert.deepEqual([...b.subarray(head.length, head.length + 7)], [0, 2, 1, 2, 0, 1, 3]);
      assert.deepEqual([...b.subarray(head.length + 7, head.length + 15)], [0, 0, 0, 0, 0, 0, 1, 2]);
      assert.deepEqual(b.subarray(head.length + 15), NONCE);
    });

    it('gives different bytes for the same fields under different ops', () => {
      const a = requestSigningBytes('poll', [new Uint8Array(32)], 1, NONCE);
      const b = requestSigningBytes('ack', [new Uint8Array(32)], 1, NONCE);
      assert.notDeepEqual(a, b);
    });

    it('refuses an unknown op and a short nonce', () => {
      assert.throws(() => requestSigningBytes('steal' as 'poll', [], 1, NONCE), { name: 'AssertionError' });
      assert.throws(() => requestSigningBytes('poll', [], 1, new Uint8Array(15)), { name: 'AssertionError' });
    });
  });

  it('listDigest is SHA-256 of the count and the items', () => {
    const items = [new Uint8Array(8).fill(1), new Uint8Array(8).fill(2)];
    const expected = createHash('sha256').update(Buffer.from([0, 0, 0, 2])).update(items[0]).update(items[1]).digest();
    assert.deepEqual(Buffer.from(listDigest(items)), expected);
  });

  it('encodeU64 is big-endian', () => {
    assert.deepEqual([...encodeU64(2 ** 40 + 5)], [0, 0, 1, 0, 0, 0, 0, 5]);
  });

  it('wellKnownSigningBytes prefixes the well-known domain', () => {
    const b = wellKnownSigningBytes(new Uint8Array([9]));
    assert.equal(Buffer.from(b).toString('latin1'), 'strata-provider-v1:well-known\0\t');
  });

  describe('decodePollResponse', () => {
    it('returns the real entries and drops the dummies', () => {
      const r = decodePollResponse(response([1, 0, 1], 4, 1));
      assert.equal(r.entries.length, 2);
      assert.equal(r.more, true);
      assert.deepEqual([...r.entries[1].id], [3, 3, 3, 3, 3, 3, 3, 3]);
      assert.deepEqual([...r.entries[1].payload], [3, 3, 3, 3]);
    });

    it('rejects truncation, bad magic, unknown kinds and bad flags with DecodeError', () => {
      const good = response([1, 0], 4);
      assert.throws(() => decodePollResponse(good.subarray(0, good.length - 1)), { name: 'DecodeError' });
      const magic = good.slice();
      magic[0] ^= 1;
      assert.throws(() => decodePollResponse(magic), { name: 'DecodeError' });
      const kind = good.slice();
      kind[POLL_RESPONSE_HEADER_BYTES] = 2;
      assert.throws(() => decodePollResponse(kind), { name: 'DecodeError' });
      const flags = good.slice();
      flags[8] = 2;
      assert.throws(() => decodePollResponse(flags), { name: 'DecodeError' });
      assert.throws(() => decodePollResponse(new Uint8Array(3)), { name: 'DecodeError' });
    });
  });
});

describe('SURB reply entries', () => {
  it('decodes the part header and joins parts into the reply', () => {
    const reply = Uint8Array.from({ length: 50 }, (_, i) => i);
    const cap = 30;
    const entries = [0, 1].map((i) => {
      const e = new Uint8Array(18 + cap);
      e.fill(9, 0, 16);
      e[16] = i;
      e[17] = 2;
      e.set(reply.subarray(i * cap, (i + 1) * cap), 18);
      return e;
    });
    const parts = entries.map(decodeSurbReplyEntry);
    assert.deepEqual(parts.map((p) => [p.index, p.count]), [[0, 2], [1, 2]]);
    assert.deepEqual(parts[0].surbId, new Uint8Array(16).fill(9));
    assert.deepEqual(joinSurbReplyParts(parts.map((p) => p.part), 50), reply);
  });

  it('rejects an impossible part header or too few bytes with DecodeError', () => {
    const e = new Uint8Array(40);
    e[16] = 2;
    e[17] = 2;
    assert.throws(() => decodeSurbReplyEntry(e), { name: 'DecodeError' });
    assert.throws(() => decodeSurbReplyEntry(new Uint8Array(18)), { name: 'DecodeError' });
    assert.throws(() => joinSurbReplyParts([new Uint8Array(10)], 11), { name: 'DecodeError' });
  });
});

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
  encodeSurbReplyEntries,
  surbReplyPartCount,
  encodeAnonymousPollBody,
  decodeAnonymousPollBody,
  anonymousPollEntries,
  anonymousPollSigningBytes,
  anonymousAckSigningBytes,
  maxAnonymousAckIds,
  ANONYMOUS_POLL_FIXED_BYTES,
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

describe('encodeSurbReplyEntries', () => {
  it('cuts a reply into entries that decode and join back to it in index order', () => {
    const reply = Uint8Array.from({ length: 2606 }, (_, i) => i % 251);
    const entries = encodeSurbReplyEntries(new Uint8Array(16).fill(3), reply, 2000);
    assert.equal(entries.length, surbReplyPartCount(reply.length, 2000));
    assert.ok(entries.every((e) => e.length === 2000));
    const parts = entries.map(decodeSurbReplyEntry).reverse().sort((a, b) => a.index - b.index);
    assert.deepEqual(parts[0].surbId, new Uint8Array(16).fill(3));
    assert.deepEqual(joinSurbReplyParts(parts.map((p) => p.part), reply.length), reply);
  });

  it('refuses a reply that needs more than 255 parts', () => {
    assert.throws(() => encodeSurbReplyEntries(new Uint8Array(16), new Uint8Array(256), 19), { name: 'AssertionError' });
  });
});

describe('anonymous poll body', () => {
  const alias = new Uint8Array(32).fill(1);
  const device = new Uint8Array(32).fill(2);
  const sig = new Uint8Array(64).fill(5);

  it('round-trips a poll with an ack list, zero-padded to the body size', () => {
    const ids = [new Uint8Array(8).fill(8), new Uint8Array(8).fill(9)];
    const req = { alias, device, timestampMs: 1234, nonce: NONCE, signature: sig, ack: { nonce: new Uint8Array(16).fill(4), signature: new Uint8Array(64).fill(6), ids } };
    const body = encodeAnonymousPollBody(req, 1000);
    assert.equal(body.length, 1000);
    assert.deepEqual(decodeAnonymousPollBody(body), req);
  });

  it('round-trips a poll without acks', () => {
    const req = { alias, device, timestampMs: 99, nonce: NONCE, signature: sig, ack: null };
    assert.deepEqual(decodeAnonymousPollBody(encodeAnonymousPollBody(req, ANONYMOUS_POLL_FIXED_BYTES)), req);
  });

  it('rejects bad magic, truncation and a short body with DecodeError', () => {
    const body = encodeAnonymousPollBody({ alias, device, timestampMs: 1, nonce: NONCE, signature: sig, ack: { nonce: NONCE, signature: sig, ids: [new Uint8Array(8)] } }, 400);
    const bad = body.slice();
    bad[0] ^= 1;
    assert.throws(() => decodeAnonymousPollBody(bad), { name: 'DecodeError' });
    const many = body.slice(0, ANONYMOUS_POLL_FIXED_BYTES + 10);
    many[ANONYMOUS_POLL_FIXED_BYTES - 1] = 200;
    assert.throws(() => decodeAnonymousPollBody(many), { name: 'DecodeError' });
    assert.throws(() => decodeAnonymousPollBody(body.subarray(0, 20)), { name: 'DecodeError' });
  });

  it('signs the provider.md §2 poll and ack fields', () => {
    assert.deepEqual(anonymousPollSigningBytes(alias, device, 7, NONCE), requestSigningBytes('poll', [alias, device], 7, NONCE));
    const ids = [new Uint8Array(8)];
    assert.deepEqual(anonymousAckSigningBytes(alias, device, ids, 7, NONCE), requestSigningBytes('ack', [alias, device, listDigest(ids)], 7, NONCE));
  });

  it('sizes the answer to the SURB reply and the ack list to the body', () => {
    const k = anonymousPollEntries(2000 + 606, 2000 - 576);
    assert.ok(pollResponseBytes(k, 1424) <= 2606 && pollResponseBytes(k + 1, 1424) > 2606);
    assert.throws(() => anonymousPollEntries(100, 2000), { name: 'AssertionError' });
    assert.ok(maxAnonymousAckIds(1400) > 100);
    assert.throws(() => encodeAnonymousPollBody({ alias, device, timestampMs: 1, nonce: NONCE, signature: sig, ack: { nonce: NONCE, signature: sig, ids: [new Uint8Array(8)] } }, ANONYMOUS_POLL_FIXED_BYTES), { name: 'AssertionError' });
  });
});

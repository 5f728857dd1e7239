import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeFragment,
  encodeFragment,
  FRAGMENT_HEADER_BYTES,
  fragmentAt,
  fragmentCount,
  fragmentMessage,
  MemoryDeliveredLog,
  messageDigest,
  Reassembler,
} from '../src/fragment.js';
import { seededBytes } from './helpers.js';

const ID = seededBytes(16, 99);

describe('fragment', () => {
  it('has a 53-byte header and one fragment for an empty message', () => {
    assert.equal(FRAGMENT_HEADER_BYTES, 53);
    assert.equal(fragmentCount(0, 100), 1);
    const [only] = fragmentMessage(new Uint8Array(0), 100, ID);
    const r = new Reassembler();
    const out = r.accept('s', only);
    assert.equal(out.status, 'complete');
    assert.equal(out.status === 'complete' && out.message.length, 0);
  });

  it('reassembles any message from its fragments in any order with duplicates, exactly once', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 3000 }),
        fc.integer({ min: 1, max: 400 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.integer(),
        (message, dataBytes, dupIdx, seed) => {
          const frags = fragmentMessage(message, dataBytes);
          const order = [...frags, ...dupIdx.map((i) => frags[i % frags.length])];
          // a seeded shuffle (Fisher–Yates)
          let x = seed >>> 0 || 1;
          for (let i = order.length - 1; i > 0; i--) {
            x = (Math.imul(x, 1103515245) + 12345) >>> 0;
            const j = x % (i + 1);
            [order[i], order[j]] = [order[j], order[i]];
          }
          const r = new Reassembler();
          const complete = order.map((f) => r.accept('alice', f)).filter((res) => res.status === 'complete');
          assert.equal(complete.length, 1);
          assert.deepEqual(complete[0].status === 'complete' && complete[0].message, message);
          assert.equal(r.pendingMessages, 0);
          assert.equal(r.pendingBytes, 0);
        },
      ),
      { seed: 1234, numRuns: 150 },
    );
  });

  it('reassembles a 10 MB message cut into 1226-byte fragments', () => {
    const message = seededBytes(10 * 1024 * 1024, 5);
    const frags = fragmentMessage(message, 1226, ID);
    assert.equal(frags.length, Math.ceil(message.length / 1226));
    const r = new Reassembler();
    let last;
    for (let i = frags.length - 1; i >= 0; i--) last = r.accept('bob', frags[i]);
    assert.equal(last?.status, 'complete');
    assert.ok(last?.status === 'complete' && Buffer.compare(last.message, message) === 0);
  });

  it('reports a fragment of a delivered message as a duplicate, also after the reassembler restarts', () => {
    const delivered = new MemoryDeliveredLog();
    const frags = fragmentMessage(seededBytes(300, 1), 100, ID);
    const r1 = new Reassembler({ delivered });
    for (const f of frags) r1.accept('carol', f);
    const r2 = new Reassembler({ delivered });
    assert.deepEqual(r2.accept('carol', frags[1]), { status: 'duplicate' });
  });

  it('scopes message ids per sender', () => {
    const frags = fragmentMessage(seededBytes(10, 1), 100, ID);
    const r = new Reassembler();
    assert.equal(r.accept('a', frags[0]).status, 'complete');
    assert.equal(r.accept('b', frags[0]).status, 'complete');
  });

  it('builds the same fragment lazily as in bulk', () => {
    const m = seededBytes(1000, 2);
    const all = fragmentMessage(m, 128, ID);
    assert.deepEqual(fragmentAt(m, ID, 128, 5), all[5]);
  });

  it('rejects a fragment with a flipped bit by its check', () => {
    const f = fragmentMessage(seededBytes(500, 3), 200, ID)[1];
    for (const i of [0, 5, 20, 35, 40, 45, 50, 60, f.length - 1]) {
      const bad = f.slice();
      bad[i] ^= 1;
      assert.throws(() => decodeFragment(bad), (e: Error & { reason?: string }) => e.name === 'FragmentError' && (e.reason === 'checksum' || e.reason === 'version'));
    }
    assert.throws(() => decodeFragment(f.subarray(0, 52)), { name: 'FragmentError', reason: 'length' });
  });

  it('refuses fragments that contradict their siblings', () => {
    const m = seededBytes(500, 4);
    const digest = messageDigest(ID, m);
    const r = new Reassembler();
    r.accept('s', encodeFragment({ messageId: ID, digest, index: 0, count: 3, totalLength: 500, data: m.subarray(0, 200) }));
    assert.throws(() => r.accept('s', encodeFragment({ messageId: ID, digest, index: 1, count: 4, totalLength: 500, data: m.subarray(200, 400) })), { name: 'FragmentError', reason: 'inconsistent' });
    assert.throws(() => r.accept('s', encodeFragment({ messageId: ID, digest, index: 1, count: 3, totalLength: 500, data: m.subarray(200, 399) })), { name: 'FragmentError', reason: 'inconsistent' });
    assert.throws(() => r.accept('s', encodeFragment({ messageId: ID, digest, index: 2, count: 3, totalLength: 500, data: m.subarray(400, 499) })), { name: 'FragmentError', reason: 'inconsistent' });
    assert.throws(() => r.accept('s', encodeFragment({ messageId: ID, digest, index: 0, count: 3, totalLength: 500, data: seededBytes(200, 77) })), { name: 'FragmentError', reason: 'conflict' });
    assert.throws(() => r.accept('s', encodeFragment({ messageId: ID, digest: new Uint8Array(16), index: 1, count: 3, totalLength: 500, data: m.subarray(200, 400) })), { name: 'FragmentError', reason: 'inconsistent' });
    assert.throws(() => new Reassembler().accept('s', encodeFragment({ messageId: ID, digest, index: 0, count: 2, totalLength: 500, data: m.subarray(0, 100) })), { name: 'FragmentError', reason: 'inconsistent' });
  });

  it('refuses a reassembled message whose digest does not match', () => {
    const m = seededBytes(300, 6);
    const wrong = messageDigest(ID, seededBytes(300, 7));
    const r = new Reassembler();
    r.accept('s', encodeFragment({ messageId: ID, digest: wrong, index: 0, count: 2, totalLength: 300, data: m.subarray(0, 150) }));
    assert.throws(() => r.accept('s', encodeFragment({ messageId: ID, digest: wrong, index: 1, count: 2, totalLength: 300, data: m.subarray(150) })), { name: 'FragmentError', reason: 'digest' });
    assert.equal(r.pendingMessages, 0);
    assert.equal(r.pendingBytes, 0);
  });

  it('bounds memory: message size, messages in progress and bytes held', () => {
    const big = fragmentMessage(seededBytes(2000, 8), 100);
    assert.throws(() => new Reassembler({ limits: { maxMessageBytes: 1999 } }).accept('s', big[0]), { name: 'FragmentError', reason: 'too-large' });
    assert.throws(() => new Reassembler({ limits: { maxFragmentsPerMessage: 19 } }).accept('s', big[0]), { name: 'FragmentError', reason: 'too-large' });
    const perSender = new Reassembler({ limits: { maxPendingMessages: 4, maxPendingPerSender: 2 } });
    perSender.accept('s', fragmentMessage(seededBytes(200, 1), 100)[0]);
    perSender.accept('s', fragmentMessage(seededBytes(200, 2), 100)[0]);
    assert.throws(() => perSender.accept('s', fragmentMessage(seededBytes(200, 3), 100)[0]), { name: 'FragmentError', reason: 'too-many-pending' });
    perSender.accept('t', fragmentMessage(seededBytes(200, 4), 100)[0]);
    perSender.accept('t', fragmentMessage(seededBytes(200, 5), 100)[0]);
    assert.throws(() => perSender.accept('u', fragmentMessage(seededBytes(200, 6), 100)[0]), { name: 'FragmentError', reason: 'too-many-pending' });
    const bytes = new Reassembler({ limits: { maxPendingBytes: 250 } });
    bytes.accept('s', big[0]);
    bytes.accept('s', big[1]);
    assert.throws(() => bytes.accept('s', big[2]), { name: 'FragmentError', reason: 'pending-bytes' });
    assert.equal(bytes.pendingBytes, 200);
  });

  it('drops messages left incomplete past their time to live', () => {
    let now = 1_000;
    const r = new Reassembler({ limits: { pendingTtlMs: 500 }, now: () => now });
    r.accept('s', fragmentMessage(seededBytes(200, 1), 100)[0]);
    now = 1_400;
    assert.equal(r.expire(), 0);
    now = 1_501;
    assert.equal(r.expire(), 1);
    assert.equal(r.pendingBytes, 0);
  });

  it('throws only FragmentError for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          new Reassembler().accept('s', bytes);
        } catch (e) {
          assert.equal((e as Error).name, 'FragmentError');
        }
      }),
      { seed: 12, numRuns: 300 },
    );
  });
});

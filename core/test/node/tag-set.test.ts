import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { TagSet } from '../../src/node/tag-set.js';

describe('TagSet', () => {
  it('adds a tag once and then reports it present', () => {
    const s = new TagSet();
    const t = new Uint8Array(randomBytes(32));
    assert.equal(s.has(t), false);
    assert.equal(s.add(t), true);
    assert.equal(s.has(t), true);
    assert.equal(s.add(t), false);
    assert.equal(s.size, 1);
  });

  it('keeps a tag whose first 8 bytes are zero apart from the empty slots', () => {
    const s = new TagSet();
    const zero = new Uint8Array(32);
    assert.equal(s.has(zero), false);
    assert.equal(s.add(zero), true);
    assert.equal(s.has(zero), true);
    assert.equal(s.add(zero), false);
    assert.equal(s.size, 1);
  });

  it('reads a tag at an offset inside a larger buffer', () => {
    const s = new TagSet();
    const buf = new Uint8Array(randomBytes(96));
    s.add(buf, 32);
    assert.equal(s.has(buf.subarray(32, 64)), true);
    assert.equal(s.has(buf.subarray(0, 32)), false);
  });

  it('grows past its initial size and still finds every tag and no other', () => {
    const s = new TagSet();
    const before = s.byteLength;
    const tags = Array.from({ length: 20_000 }, () => new Uint8Array(randomBytes(32)));
    for (const t of tags) assert.equal(s.add(t), true);
    assert.ok(s.byteLength > before);
    assert.equal(s.size, tags.length);
    for (const t of tags) assert.equal(s.has(t), true);
    for (let i = 0; i < 2_000; i++) assert.equal(s.has(new Uint8Array(randomBytes(32))), false);
  });

  it('answers for every tag while the table grows, and never takes a tag twice', () => {
    const s = new TagSet();
    const tags = Array.from({ length: 12_000 }, () => new Uint8Array(randomBytes(32)));
    tags.forEach((t, i) => {
      assert.equal(s.add(t), true);
      assert.equal(s.has(tags[i >> 1]), true);
      assert.equal(s.add(tags[Math.floor(i / 3)]), false);
    });
    assert.equal(s.size, tags.length);
    // Doubled several times, each time moving the old table a few slots per add.
    assert.ok(s.byteLength >= (tags.length / 0.75) * 8);
  });

  it('copes with tags that differ only after their first bytes the index reads', () => {
    // Sequential counters in the first 4 bytes, the rest zero: worst case for a plain low-bits index.
    const s = new TagSet(10);
    for (let i = 1; i <= 5_000; i++) {
      const t = new Uint8Array(32);
      new DataView(t.buffer).setUint32(4, i);
      assert.equal(s.add(t), true);
    }
    assert.equal(s.size, 5_000);
    const probe = new Uint8Array(32);
    new DataView(probe.buffer).setUint32(4, 5_001);
    assert.equal(s.has(probe), false);
  });

  it('treats two tags with the same first 8 bytes as one (its fingerprint; 2^-64 per pair for hash outputs)', () => {
    const s = new TagSet();
    const a = new Uint8Array(randomBytes(32));
    const b = Uint8Array.from(a);
    b[31] ^= 1;
    s.add(a);
    assert.equal(s.has(b), true);
  });

  it('is sized up front for an expected count', () => {
    assert.ok(new TagSet(1_000_000).byteLength >= (1_000_000 / 0.75) * 8);
  });
});

import assert from 'node:assert/strict';
import { FrameRing, Slab, SLAB_BYTES } from '../../src/link/slab.js';

describe('Slab', () => {
  it('hands out zeroed views that never overlap', () => {
    const slab = new Slab();
    const views = Array.from({ length: 50 }, () => slab.take(3000));
    for (const v of views) {
      assert.equal(v.length, 3000);
      assert.ok(v.every((b) => b === 0));
      v.fill(0xff);
    }
    for (let i = 0; i < views.length; i++) {
      for (let j = i + 1; j < views.length; j++) {
        const [a, b] = [views[i], views[j]];
        if (a.buffer !== b.buffer) continue;
        assert.ok(a.byteOffset + a.length <= b.byteOffset || b.byteOffset + b.length <= a.byteOffset);
      }
    }
  });

  it('shares one buffer among several small views and starts a new one when full', () => {
    const slab = new Slab();
    const per = Math.floor(SLAB_BYTES / 3000);
    const views = Array.from({ length: per + 1 }, () => slab.take(3000));
    assert.equal(new Set(views.slice(0, per).map((v) => v.buffer)).size, 1);
    assert.notEqual(views[per].buffer, views[0].buffer);
  });

  it('gives a view larger than half a slab its own buffer', () => {
    const v = new Slab().take(SLAB_BYTES);
    assert.equal(v.byteOffset, 0);
    assert.equal(v.buffer.byteLength, SLAB_BYTES);
  });

  it('returns plain Uint8Arrays whose slice() is a copy', () => {
    const v = new Slab().take(16);
    const c = v.slice();
    c[0] = 1;
    assert.equal(v[0], 0);
  });
});

describe('FrameRing', () => {
  it('hands out slots in order and reuses a slot only after its write callback', () => {
    const ring = new FrameRing(100, 3);
    const [a, b, c] = [ring.take(), ring.take(), ring.take()];
    assert.equal(new Set([a.buffer, b.buffer, c.buffer]).size, 1);
    const d = ring.take(); // every slot in use: from the overflow slab
    assert.notEqual(d.buffer, a.buffer);
    ring.release(); // a written
    const e = ring.take();
    assert.equal(e.buffer, a.buffer);
    assert.equal(e.byteOffset, a.byteOffset);
    ring.release(); // b
    ring.release(); // c
    ring.release(); // d (overflow: frees no slot)
    const f = ring.take();
    assert.equal(f.byteOffset, b.byteOffset);
  });

  it('keeps write order across many outstanding overflow frames', () => {
    const ring = new FrameRing(10, 2);
    const frames = Array.from({ length: 600 }, () => ring.take());
    assert.equal(frames.filter((f) => f.buffer === frames[0].buffer && f.byteLength === 10 && f.byteOffset < 20).length, 2);
    for (let i = 0; i < 600; i++) ring.release();
    ring.release(); // an extra callback changes nothing
    const again = [ring.take(), ring.take(), ring.take()];
    assert.equal(again[0].buffer, frames[0].buffer);
    assert.equal(again[1].buffer, frames[0].buffer);
    assert.notEqual(again[2].buffer, frames[0].buffer);
  });
});

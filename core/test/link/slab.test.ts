import assert from 'node:assert/strict';
import { Slab, SLAB_BYTES } from '../../src/link/slab.js';

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

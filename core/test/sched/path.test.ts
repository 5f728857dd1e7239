import assert from 'node:assert/strict';
import { selectPath, seededRng, type Topology } from '@strata/core/sched/index';

const topo: Topology<string> = {
  layers: [
    ['a0', 'a1', 'a2', 'a3'],
    ['b0', 'b1', 'b2', 'b3'],
    ['c0', 'c1', 'c2', 'c3'],
  ],
  providers: ['p0', 'p1'],
};

describe('selectPath', () => {
  it('picks one node per layer, each uniformly, between two providers (stratified)', () => {
    const rng = seededRng(4);
    const counts = new Map<string, number>();
    const out: string[] = [];
    const N = 40000;
    for (let i = 0; i < N; i++) {
      const p = selectPath(topo, rng, { out });
      assert.equal(p.length, 5);
      assert.ok(p[0].startsWith('p') && p[4].startsWith('p'));
      for (let l = 0; l < 3; l++) {
        assert.equal(p[l + 1][0], 'abc'[l]);
        counts.set(p[l + 1], (counts.get(p[l + 1]) ?? 0) + 1);
      }
    }
    // Chi-square over 4 cells per layer, 3 degrees of freedom: 16.27 is the 0.001 critical value.
    for (const layer of topo.layers) {
      let chi = 0;
      for (const node of layer) chi += ((counts.get(node) ?? 0) - N / 4) ** 2 / (N / 4);
      assert.ok(chi < 16.27, `chi2 ${chi}`);
    }
  });

  it('keeps the given endpoints and rotates layers for a mix loop', () => {
    const p = selectPath(topo, seededRng(1), { from: 'b2', to: 'b2', startLayer: 2, hops: 2 });
    assert.equal(p[0], 'b2');
    assert.equal(p[3], 'b2');
    assert.equal(p[1][0], 'c');
    assert.equal(p[2][0], 'a');
  });

  it('uses the same index in every layer for a cascade', () => {
    const rng = seededRng(8);
    for (let i = 0; i < 100; i++) {
      const p = selectPath(topo, rng, { kind: 'cascade' });
      assert.equal(new Set(p.slice(1, 4).map((n) => n[1])).size, 1);
    }
  });

  it('draws free-route hops from all mixes', () => {
    const rng = seededRng(9);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) for (const n of selectPath(topo, rng, { kind: 'free', hops: 3 }).slice(1, 4)) seen.add(n);
    assert.equal(seen.size, 12);
  });

  it('is reproducible for a seed', () => {
    const a = selectPath(topo, seededRng(3));
    const b = selectPath(topo, seededRng(3));
    assert.deepEqual(a, b);
  });

  it('rejects an unknown route kind and a missing topology by name', () => {
    assert.throws(() => selectPath(topo, seededRng(1), { kind: 'x' as never }), { name: 'SchedArgumentError' });
    assert.throws(() => selectPath(null as never, seededRng(1)), { name: 'SchedArgumentError' });
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario, parseScenario, withOverrides } from '../src/scenario.js';

describe('parseScenario', () => {
  it('fills defaults and freezes the result', () => {
    const s = parseScenario({ name: 'x' });
    assert.equal(s.topology.layers, 3);
    assert.equal(s.hopDelayCapMs, 20 * s.hopDelayMeanMs);
    assert.equal(s.adversary.nMinusOne, null);
    assert.ok(Object.isFrozen(s) && Object.isFrozen(s.users));
  });

  it('rejects an unknown key with a path-prefixed ScenarioError', () => {
    assert.throws(() => parseScenario({ name: 'x', users: { cuont: 3 } }), (e: Error & { reason?: string }) => {
      assert.equal(e.name, 'ScenarioError');
      assert.equal(e.reason, 'schema');
      assert.match(e.message, /^scenario\.users: .*cuont/);
      return true;
    });
  });

  it('rejects a wrong type and an out-of-range value by path', () => {
    assert.throws(() => parseScenario({ name: 'x', topology: { layers: 'three' } }), /scenario\.topology\.layers/);
    assert.throws(() => parseScenario({ name: 'x', adversary: { corruptMixFraction: 2 } }), /scenario\.adversary\.corruptMixFraction/);
  });

  it('rejects semantic contradictions by name and reason', () => {
    assert.throws(() => parseScenario({ name: 'x', durationS: 10, warmupS: 10 }), { name: 'ScenarioError', reason: 'semantic' });
    assert.throws(
      () => parseScenario({ name: 'x', adversary: { nMinusOne: { layer: 5, index: 0, startS: 1 } } }),
      /scenario\.adversary\.nMinusOne\.layer/,
    );
    assert.throws(() => parseScenario({ name: 'x', metrics: { challengeSenders: [1, 1] } }), /challengeSenders/);
  });

  it('loads a file and resolves a trace path next to it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-sim-'));
    try {
      const f = join(dir, 's.json');
      writeFileSync(f, JSON.stringify({ name: 'x', realTraffic: { kind: 'trace', file: 't.csv' } }));
      const s = loadScenario(f);
      assert.ok(s.realTraffic.kind === 'trace' && s.realTraffic.file === join(dir, 't.csv'));
      writeFileSync(f, '{not json');
      assert.throws(() => loadScenario(f), { name: 'ScenarioError' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('withOverrides', () => {
  it('sets dotted paths on a copy', () => {
    const base = { name: 'x', users: { count: 3 } };
    const o = withOverrides(base, { 'users.count': 5, 'topology.width': 2 });
    assert.deepEqual(o, { name: 'x', users: { count: 5 }, topology: { width: 2 } });
    assert.equal(base.users.count, 3);
  });
});

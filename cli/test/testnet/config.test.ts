import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTestnetConfig, mixCount, parseTestnetConfig } from '../../src/testnet/config.js';

describe('testnet config', () => {
  it('defaults to the demo network in fast mode', () => {
    const c = parseTestnetConfig({});
    assert.deepEqual([c.authorities, c.mixLayers, c.mixesPerLayer, c.providers, c.clients], [3, 3, 2, 2, 2]);
    assert.equal(c.mode, 'fast');
    assert.equal(c.epoch.lengthMs, 10_000);
    assert.equal(c.network.muPerSecond, 20);
    assert.equal(c.wait, 'consensus');
    assert.equal(mixCount(c), 6);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.network));
  });

  it('takes the normal mode defaults when asked, keeping explicit values', () => {
    const c = parseTestnetConfig({ mode: 'normal', network: { muPerSecond: 4 } });
    assert.equal(c.epoch.lengthMs, 60_000);
    assert.equal(c.network.muPerSecond, 4);
    assert.equal(c.network.maxDelayMs, 30_000);
  });

  it('derives the mix grace period, poll interval and consensus timeout from the epoch length', () => {
    const c = parseTestnetConfig({ epoch: { lengthMs: 8000 } });
    assert.equal(c.mix.graceMs, 2000);
    assert.equal(c.mix.pollIntervalMs, 400);
    assert.equal(c.timeouts.consensusMs, 34_000);
  });

  it('rejects unknown options and bad values with the path in the message', () => {
    const bad: [unknown, RegExp][] = [
      [{ mixes: 3 }, /mixes/],
      [{ authorities: 0 }, /^authorities: /],
      [{ mixLayers: 9 }, /^mixLayers: /],
      [{ epoch: { lengthMs: 500 } }, /^epoch\.lengthMs: /],
      [{ mix: { graceMs: 10_000 } }, /^mix\.graceMs: /],
      [{ wait: 'forever' }, /^wait: /],
      [{ allow: { mixes: ['zz'] } }, /^allow\.mixes\[0\]: /],
      [{ mode: 'turbo' }, /^mode: /],
      [{ placement: { 'relay-0': { host: '10.0.0.1' } } }, /^placement\.relay-0: /],
      [{ placement: { 'mix-0': { host: '10.0.0.1', netns: 'a b' } } }, /^placement\.mix-0\.netns: /],
    ];
    for (const [raw, re] of bad) {
      assert.throws(() => parseTestnetConfig(raw), (e: Error) => e.name === 'ConfigError' && re.test(e.message), JSON.stringify(raw));
    }
  });

  it('reads a config file and names the file when it is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-cli-config-'));
    try {
      writeFileSync(join(dir, 'ok.json'), JSON.stringify({ providers: 1 }));
      writeFileSync(join(dir, 'bad.json'), '{');
      assert.equal(loadTestnetConfig(join(dir, 'ok.json')).providers, 1);
      assert.throws(() => loadTestnetConfig(join(dir, 'bad.json')), (e: Error) => e.name === 'ConfigError' && e.message.includes('bad.json'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

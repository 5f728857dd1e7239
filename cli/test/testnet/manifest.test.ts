import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTestnetConfig } from '../../src/testnet/config.js';
import { manifestPath, readManifest, writeManifest } from '../../src/testnet/manifest.js';
import { planTestnet, writeAuthorityConfigs } from '../../src/testnet/plan.js';

describe('testnet manifest and plan', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'strata-cli-manifest-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('plans keys, configs and distinct ports for every node, and round-trips through testnet.json', async () => {
    const c = parseTestnetConfig({ authorities: 2, mixLayers: 2, mixesPerLayer: 1, providers: 1 });
    const m = await planTestnet(dir, c);
    assert.deepEqual(m.nodes.map((n) => n.name), ['authority-0', 'authority-1', 'mix-0', 'mix-1', 'provider-0']);
    const urls = m.nodes.flatMap((n) => Object.values(n.addresses));
    assert.equal(new Set(urls.map((u) => new URL(u).port)).size, urls.length, 'every listener has its own port');
    assert.equal(m.threshold, 2);
    assert.equal(m.providers[0].identityKey, null, 'a provider makes its own keys on first start');
    writeManifest(dir, m);
    assert.equal(statSync(manifestPath(dir)).mode & 0o077, 0, 'testnet.json is private');
    const back = readManifest(dir);
    assert.deepEqual(back.nodes, m.nodes);
    assert.equal(back.state, 'starting');
  });

  it('writes authority configs whose allow lists name the mixes, the providers and the external keys', async () => {
    const external = 'ab'.repeat(32);
    const c = parseTestnetConfig({ authorities: 1, mixLayers: 1, mixesPerLayer: 1, providers: 1, allow: { providers: [external] } });
    const m = await planTestnet(dir, c);
    m.nodes.find((n) => n.role === 'provider')!.identityKey = 'cd'.repeat(32);
    writeAuthorityConfigs(m, c);
    const { loadDirectoryConfig } = await import('@strata/directory/config');
    const dc = loadDirectoryConfig(m.nodes[0].configFile);
    const hex = (k: Uint8Array): string => Buffer.from(k).toString('hex');
    assert.deepEqual(dc.allow.mixes.map(hex), [m.nodes.find((n) => n.role === 'mix')!.identityKey]);
    assert.deepEqual(dc.allow.providers.map(hex), ['cd'.repeat(32), external]);
    assert.equal(dc.epoch.lengthMs, c.epoch.lengthMs);
  });

  it('writes mix configs the mix node accepts', async () => {
    const c = parseTestnetConfig({ authorities: 1, mixLayers: 1, mixesPerLayer: 1, providers: 0 });
    const m = await planTestnet(dir, c);
    const { loadMixConfig } = await import('@strata/mix-node/config');
    const mc = loadMixConfig(m.nodes[1].configFile);
    assert.equal(mc.epoch.lengthMs, c.epoch.lengthMs);
    assert.equal(mc.directory.authorities.length, 1);
  });

  it('refuses a missing or foreign testnet.json with typed errors', () => {
    assert.throws(() => readManifest(dir), (e: Error & { reason?: string }) => e.name === 'TestnetError' && e.reason === 'not-found');
    writeFileSync(manifestPath(dir), JSON.stringify({ version: 99 }));
    assert.throws(() => readManifest(dir), (e: Error & { reason?: string }) => e.name === 'TestnetError' && e.reason === 'manifest');
    writeFileSync(manifestPath(dir), '{');
    assert.throws(() => readManifest(dir), (e: Error & { reason?: string }) => e.name === 'TestnetError' && e.reason === 'manifest');
  });
});

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
    assert.match(m.providers[0].identityKey ?? '', /^[0-9a-f]{64}$/, 'provider keys are made with the plan (authorities allow them)');
    assert.equal(m.nodes.find((n) => n.role === 'provider')!.identityKey, m.providers[0].identityKey);
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

  it('writes provider configs the provider accepts, with its place in the mixnet', async () => {
    const c = parseTestnetConfig({ authorities: 1, mixLayers: 1, mixesPerLayer: 1, providers: 1 });
    const m = await planTestnet(dir, c);
    const { loadProviderConfig } = await import('@strata/provider/config');
    const node = m.nodes.find((n) => n.role === 'provider')!;
    const pc = loadProviderConfig(node.configFile);
    assert.ok(pc.mixnet !== null, 'the provider joins the mixnet');
    assert.equal(`tcp://127.0.0.1:${pc.mixnet.listen.port}`, node.addresses.link);
    assert.equal(pc.mixnet.epoch.lengthMs, c.epoch.lengthMs);
    assert.equal(pc.mixnet.directory.authorities.length, 1);
  });

  it('places a node on its own address and namespace with its daemon’s default ports', async () => {
    const c = parseTestnetConfig({ authorities: 1, mixLayers: 1, mixesPerLayer: 1, providers: 1, placement: { 'mix-0': { host: '169.254.77.11', netns: 'ns-mix' } } });
    const m = await planTestnet(dir, c);
    const mix = m.nodes.find((n) => n.name === 'mix-0')!;
    assert.equal(mix.netns, 'ns-mix');
    assert.deepEqual(mix.addresses, { link: 'tcp://169.254.77.11:7100', ops: 'http://169.254.77.11:9465' });
    assert.equal(m.nodes.find((n) => n.name === 'authority-0')!.netns, null, 'unplaced nodes stay on host');
  });

  it('refuses a missing or foreign testnet.json with typed errors', () => {
    assert.throws(() => readManifest(dir), (e: Error & { reason?: string }) => e.name === 'TestnetError' && e.reason === 'not-found');
    writeFileSync(manifestPath(dir), JSON.stringify({ version: 99 }));
    assert.throws(() => readManifest(dir), (e: Error & { reason?: string }) => e.name === 'TestnetError' && e.reason === 'manifest');
    writeFileSync(manifestPath(dir), '{');
    assert.throws(() => readManifest(dir), (e: Error & { reason?: string }) => e.name === 'TestnetError' && e.reason === 'manifest');
  });
});

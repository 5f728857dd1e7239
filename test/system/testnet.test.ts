// System test: `strata testnet up|status|down` with every daemon that exists today (3 authorities,
// 3 layers × 2 mixes, 2 providers) as real detached processes on loopback.
import { strict as assert } from 'node:assert';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { isOurDaemon, readManifest, type Manifest, type TestnetStatus } from '@strata/cli';
import { promtoolCheck, promtoolPath, SystemHarness } from './harness.js';

describe('strata testnet (system)', function () {
  this.timeout(120_000);
  const h = new SystemHarness();
  let dir: string;
  let configFile: string;
  let manifest: Manifest;

  before(async () => {
    const base = h.tempDir('testnet');
    dir = join(base, 'net');
    configFile = h.writeJson(base, 'testnet.json', { mode: 'fast', wait: 'healthy', logLevel: 'warn', timeouts: { startMs: 60_000 } });
    h.ownTestnet(dir);
  });

  after(() => h.cleanup());

  it('up starts every daemon and writes testnet.json with addresses, provider URLs and metrics URLs', async () => {
    const r = await h.strataDone(['testnet', 'up', '--dir', dir, '--config', configFile]);
    assert.equal(r.code, 0, `up failed:\n${r.stdout}\n${r.stderr}`);
    manifest = readManifest(dir);
    assert.equal(manifest.state, 'ready');
    const count = (role: string): number => manifest.nodes.filter((n) => n.role === role).length;
    assert.deepEqual([count('authority'), count('mix'), count('provider')], [3, 6, 2]);
    for (const n of manifest.nodes) {
      assert.ok(n.pid !== null && isOurDaemon(n.pid, n.configFile), `${n.name} is running`);
      assert.match(n.metricsUrl, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      assert.match(n.identityKey ?? '', /^[0-9a-f]{64}$/, `${n.name} has an identity key`);
    }
    assert.equal(manifest.providers.length, 2);
    for (const p of manifest.providers) assert.match(p.apiUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(manifest.authorities.length, 3);
    assert.equal(manifest.threshold, 2);
  });

  it('status --json reports every daemon running and the authorities and providers healthy', async () => {
    const r = await h.strataDone(['testnet', 'status', '--dir', dir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as TestnetStatus;
    assert.equal(s.nodesTotal, 11);
    assert.ok(s.nodes.every((n) => n.running), 'every daemon runs');
    for (const n of s.nodes.filter((x) => x.role !== 'mix')) assert.ok(n.healthy, `${n.name} is healthy: ${n.detail}`);
    assert.equal(typeof s.epoch, 'number');
    assert.deepEqual(s.clients.requested, 2);
  });

  it('every daemon serves /metrics that passes promtool check metrics', async function () {
    const promtool = promtoolPath();
    if (promtool === undefined) {
      console.log('      promtool not installed (Debian package prometheus, installed by .ci/run): skipping the metrics lint');
      this.skip();
    }
    for (const n of manifest.nodes) {
      const res = await fetch(n.metricsUrl);
      assert.equal(res.status, 200, `${n.name} /metrics`);
      const text = await res.text();
      assert.match(text, /^strata_/m, `${n.name} exposes strata_ metrics`);
      const check = await promtoolCheck(promtool, text);
      assert.equal(check.code, 0, `${n.name}: promtool check metrics:\n${check.output}`);
    }
  });

  it('up refuses to start a second testnet in a directory whose testnet runs', async () => {
    const r = await h.strataDone(['testnet', 'up', '--dir', dir, '--config', configFile]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /TestnetError \(running\)/);
    assert.ok(readManifest(dir).nodes.every((n) => n.pid !== null && isOurDaemon(n.pid, n.configFile)), 'the running testnet is left alone');
  });

  it('down stops every daemon and marks the testnet stopped', async () => {
    const before = readManifest(dir).nodes.map((n) => ({ pid: n.pid!, configFile: n.configFile }));
    const r = await h.strataDone(['testnet', 'down', '--dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /mix-0: terminated/);
    for (const n of before) assert.equal(isOurDaemon(n.pid, n.configFile), false);
    const m = readManifest(dir);
    assert.equal(m.state, 'stopped');
    assert.ok(m.nodes.every((n) => n.pid === null));
  });

  it('up on the stopped testnet fails cleanly when an authority cannot bind its port', async () => {
    const m = readManifest(dir);
    const port = Number(new URL(m.authorities[0].url).port);
    const sockets = new Set<Socket>();
    const squatter = createServer((sock) => {
      sockets.add(sock);
      sock.on('error', () => {}).on('close', () => sockets.delete(sock));
    });
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
    try {
      const r = await h.strataDone(['testnet', 'up', '--dir', dir, '--config', configFile]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /TestnetError \((daemon-exited|timeout)\)/);
      const after = readManifest(dir);
      assert.equal(after.state, 'failed');
      assert.ok(after.error !== null && after.error.includes('authority-0'), String(after.error));
      assert.ok(after.nodes.every((n) => n.pid === null), 'no pid is left recorded');
      const providersStarted = after.nodes.filter((n) => n.role === 'provider').map((n) => n.configFile);
      for (const n of m.nodes) assert.equal(isOurDaemon(n.pid ?? -1, n.configFile), false);
      assert.equal(providersStarted.length, 2);
    } finally {
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => squatter.close(() => r()));
    }
  });
});

// System test: `strata testnet up` (wait stage "consensus") returns once every authority serves the
// same threshold-signed document. Real authority processes; the mixes and providers of the
// document are nodes outside the testnet (allow-listed through the config `allow`), played by this
// test with fixture descriptors: an authority-only testnet that outside nodes join. (A testnet of
// our own daemons reaching its consensus is covered by delivery.test.ts and multi-host.test.ts.)
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EpochClock, toBase64, toHex, verifyConsensus } from '@strata/core';
import { readManifest, manifestPath, type Manifest, type TestnetStatus } from '@strata/cli';
import { makeTestNetwork } from '../../core/test/fixtures.js';
import { SystemHarness, waitFor } from './harness.js';

const EPOCH_MS = 4000;

describe('strata testnet first consensus (system)', function () {
  this.timeout(90_000);
  const h = new SystemHarness();
  // Fixed seeds: the same 2 providers and 3 mixes every run.
  const outside = makeTestNetwork(2, 3);
  let dir: string;
  let manifest: Manifest;

  after(() => h.cleanup());

  it('up returns once every authority serves the same signed consensus, and records it', async () => {
    const base = h.tempDir('testnet-consensus');
    dir = join(base, 'net');
    h.ownTestnet(dir);
    const configFile = h.writeJson(base, 'testnet.json', {
      mode: 'fast',
      epoch: { lengthMs: EPOCH_MS },
      mixLayers: 3,
      mixesPerLayer: 0,
      providers: 0,
      clients: 0,
      allow: {
        mixes: outside.filter((n) => n.role === 'mix').map((n) => toHex(n.signer.publicKey)),
        providers: outside.filter((n) => n.role === 'provider').map((n) => toHex(n.signer.publicKey)),
      },
      wait: 'consensus',
      logLevel: 'warn',
    });
    const up = h.strata(['testnet', 'up', '--dir', dir, '--config', configFile]);
    let upExit: number | null | undefined;
    void up.exited.then((c) => (upExit = c));

    // Play the outside nodes: upload their descriptors for the coming epochs until `up` returns.
    const clock = new EpochClock({ lengthMs: EPOCH_MS });
    const accepted = new Set<string>();
    await waitFor(
      '`strata testnet up` to return',
      async () => {
        if (upExit !== undefined) return true;
        if (!existsSync(manifestPath(dir))) return false;
        const m = readManifest(dir);
        for (const epoch of [clock.current() + 1, clock.current() + 2]) {
          for (const n of outside) {
            for (const a of m.authorities) {
              const key = `${epoch}/${toHex(n.signer.publicKey)}/${a.url}`;
              if (accepted.has(key)) continue;
              const res = await fetch(`${a.url}/v1/descriptors`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ descriptor: toBase64(n.descriptorFor(epoch).encoded) }),
              }).catch(() => undefined);
              if (res && (res.status === 200 || res.status === 202)) accepted.add(key);
              await res?.body?.cancel();
            }
          }
        }
        return false;
      },
      { timeoutMs: 80_000, intervalMs: 200 },
    );
    assert.equal(upExit, 0, `up failed:\n${up.stdout}\n${up.stderr}`);
    manifest = readManifest(dir);
    assert.equal(manifest.state, 'ready');
    assert.ok(manifest.consensus !== null, 'the consensus is recorded');
    assert.match(manifest.consensus.documentSha256, /^[0-9a-f]{64}$/);
    assert.ok(manifest.consensus.signatures >= manifest.threshold);
  });

  it('every authority serves that document, verifiable under the testnet authorities keys', async () => {
    const keys = manifest.authorities.map((a) => Buffer.from(a.identityKey, 'hex'));
    const epoch = manifest.consensus!.epoch;
    const layers = new Set<string>();
    for (const a of manifest.authorities) {
      const res = await fetch(`${a.url}/v1/consensus/${epoch}`);
      assert.equal(res.status, 200, `${a.name} serves epoch ${epoch}`);
      const v = verifyConsensus(await res.json(), keys, manifest.threshold, { epoch });
      assert.equal(v.consensus.providers.length, 2);
      assert.equal(v.consensus.layers.flat().length, 3);
      layers.add(JSON.stringify(v.consensus.layers.map((l) => l.map((d) => toHex(d.descriptor.nodeId)))));
    }
    assert.equal(layers.size, 1, 'one topology');
  });

  it('status reports the published epoch', async () => {
    const r = await h.strataDone(['testnet', 'status', '--dir', dir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as TestnetStatus;
    assert.ok(s.lastPublishedEpoch !== null && s.lastPublishedEpoch >= manifest.consensus!.epoch);
    assert.equal(s.nodesUp, 3);
  });
});

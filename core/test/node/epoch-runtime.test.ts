import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DEFAULT_GEOMETRY as g, geometryHash } from 'sphinx-packet-ts';
import { toHex } from '../../src/bytes.js';
import { createDescriptor, signDescriptor, type SignedDescriptor } from '../../src/descriptor.js';
import { EpochClock } from '../../src/epoch.js';
import { Ed25519Signer } from '../../src/keys.js';
import { generateLinkKeyPair } from '../../src/link/x25519.js';
import { SphinxKeyStore } from '../../src/sphinx-key-store.js';
import { StrataMetrics } from '../../src/metrics.js';
import { HttpDirectoryClient } from '../../src/node/directory-client.js';
import { EpochRuntime } from '../../src/node/epoch-runtime.js';
import type { UnwrapControl } from '../../src/node/unwrap-handler.js';
import { AuthorityFixture } from './authority-fixture.js';
import { waitFor } from './manual-timers.js';

const EPOCH_MS = 1500;
const GRACE_MS = 400;

describe('EpochRuntime', function () {
  this.timeout(20_000);
  let dir: string;
  let authority: AuthorityFixture;
  let runtime: EpochRuntime | undefined;

  const node = (seed: number) => {
    const signer = new Ed25519Signer(new Uint8Array(32).fill(seed));
    const link = generateLinkKeyPair();
    return { signer, link };
  };
  const provider = node(0x51);
  const providerKeys = new SphinxKeyStore(mkdtempSync(join(tmpdir(), 'strata-epoch-runtime-p-')));
  const describe_ = (n: ReturnType<typeof node>, keys: SphinxKeyStore, role: 'mix' | 'provider', epoch: number): SignedDescriptor =>
    signDescriptor(
      createDescriptor({
        epoch,
        role,
        identityKey: n.signer.publicKey,
        linkKey: n.link.publicKey,
        linkAddresses: ['tcp://127.0.0.1:1'],
        ...(role === 'provider' ? { clientApiUrl: 'https://provider.example/' } : {}),
        sphinxPublicKeys: [keys.ensure(epoch).publicKey, keys.ensure(epoch + 1).publicKey],
      }),
      n.signer,
    );

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-epoch-runtime-'));
    authority = new AuthorityFixture({
      geometry: g,
      params: { muPerSecond: 100, lambdaPPerSecond: 0, lambdaLPerSecond: 0, lambdaDPerSecond: 0, lambdaMPerSecond: 0, maxDelayMs: 1000 },
      mixCount: 1,
      extra: (epoch) => [describe_(provider, providerKeys, 'provider', epoch)],
    });
    await authority.start();
  });
  after(async () => {
    runtime?.stop();
    await authority.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(providerKeys.dir, { recursive: true, force: true });
  });

  it('uploads descriptors, follows the consensus, rotates Sphinx keys at the boundary and drops the old one after grace', async () => {
    const me = node(0x52);
    const keys = new SphinxKeyStore(join(dir, 'sphinx'));
    const applied: UnwrapControl[] = [];
    const graceEnded: number[] = [];
    const consensusEpochs: number[] = [];
    const epochs = new EpochClock({ lengthMs: EPOCH_MS, genesisMs: 0 });
    runtime = new EpochRuntime({
      epochs,
      sphinxKeys: keys,
      directory: new HttpDirectoryClient({ authorities: [{ url: authority.url, identityKey: authority.signer.publicKey }], threshold: 1, sphinxGeometryHash: geometryHash(g) }),
      logger: pino({ level: 'silent' }),
      graceMs: GRACE_MS,
      pollIntervalMs: 100,
      describe: (epoch) => describe_(me, keys, 'mix', epoch),
      applyKeys: async (c) => void applied.push(c),
      onGraceEnd: async (epoch) => void graceEnded.push(epoch),
      onConsensus: (epoch) => void consensusEpochs.push(epoch),
    });
    const e0 = runtime.epoch;
    await runtime.start();
    const first = applied[0].keys.map((k) => k.epoch);
    assert.ok(first[0] === e0 && first.includes(e0 + 1), `current key first, next key too: ${first.join(',')}`);
    await waitFor(() => consensusEpochs.includes(e0) || consensusEpochs.includes(e0 + 1), 5000);
    assert.ok(authority.descriptors.get(e0 + 1)?.has(toHex(describe_(me, keys, 'mix', e0 + 1).descriptor.nodeId)), 'next epoch descriptor uploaded');
    // The boundary: current e0+1, previous e0 kept for the grace period, next e0+2 made.
    await waitFor(() => runtime!.epoch === e0 + 1, 5000);
    await waitFor(() => applied.some((c) => c.keys[0].epoch === e0 + 1 && c.keys.some((k) => k.epoch === e0)), 2000);
    assert.equal(runtime.inGrace, true);
    await waitFor(() => graceEnded.includes(e0 + 1), 5000);
    const last = applied.at(-1)!.keys.map((k) => k.epoch);
    assert.deepEqual(last, [e0 + 1, e0 + 2]);
    assert.equal(existsSync(join(dir, 'sphinx', `sphinx-${e0}.key`)), false, 'the old key file is deleted');
    runtime.stop();
  });

  it('never files the last good document under an epoch whose own is not published yet, and takes the real one when it is', async () => {
    // A second mix the document needs: its descriptor for epoch `withheld` is uploaded late, so that
    // document is unpublished while the runtime first asks for it (the fetcher then offers the
    // current epoch's document, stale).
    const authority2 = new AuthorityFixture({
      geometry: g,
      params: { muPerSecond: 100, lambdaPPerSecond: 0, lambdaLPerSecond: 0, lambdaDPerSecond: 0, lambdaMPerSecond: 0, maxDelayMs: 1000 },
      mixCount: 2,
      layers: 2,
      extra: (epoch) => [describe_(provider, providerKeys, 'provider', epoch)],
    });
    await authority2.start();
    const me = node(0x53);
    const other = node(0x54);
    const keys = new SphinxKeyStore(join(dir, 'sphinx-stale'));
    const otherKeys = new SphinxKeyStore(join(dir, 'sphinx-other'));
    const metrics = new StrataMetrics('test');
    const directory = new HttpDirectoryClient({ authorities: [{ url: authority2.url, identityKey: authority2.signer.publicKey }], threshold: 1, sphinxGeometryHash: geometryHash(g), metrics });
    const epochs = new EpochClock({ lengthMs: EPOCH_MS, genesisMs: 0 });
    const e0 = epochs.current();
    const withheld = e0 + 2;
    for (const epoch of [e0, e0 + 1]) assert.ok((await directory.uploadDescriptor(describe_(other, otherKeys, 'mix', epoch))) > 0);
    const arrivals: { epoch: number; topologyEpoch: number; runtimeEpoch: number; inForce: number[] }[] = [];
    runtime = new EpochRuntime({
      epochs,
      sphinxKeys: keys,
      directory,
      logger: pino({ level: 'silent' }),
      graceMs: GRACE_MS,
      pollIntervalMs: 100,
      describe: (epoch) => describe_(me, keys, 'mix', epoch),
      applyKeys: async () => {},
      onConsensus: (epoch, t) => void arrivals.push({ epoch, topologyEpoch: t.epoch, runtimeEpoch: runtime!.epoch, inForce: runtime!.inForce().map((x) => x.epoch) }),
    });
    try {
      await runtime.start();
      const fallbacks = async (): Promise<number> => (await metrics.registry.getSingleMetric('strata_test_consensus_fetch_total')!.get()).values.find((v) => v.labels.result === 'fallback')?.value ?? 0;
      let offered = 0;
      await waitFor(() => {
        void fallbacks().then((n) => (offered = n));
        return offered > 0;
      }, 10_000);
      assert.equal(runtime.upcoming(), undefined, 'no topology is filed for the withheld epoch');
      for (const t of runtime.inForce()) assert.ok(t.epoch < withheld);
      assert.ok(await directory.uploadDescriptor(describe_(other, otherKeys, 'mix', withheld)));
      await waitFor(() => arrivals.some((a) => a.epoch === withheld), 10_000);
      const a = arrivals.find((x) => x.epoch === withheld)!;
      assert.equal(a.topologyEpoch, withheld, 'the document filed is that epoch’s own');
      assert.ok(a.inForce.includes(withheld), `the next topology is in force once known: ${a.inForce.join(',')}`);
      for (const x of arrivals) assert.equal(x.topologyEpoch, x.epoch);
      await waitFor(() => runtime!.epoch === withheld, 5000);
      assert.equal(runtime.current()?.epoch, withheld);
    } finally {
      runtime.stop();
      await authority2.stop();
      rmSync(otherKeys.dir, { recursive: true, force: true });
    }
  });
});

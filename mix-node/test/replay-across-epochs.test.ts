// System test (issue 9, replay and downgrade): a replayed packet across the Sphinx key rotation.
// One real mix process (one layer) over real Noise links, a real directory stand-in over HTTP,
// and this process as the provider at both ends of the route. Docs: operators.md › Epochs and
// keys — from the start of epoch e a mix unwraps with the keys of e, e+1 and, for graceMs, e−1;
// then e−1's key and replay table are deleted.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '@strata/core/bytes';
import { sphinxKeyFor } from '@strata/core/descriptor';
import type { LinkConnection } from '@strata/core/link/connection';
import { createPacket, DEFAULT_GEOMETRY, type PathHop } from 'sphinx-packet-ts';
import { waitForAsync } from '../../core/test/link/helpers.js';
import { AuthorityFixture } from '../../core/test/node/authority-fixture.js';
import { waitFor } from '../../core/test/node/manual-timers.js';
import { MixProcess } from '../../core/test/node/mix-process.js';
import { localMixConfig, LoopbackProvider } from './loopback-provider.js';

const g = DEFAULT_GEOMETRY;
const EPOCH_MS = 10_000;
/** Long enough for the replay sent at the rotation to be processed inside it on a loaded machine. */
const GRACE_MS = 8_000;
const epochNow = (): number => Math.floor(Date.now() / EPOCH_MS);
const ROTATED = 'epoch started: Sphinx key rotated, previous key kept for the grace period';
const GRACE_OVER = 'grace period over: previous Sphinx key and replay table deleted';

describe('replay across the epoch boundary', function () {
  this.timeout(90_000);
  let dir: string;
  let authority: AuthorityFixture;
  let mix: MixProcess;
  let provider: LoopbackProvider;
  /** Deliveries per packet id (the first 16 payload bytes). */
  const received = new Map<string, number>();
  let toMix: LinkConnection<undefined> | undefined;

  /** A packet provider → mix → provider under the mix's Sphinx key of `keyEpoch` (from epoch `docEpoch`'s consensus). */
  function makePacket(keyEpoch: number, docEpoch = keyEpoch): { id: string; packet: Uint8Array } {
    const doc = authority.document(docEpoch);
    if (!doc) throw new Error(`no consensus for epoch ${docEpoch}`);
    const mixDescriptor = doc.consensus.layers[0][0].descriptor;
    const mixKey = sphinxKeyFor(mixDescriptor, keyEpoch);
    if (!mixKey) throw new Error(`the descriptor of epoch ${docEpoch} has no key for epoch ${keyEpoch}`);
    const payload = randomBytes(g.forwardPayloadLength);
    const hops: PathHop[] = [
      { id: mixDescriptor.nodeId, publicKey: mixKey, commands: [{ type: 'nodeDelay', delayMs: 0 }] },
      { id: doc.consensus.providers[0].descriptor.nodeId, publicKey: provider.sphinxOf(keyEpoch).publicKey, commands: [{ type: 'recipient', id: new Uint8Array(32).fill(9) }] },
    ];
    return { id: toHex(payload.subarray(0, 16)), packet: createPacket(g, hops, payload) };
  }

  async function send(packet: Uint8Array): Promise<void> {
    if (!toMix || toMix.closed) {
      const d = authority.document(epochNow())?.consensus.layers[0][0].descriptor ?? authority.document(epochNow() - 1)!.consensus.layers[0][0].descriptor;
      toMix = await provider.dial(d);
    }
    await toMix.send({ kind: 'SendPacket', packet: packet.slice() });
  }

  const dropped = (reason: string): Promise<number> => mix.metric('strata_mix_packets_dropped_total', `{reason="${reason}"}`);
  const logged = (msg: string, epoch: number): boolean => mix.lines.some((l) => l.msg === msg && l.epoch === epoch);

  /** Sends a fresh packet under the current key and waits for it: the mix is up and the link works. */
  async function marker(): Promise<void> {
    const e = epochNow();
    await waitFor(() => authority.document(e) !== undefined, 20_000);
    const m = makePacket(e);
    await send(m.packet);
    await waitFor(() => received.has(m.id), 20_000);
  }

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'strata-replay-epochs-'));
    provider = await LoopbackProvider.start({
      seedByte: 0x12,
      geometry: g,
      onPacket: (packet) => {
        const payload = provider.open(packet);
        if (!payload) return;
        const id = toHex(payload.subarray(0, 16));
        received.set(id, (received.get(id) ?? 0) + 1);
      },
    });
    authority = new AuthorityFixture({
      geometry: g,
      params: { muPerSecond: 20, lambdaPPerSecond: 0, lambdaLPerSecond: 0, lambdaDPerSecond: 0, lambdaMPerSecond: 0, maxDelayMs: 5000 },
      mixCount: 1,
      layers: 1,
      extra: (epoch) => [provider.descriptor(epoch)],
    });
    await authority.start();
    mix = new MixProcess(
      join(dir, 'cfg'),
      await localMixConfig(authority, join(dir, 'mix'), {
        epoch: { lengthMs: EPOCH_MS, genesisMs: 0, graceMs: GRACE_MS },
        workers: { count: 1 },
        loops: { enabled: false },
        maxDelayMs: 10_000,
      }),
    );
    mix.start();
    await mix.waitLine('learned our mix layer', 40_000);
  });

  after(async () => {
    toMix?.close();
    await mix?.stop().catch(() => mix.kill());
    await provider?.close();
    await authority?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("drops a replay of epoch E's packet as a replay during E+1's grace period, and as mac once E's key is gone; never forwards it", async () => {
    await marker();
    const e = epochNow();
    const p = makePacket(e);
    await send(p.packet);
    await waitFor(() => received.has(p.id), 20_000);
    // The key rotates: E's key and replay table stay for the grace period.
    await waitFor(() => logged(ROTATED, e + 1), 2 * EPOCH_MS);
    const replaysBefore = await mix.metric('strata_mix_replays_total');
    const replayDropsBefore = await dropped('replay');
    const macBefore = await dropped('mac');
    await send(p.packet);
    await waitForAsync(async () => (await dropped('replay')) + (await dropped('mac')) > replayDropsBefore + macBefore, 'the replay dropped', 20_000);
    assert.equal(await dropped('replay'), replayDropsBefore + 1, 'dropped, but not as a replay: was the grace period over already?');
    assert.equal(await mix.metric('strata_mix_replays_total'), replaysBefore + 1);
    assert.equal(logged(GRACE_OVER, e + 1), false);
    // The grace period ends: E's key is deleted; no key left authenticates the packet (reason mac).
    await waitFor(() => logged(GRACE_OVER, e + 1), 2 * EPOCH_MS);
    await send(p.packet);
    await waitForAsync(async () => (await dropped('mac')) === macBefore + 1, 'the expired-key packet dropped as mac', 20_000);
    assert.equal(await mix.metric('strata_mix_replays_total'), replaysBefore + 1, 'an expired-key packet is not a replay (its table is gone)');
    await marker();
    assert.equal(received.get(p.id), 1, 'the replayed packet was forwarded again');
  });

  it('drops a replay after a restart that crossed the epoch boundary, as a replay; never forwards it', async () => {
    await marker();
    // Under the key of the next epoch (a mix also unwraps with e+1's key: senders whose clock runs
    // ahead), so that its replay table is the current one for the whole next epoch after the restart.
    const f = epochNow();
    const q = makePacket(f + 1, f);
    await send(q.packet);
    await waitFor(() => received.has(q.id), 20_000);
    assert.equal(await mix.stop(), 0);
    toMix?.close();
    // Down across the boundary.
    await waitFor(() => epochNow() > f, 2 * EPOCH_MS);
    mix.start();
    await mix.waitLine('learned our mix layer', 40_000);
    await send(q.packet);
    await waitForAsync(async () => (await dropped('replay')) + (await dropped('mac')) > 0, 'the replay dropped after the restart', 20_000);
    assert.equal(await dropped('replay'), 1);
    assert.equal(await dropped('mac'), 0);
    await marker();
    assert.equal(received.get(q.id), 1, 'the replayed packet was forwarded again');
  });
});

// System test: three real mix processes over real Noise links, a real directory stand-in over
// HTTP, and this process acting as the provider on both ends of the route.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '@strata/core/bytes';
import type { Consensus } from '@strata/core/consensus';
import { sphinxKeyFor } from '@strata/core/descriptor';
import type { LinkConnection } from '@strata/core/link/connection';
import { dialLink } from '@strata/core/link/dial';
import { generateLinkKeyPair } from '@strata/core/link/x25519';
import { createPacket, DEFAULT_GEOMETRY, type PathHop } from 'sphinx-packet-ts';
import { AuthorityFixture } from '../../core/test/node/authority-fixture.js';
import { waitFor } from '../../core/test/node/manual-timers.js';
import { MixProcess } from '../../core/test/node/mix-process.js';
import { localMixConfig, LoopbackProvider } from './loopback-provider.js';

const g = DEFAULT_GEOMETRY;
const EPOCH_MS = 8000;
const GRACE_MS = 4000;
const epochNow = (): number => Math.floor(Date.now() / EPOCH_MS);

describe('three mix processes', function () {
  this.timeout(60_000);
  let dir: string;
  let authority: AuthorityFixture;
  const mixes: MixProcess[] = [];
  // This process plays the provider at both ends of every route.
  let provider: LoopbackProvider;
  const received = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  let toLayer1: LinkConnection<undefined> | undefined;
  let layerIndex: number[] = [];

  function consensusOf(epoch: number): Consensus {
    const doc = authority.document(epoch);
    if (!doc) throw new Error(`no consensus for epoch ${epoch}`);
    return doc.consensus;
  }

  /** A packet provider → layer 1 → 2 → 3 → provider, delays in ms per mix; returns its id. */
  function makePacket(delays: number[], epoch = epochNow()): { id: string; packet: Uint8Array } {
    const c = consensusOf(epoch);
    const payload = randomBytes(g.forwardPayloadLength);
    const hops: PathHop[] = c.layers.map((layer, i) => ({
      id: layer[0].descriptor.nodeId,
      publicKey: sphinxKeyFor(layer[0].descriptor, epoch)!,
      commands: [{ type: 'nodeDelay', delayMs: delays[i] }],
    }));
    hops.push({ id: c.providers[0].descriptor.nodeId, publicKey: provider.sphinxOf(epoch).publicKey, commands: [{ type: 'recipient', id: new Uint8Array(32).fill(9) }] });
    return { id: toHex(payload.subarray(0, 16)), packet: createPacket(g, hops, payload) };
  }

  function mixInLayer(layer: number): MixProcess {
    return mixes[layerIndex[layer - 1]];
  }

  async function linkToLayer1(): Promise<LinkConnection<undefined>> {
    if (toLayer1 && !toLayer1.closed) return toLayer1;
    toLayer1 = await provider.dial(consensusOf(epochNow()).layers[0][0].descriptor);
    return toLayer1;
  }

  async function send(packet: Uint8Array): Promise<void> {
    await (await linkToLayer1()).send({ kind: 'SendPacket', packet });
  }

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'strata-mix-system-'));
    provider = await LoopbackProvider.start({
      seedByte: 0x11,
      geometry: g,
      onPacket: (packet) => {
        const e = epochNow();
        const payload = provider.open(packet, [e, e - 1, e + 1]);
        if (!payload) return;
        const id = toHex(payload.subarray(0, 16));
        received.set(id, (received.get(id) ?? 0) + 1);
        receivedAt.set(id, performance.now());
      },
    });
    authority = new AuthorityFixture({
      geometry: g,
      params: { muPerSecond: 20, lambdaPPerSecond: 0, lambdaLPerSecond: 0, lambdaDPerSecond: 0, lambdaMPerSecond: 4, maxDelayMs: 5000 },
      mixCount: 3,
      extra: (epoch) => [provider.descriptor(epoch)],
    });
    await authority.start();
    for (let i = 0; i < 3; i++) {
      const mixDir = join(dir, `mix${i}`);
      mixes.push(
        new MixProcess(
          join(dir, `cfg${i}`),
          await localMixConfig(authority, mixDir, {
            epoch: { lengthMs: EPOCH_MS, genesisMs: 0, graceMs: GRACE_MS },
            workers: { count: 1 },
            loops: { enabled: true, windowMs: 1000, warnBelowRatio: 0.5 },
            maxDelayMs: 10_000,
          }),
        ),
      );
    }
    for (const m of mixes) m.start();
    await Promise.all(mixes.map((m) => m.waitLine('learned our mix layer', 40_000)));
    const c = consensusOf(epochNow());
    const ids = await Promise.all(mixes.map(async (m) => String((await m.waitLine('mix node started')).nodeId)));
    layerIndex = c.layers.map((l) => ids.indexOf(toHex(l[0].descriptor.nodeId)));
  });

  after(async () => {
    toLayer1?.close();
    await Promise.all(mixes.map((m) => m.stop().catch(() => m.kill())));
    await provider?.close();
    await authority?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries createPacket packets across the three mixes, intact, after the summed delays', async () => {
    const sent: { id: string; at: number; sum: number }[] = [];
    for (let i = 0; i < 20; i++) {
      const delays = [i * 7 % 60, i * 13 % 80, i * 5 % 40];
      const p = makePacket(delays);
      sent.push({ id: p.id, at: performance.now(), sum: delays.reduce((a, b) => a + b, 0) });
      await send(p.packet);
    }
    await waitFor(() => sent.every((s) => received.has(s.id)));
    for (const s of sent) {
      assert.equal(received.get(s.id), 1);
      assert.ok(receivedAt.get(s.id)! - s.at >= s.sum, 'arrived before the summed delays');
    }
  });

  it('drops a replayed packet, counted as a replay', async () => {
    const p = makePacket([0, 0, 0]);
    await send(p.packet.slice());
    await waitFor(() => received.has(p.id));
    const before = await mixInLayer(1).metric('strata_mix_replays_total');
    await send(p.packet);
    await waitForAsync(async () => (await mixInLayer(1).metric('strata_mix_replays_total')) === before + 1);
    const marker = makePacket([0, 0, 0]);
    await send(marker.packet);
    await waitFor(() => received.has(marker.id));
    assert.equal(received.get(p.id), 1);
  });

  it("drops a bit-flipped packet with reason 'mac'", async () => {
    const before = await mixInLayer(1).metric('strata_mix_packets_dropped_total', '{reason="mac"}');
    const p = makePacket([0, 0, 0]);
    p.packet[200] ^= 0x04;
    await send(p.packet);
    await waitForAsync(async () => (await mixInLayer(1).metric('strata_mix_packets_dropped_total', '{reason="mac"}')) === before + 1);
    assert.equal(received.has(p.id), false);
  });

  it('refuses a link from a peer whose key is not in the consensus', async () => {
    const d = consensusOf(epochNow()).layers[0][0].descriptor;
    const port = Number(d.linkAddresses[0].split(':')[2]);
    await assert.rejects(dialLink({ host: '127.0.0.1', port, staticKey: generateLinkKeyPair(), expectedPeerKey: d.linkKey, frameBytes: provider.frameBytes }), {
      name: 'HandshakeError',
    });
  });

  it('refuses a link from a provider to a second-layer mix', async () => {
    await assert.rejects(provider.dial(consensusOf(epochNow()).layers[1][0].descriptor), {
      name: 'HandshakeError',
    });
  });

  it('survives random bytes on its link socket and keeps mixing', async () => {
    const d = consensusOf(epochNow()).layers[0][0].descriptor;
    const port = Number(d.linkAddresses[0].split(':')[2]);
    for (let i = 0; i < 5; i++) {
      const sock = connect(port, '127.0.0.1');
      await new Promise<void>((resolve) => {
        sock.on('connect', () => sock.write(randomBytes(1 + i * 3000)));
        sock.on('close', () => resolve());
        sock.on('error', () => resolve());
        sock.setTimeout(15_000, () => sock.destroy());
      });
    }
    assert.equal(mixInLayer(1).alive, true);
    const p = makePacket([0, 0, 0]);
    await send(p.packet);
    await waitFor(() => received.has(p.id));
  });

  it('counts its own loops coming back', async () => {
    for (const m of mixes) await waitForAsync(async () => (await m.metric('strata_mix_loops_returned_total')) > 0);
  });

  it('loses nothing across an epoch rotation in the middle of traffic', async () => {
    const start = epochNow();
    const ids: string[] = [];
    // Send until well past the next boundary, each packet under the keys of the epoch it is made in.
    while (epochNow() === start || Date.now() % EPOCH_MS < 1500) {
      const e = epochNow();
      await waitFor(() => authority.document(e) !== undefined);
      const p = makePacket([40, 40, 40], e);
      ids.push(p.id);
      await send(p.packet);
      // Pace on deliveries: at most 8 packets in flight.
      await waitFor(() => ids.filter((id) => !received.has(id)).length < 8);
    }
    await waitFor(() => ids.every((id) => received.has(id)));
    for (const id of ids) assert.equal(received.get(id), 1);
    for (const m of mixes) assert.equal(await m.metric('strata_mix_packets_dropped_total', '{reason="mac"}'), m === mixInLayer(1) ? 1 : 0);
  });

  it('after a restart still drops replays, and sends a packet it held at shutdown exactly once', async () => {
    const p = makePacket([0, 0, 0]);
    await send(p.packet.slice());
    await waitFor(() => received.has(p.id));
    const held = makePacket([4000, 0, 0]);
    await send(held.packet);
    // Same link, one unwrap worker, FIFO: once this one is through, `held` sits in layer 1's queue.
    const through = makePacket([0, 0, 0]);
    await send(through.packet);
    await waitFor(() => received.has(through.id));
    const l1 = mixInLayer(1);
    assert.equal(await l1.stop(), 0);
    assert.match(JSON.stringify(l1.lines), /saved held packets for the next start/);
    toLayer1?.close();
    l1.start();
    await l1.waitLine('learned our mix layer', 40_000);
    // Our packet, and possibly other mixes' loops that were passing through.
    assert.ok(Number((await l1.waitLine('restored held packets from the last shutdown')).packets) >= 1);
    await send(p.packet);
    await waitForAsync(async () => (await l1.metric('strata_mix_packets_dropped_total', '{reason="replay"}')) === 1);
    await waitFor(() => received.has(held.id));
    const marker = makePacket([0, 0, 0]);
    await send(marker.packet);
    await waitFor(() => received.has(marker.id));
    assert.equal(received.get(p.id), 1);
    assert.equal(received.get(held.id), 1);
  });
});

async function waitForAsync(predicate: () => Promise<boolean>, limitMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > limitMs) throw new Error('waitForAsync: condition not met');
    await new Promise((r) => setTimeout(r, 20));
  }
}

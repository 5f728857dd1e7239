// System test: a cold-started testnet (3 authorities, 3 layers × 2 mixes, 2 providers, real
// processes) with short epochs and mix-loop cover traffic runs through epoch rotations that move
// mixes between layers, and not one packet is dropped for routing reasons on the way: packets
// queued or in flight under epoch e's topology when e+1's consensus reshuffles the layers still
// reach the hop they were routed to (docs/spec/directory.md "Epoch transitions").
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { fromHex, nodeIdOf, toHex, verifyConsensus, type Consensus } from '@strata/core';
import { parsePrometheusText, readManifest, sumSamples, type Manifest } from '@strata/cli';
import { SystemHarness, waitFor } from './harness.js';

const EPOCH_MS = 4000;
/** The drops a reshuffle of the layers must never cause (docs/spec/directory.md). */
const ROUTING_REASONS = ['next_hop_not_allowed', 'peer_not_allowed', 'link_down'] as const;

interface MixSample {
  drops: Record<string, number>;
  loopsSent: number;
  loopsReturned: number;
}

describe('epoch rotation after a cold start (system)', function () {
  this.timeout(90_000);
  const h = new SystemHarness();
  let dir: string;
  let m: Manifest;
  const epochNow = (): number => Math.floor((Date.now() - m.epoch.genesisMs) / m.epoch.lengthMs);

  async function sampleMix(metricsUrl: string): Promise<MixSample> {
    const s = parsePrometheusText(await (await fetch(metricsUrl)).text());
    const drops: Record<string, number> = {};
    for (const reason of ROUTING_REASONS) drops[reason] = sumSamples(s, 'strata_mix_packets_dropped_total', { reason });
    return {
      drops,
      loopsSent: sumSamples(s, 'strata_mix_loops_sent_total'),
      loopsReturned: sumSamples(s, 'strata_mix_loops_returned_total'),
    };
  }

  async function consensusOf(epoch: number): Promise<Consensus | undefined> {
    const res = await fetch(`${m.authorities[0].url}/v1/consensus/${epoch}`).catch(() => undefined);
    if (!res || res.status !== 200) {
      await res?.body?.cancel();
      return undefined;
    }
    const keys = m.authorities.map((a) => fromHex(a.identityKey, 32));
    return verifyConsensus(await res.json(), keys, m.threshold, { epoch }).consensus;
  }

  const layout = (c: Consensus): string => JSON.stringify(c.layers.map((l) => l.map((d) => Buffer.from(d.descriptor.nodeId).toString('hex')).sort()));

  after(() => h.cleanup());

  it('drops no packet as next_hop_not_allowed, peer_not_allowed or link_down across rotations that reshuffle the layers', async () => {
    const base = h.tempDir('epoch-rotation');
    dir = join(base, 'net');
    h.ownTestnet(dir);
    const configFile = h.writeJson(base, 'testnet.json', {
      mode: 'fast',
      epoch: { lengthMs: EPOCH_MS },
      // More mix loops than the fast preset (2/s): packets sit in every delay queue at each boundary.
      network: { lambdaMPerSecond: 8 },
      clients: 0,
      wait: 'consensus',
      logLevel: process.env.STRATA_TEST_LOG_LEVEL ?? 'warn',
    });
    const up = await h.strataDone(['testnet', 'up', '--dir', dir, '--config', configFile]);
    assert.equal(up.code, 0, `up failed:\n${up.stdout}\n${up.stderr}`);
    m = readManifest(dir);
    const mixes = m.nodes.filter((n) => n.role === 'mix');
    const first = m.consensus!.epoch;

    // Per-epoch drop counts, for the failure message (counters are cumulative since each mix started).
    const perEpoch = new Map<number, Record<string, number>>();
    const last = new Map<string, MixSample>();
    const timeline: string[] = [];
    const lastHealth = new Map<string, string>();
    const reported: [name: string, epoch: number, layer: number][] = [];
    const scrape = async (): Promise<Map<string, MixSample>> => {
      const e = epochNow();
      for (const mix of mixes) {
        if (!mix.healthUrl) continue;
        const hz = await (await fetch(mix.healthUrl)).text();
        const h = JSON.parse(hz) as { epoch: number; layer: number | null };
        if (h.layer !== null) reported.push([mix.name, h.epoch, h.layer]);
        if (lastHealth.get(mix.name) !== hz) {
          lastHealth.set(mix.name, hz);
          timeline.push(`${e} +${Date.now() % EPOCH_MS} ${mix.name} ${hz}`);
        }
      }
      const now = new Map<string, MixSample>();
      for (const mix of mixes) {
        const s = await sampleMix(mix.metricsUrl);
        now.set(mix.name, s);
        const prev = last.get(mix.name);
        for (const r of ROUTING_REASONS) {
          const d = s.drops[r] - (prev?.drops[r] ?? 0);
          if (d > 0) {
            const row = perEpoch.get(e) ?? {};
            row[`${mix.name}/${r}`] = (row[`${mix.name}/${r}`] ?? 0) + d;
            perEpoch.set(e, row);
          }
        }
        last.set(mix.name, s);
      }
      return now;
    };

    // Run through the first two boundaries after the first consensus, both moving mixes to other
    // layers (the cold-start drops showed up there), then on to the next boundary and until every
    // mix got loops back after it: the packets in flight across the last rotation are out too.
    const layouts = new Map<number, string>();
    await waitFor(
      'two epoch boundaries after the first consensus, both reshuffling the layers',
      async () => {
        await scrape();
        const e = epochNow();
        for (let x = first; x <= e; x++) {
          if (layouts.has(x)) continue;
          const c = await consensusOf(x);
          if (c) layouts.set(x, layout(c));
        }
        let changes = 0;
        for (let x = first + 1; x <= e; x++) if (layouts.has(x) && layouts.has(x - 1) && layouts.get(x) !== layouts.get(x - 1)) changes++;
        return e >= first + 2 && changes >= 2;
      },
      { timeoutMs: 8 * EPOCH_MS, intervalMs: 100 },
    );
    const snapshotEpoch = epochNow();
    const atSnapshot = await scrape();
    await waitFor(
      'the next boundary, and every mix to get loops back after it',
      async () => {
        const now = await scrape();
        return epochNow() > snapshotEpoch && mixes.every((mix) => now.get(mix.name)!.loopsReturned > atSnapshot.get(mix.name)!.loopsReturned);
      },
      { timeoutMs: 4 * EPOCH_MS, intervalMs: 100 },
    );
    const final = await scrape();

    const totals: Record<string, number> = {};
    for (const [name, s] of final) for (const r of ROUTING_REASONS) if (s.drops[r] > 0) totals[`${name}/${r}`] = s.drops[r];
    const byEpoch = [...perEpoch].map(([e, row]) => `epoch ${e} (first consensus ${first}): ${JSON.stringify(row)}`).join('\n');
    let links = '';
    if (Object.keys(totals).length > 0) {
      for (const mix of mixes) {
        const text = await (await fetch(mix.metricsUrl)).text();
        const nonzero = parsePrometheusText(text).filter((x) => x.name.startsWith('strata_link_') && x.name.endsWith('_total') && x.value > 0 && x.name !== 'strata_link_frames_total');
        links += `${mix.name}: ${nonzero.map((x) => `${x.name}${JSON.stringify(x.labels)}=${x.value}`).join(' ')}\n`;
      }
    }
    const names = new Map(mixes.map((x) => [toHex(nodeIdOf(fromHex(x.identityKey!, 32))), x.name]));
    const lay = [...layouts].map(([e, l]) => `${e}: ${l.replace(/[0-9a-f]{64}/g, (h) => names.get(h) ?? h.slice(0, 6))}`).join('\n');
    assert.deepEqual(totals, {}, `routing drops across the rotations:\n${byEpoch}\n${links}\n${timeline.join('\n')}\n${lay}`);
    // Every mix routed each epoch under that epoch's own layers (a stale document filed as the next
    // epoch's made mixes keep the previous layers for a whole epoch).
    for (const [name, epoch, layer] of reported) {
      const l = layouts.get(epoch);
      if (l === undefined) continue;
      const hex = [...names].find(([, n]) => n === name)![0];
      const expected = (JSON.parse(l) as string[][]).findIndex((ids) => ids.includes(hex)) + 1;
      assert.equal(layer, expected, `${name} reported layer ${layer} in epoch ${epoch}; the consensus says ${expected}`);
    }
  });
});

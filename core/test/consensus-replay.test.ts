// Issue 9, item 4: an old, genuinely threshold-signed consensus replayed to a node or client (by
// every authority it asks, or by a network attacker in their place) is rejected and counted, and
// never rolls a client back to an older document.
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CONSENSUS_MAGIC,
  ConsensusFetcher,
  StrataMetrics,
} from '@strata/core';
import { signedTestConsensuses } from './fixtures.js';

describe('replay of an old consensus', () => {
  const { docs, trusted } = signedTestConsensuses([10, 11]);
  const old = docs.get(10)!;

  // What every authority (or an attacker in the path) answers, whatever epoch is asked for.
  let answer: (epoch: number) => unknown = () => old;
  const servers: Server[] = [];
  const urls: string[] = [];

  before(async () => {
    for (let i = 0; i < 3; i++) {
      const server = createServer((req, res) => {
        const epoch = Number(/\/v1\/consensus\/(\d+)$/.exec(req.url ?? '')?.[1]);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(epoch)));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      servers.push(server);
      urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
  });
  after(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  async function rejected(metrics: StrataMetrics, reason: string): Promise<number> {
    const m = await metrics.registry.getSingleMetric(`strata_${metrics.component}_consensus_rejected_total`)?.get();
    return m?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
  }

  function fetcher(component: string): { f: ConsensusFetcher; metrics: StrataMetrics } {
    const metrics = new StrataMetrics(component);
    return { f: new ConsensusFetcher({ authorityUrls: urls, trustedAuthorityKeys: trusted, threshold: 2, metrics, maxStaleEpochs: 1 }), metrics };
  }

  it('is refused when every authority replays it, counted once per response as reason epoch', async () => {
    answer = () => old;
    const { f, metrics } = fetcher('replay_a');
    await assert.rejects(f.fetch(11), { name: 'ConsensusError', reason: 'unavailable' });
    assert.equal(await rejected(metrics, 'epoch'), 3);
  });

  it('does not roll a client back: the newer good document stands in, not the replayed one', async () => {
    const { f, metrics } = fetcher('replay_b');
    answer = (e) => docs.get(e);
    assert.equal((await f.fetch(11)).verified.consensus.epoch, 11);
    answer = () => old;
    const got = await f.fetch(12);
    assert.equal(got.stale, true);
    assert.equal(got.verified.consensus.epoch, 11);
    assert.equal(await rejected(metrics, 'epoch'), 3);
  });

  it('is refused with its wrapper relabelled to the requested epoch (counted as encoding)', async () => {
    answer = (e) => ({ ...old, epoch: e });
    const { f, metrics } = fetcher('replay_c');
    await assert.rejects(f.fetch(11), { name: 'ConsensusError', reason: 'unavailable' });
    assert.equal(await rejected(metrics, 'encoding'), 3);
  });

  it('is refused with its signed bytes rewritten to the requested epoch (its descriptors still name the old one)', async () => {
    answer = (e) => {
      const bytes = Buffer.from(old.document, 'base64');
      bytes.writeBigUInt64BE(BigInt(e), CONSENSUS_MAGIC.length); // the epoch field follows the magic
      return { ...old, epoch: e, document: bytes.toString('base64') };
    };
    const { f, metrics } = fetcher('replay_d');
    await assert.rejects(f.fetch(11), { name: 'ConsensusError', reason: 'unavailable' });
    assert.equal(await rejected(metrics, 'epoch'), 3);
  });
});

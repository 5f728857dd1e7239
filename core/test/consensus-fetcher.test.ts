import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ConsensusFetcher,
  StrataMetrics,
} from '@strata/core';
import { signedTestConsensuses } from './fixtures.js';

describe('ConsensusFetcher', () => {
  const { docs, trusted } = signedTestConsensuses([10, 11]);

  // Three real HTTP "authorities" whose behaviour each test sets.
  type Behaviour = (epoch: number) => { status: number; body: string };
  const behaviours: Behaviour[] = [];
  const servers: Server[] = [];
  const urls: string[] = [];

  before(async () => {
    for (let i = 0; i < 3; i++) {
      const server = createServer((req, res) => {
        const epoch = Number(/\/v1\/consensus\/(\d+)$/.exec(req.url ?? '')?.[1]);
        const { status, body } = behaviours[i](epoch);
        res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      servers.push(server);
      urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
  });
  after(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  const notFound: Behaviour = () => ({ status: 404, body: '{"error":"not-available"}' });
  const honest: Behaviour = (e) => (docs.has(e) ? { status: 200, body: JSON.stringify(docs.get(e)) } : notFound(e));
  const replaying: Behaviour = () => ({ status: 200, body: JSON.stringify(docs.get(10)) });
  const garbage: Behaviour = () => ({ status: 200, body: '{"epoch":' });
  const flood: Behaviour = () => ({ status: 200, body: 'x'.repeat(3 << 20) });

  it('takes the verifiable document even when other authorities 404, replay or send garbage', async () => {
    behaviours.splice(0, 3, notFound, replaying, honest);
    const metrics = new StrataMetrics('fetch_test_a');
    const f = new ConsensusFetcher({ authorityUrls: urls, trustedAuthorityKeys: trusted, threshold: 2, metrics });
    const got = await f.fetch(11);
    assert.equal(got.stale, false);
    assert.equal(got.verified.consensus.epoch, 11);
    behaviours.splice(0, 3, garbage, flood, honest);
    assert.equal((await f.fetch(11)).stale, false);
    const text = await metrics.registry.metrics();
    assert.match(text, /strata_fetch_test_a_consensus_fetch_total\{result="ok"\} 2/);
  });

  it('keeps the last good document for a bounded grace period, counts it, then gives up', async () => {
    const metrics = new StrataMetrics('fetch_test_b');
    const f = new ConsensusFetcher({ authorityUrls: urls, trustedAuthorityKeys: trusted, threshold: 2, metrics, maxStaleEpochs: 1 });
    behaviours.splice(0, 3, honest, notFound, notFound);
    await f.fetch(10);
    behaviours.splice(0, 3, notFound, notFound, replaying);
    const fallback = await f.fetch(11);
    assert.equal(fallback.stale, true);
    assert.equal(fallback.verified.consensus.epoch, 10);
    await assert.rejects(f.fetch(12), { name: 'ConsensusError', reason: 'unavailable' });
    const text = await metrics.registry.metrics();
    assert.match(text, /result="fallback"\} 1/);
    assert.match(text, /result="unavailable"\} 1/);
    assert.match(text, /strata_fetch_test_b_consensus_rejected_total\{reason="epoch"\} 2/);
  });

  it('reports unavailable when no authority is reachable and nothing was ever good', async () => {
    const f = new ConsensusFetcher({ authorityUrls: ['http://127.0.0.1:1'], trustedAuthorityKeys: trusted, threshold: 2, metrics: new StrataMetrics('fetch_test_c') });
    await assert.rejects(f.fetch(11), { name: 'ConsensusError', reason: 'unavailable' });
  });
});

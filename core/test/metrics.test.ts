import { strict as assert } from 'node:assert';
import Fastify from 'fastify';
import { StrataMetrics, registerOpsRoutes } from '@strata/core';

describe('metrics', () => {
  it('names metrics strata_<component>_<thing>_{total,seconds}', async () => {
    const m = new StrataMetrics('directory');
    m.counter('drops', 'dropped inputs', ['reason'] as const).inc({ reason: 'signature' });
    m.histogram('agreement', 'time to agree').observe(0.5);
    const text = await m.registry.metrics();
    assert.match(text, /strata_directory_drops_total\{reason="signature"\} 1/);
    assert.match(text, /strata_directory_agreement_seconds_count 1/);
  });

  it('returns the same counter when one name is asked for twice', () => {
    const m = new StrataMetrics('twice');
    assert.equal(m.counter('x', 'h'), m.counter('x', 'h'));
    assert.throws(() => m.gauge('x_total', 'h'), { name: 'AssertionError' });
  });

  it('rejects names that are not snake_case', () => {
    assert.throws(() => new StrataMetrics('Directory'), { name: 'AssertionError' });
    assert.throws(() => new StrataMetrics('x').counter('bad-name', 'h'), { name: 'AssertionError' });
  });

  it('serves /metrics and /healthz over a real socket', async () => {
    const m = new StrataMetrics('test_ops');
    m.counter('hits', 'hits').inc();
    let ok = true;
    const app = Fastify();
    registerOpsRoutes(app, m, () => ({ ok, epoch: 3 }));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const metrics = await fetch(`${url}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /strata_test_ops_hits_total 1/);
      assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { ok: true, epoch: 3 });
      ok = false;
      assert.equal((await fetch(`${url}/healthz`)).status, 503);
    } finally {
      await app.close();
    }
  });
});

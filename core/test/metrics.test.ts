import { strict as assert } from 'node:assert';
import Fastify from 'fastify';
import { Counter } from 'prom-client';
import { StrataMetrics, registerOpsRoutes } from '@strata/core';
import { PendingCounts } from '../src/metrics.js';

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

  it('folds plain-integer counts into their counter each time it is collected, by label', async () => {
    const m = new StrataMetrics('pending');
    const pending = new PendingCounts('kind');
    const c: Counter<'kind'> = new Counter({ name: 'strata_pending_x_total', help: 'h', labelNames: ['kind'], registers: [m.registry], collect: () => pending.flushInto(c as Counter<string>) });
    pending.add('a');
    pending.add('a');
    pending.add('b', 5);
    assert.match(await m.registry.metrics(), /strata_pending_x_total\{kind="a"\} 2/);
    pending.add('a');
    const text = await m.registry.metrics();
    assert.match(text, /strata_pending_x_total\{kind="a"\} 3/);
    assert.match(text, /strata_pending_x_total\{kind="b"\} 5/);
    const plain = new PendingCounts();
    const d: Counter = new Counter({ name: 'strata_pending_y_total', help: 'h', registers: [m.registry], collect: () => plain.flushInto(d as Counter<string>) });
    plain.add();
    assert.match(await m.registry.metrics(), /strata_pending_y_total 1/);
    assert.throws(() => new PendingCounts('Bad-Label'), { name: 'AssertionError' });
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

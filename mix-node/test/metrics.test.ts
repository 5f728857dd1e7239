import assert from 'node:assert/strict';
import { DROP_REASONS, MixMetrics } from '../src/metrics.js';

describe('MixMetrics', () => {
  it('exposes every drop reason from the start, so rates exist before the first drop', async () => {
    const text = await new MixMetrics().render();
    for (const reason of DROP_REASONS) assert.ok(text.includes(`strata_mix_packets_dropped_total{reason="${reason}"} 0`), reason);
  });

  it('counts drops by reason and observes lateness in seconds', async () => {
    const m = new MixMetrics();
    m.drop('mac');
    m.drop('mac');
    m.drop('replay');
    m.lateness.observe(0.004);
    const text = await m.render();
    assert.match(text, /strata_mix_packets_dropped_total\{reason="mac"\} 2/);
    assert.match(text, /strata_mix_packets_dropped_total\{reason="replay"\} 1/);
    assert.match(text, /strata_mix_lateness_seconds_bucket\{le="0.005"\} 1/);
    assert.match(text, /strata_mix_lateness_seconds_bucket\{le="0.003"\} 0/);
  });

  it('reports queue depth and worker utilisation from their sources at scrape time', async () => {
    const m = new MixMetrics();
    let busy = [0, 0];
    m.watchQueue(() => 17);
    m.watchWorkers({ stats: () => ({ busyMs: busy }) });
    busy = [5, 0];
    const text = await m.render();
    assert.match(text, /strata_mix_delay_queue_packets 17/);
    assert.match(text, /strata_mix_worker_busy_seconds_total\{worker="0"\} 0.005/);
    assert.match(text, /strata_mix_worker_utilisation\{worker="1"\} 0/);
  });

  it('keeps separate registries per node', async () => {
    const a = new MixMetrics();
    const b = new MixMetrics();
    a.packetsIn.inc();
    assert.match(await a.render(), /strata_mix_packets_in_total 1/);
    assert.match(await b.render(), /strata_mix_packets_in_total 0/);
  });
});

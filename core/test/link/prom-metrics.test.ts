import { strict as assert } from 'node:assert';
import { Registry } from 'prom-client';
import { createPromLinkMetrics } from '../../src/link/prom-metrics.js';

describe('createPromLinkMetrics', () => {
  it('exposes strata_link_*_total counters with every reason at zero', async () => {
    const registry = new Registry();
    createPromLinkMetrics(registry);
    const text = await registry.metrics();
    for (const line of [
      'strata_link_handshake_failures_total{reason="unknown_peer"} 0',
      'strata_link_handshake_failures_total{reason="wrong_peer_key"} 0',
      'strata_link_frames_rejected_total{reason="bad_mac"} 0',
      'strata_link_send_drops_total{reason="send_queue_full"} 0',
      'strata_link_connections_opened_total{role="dialer"} 0',
      'strata_link_rekeys_total{direction="send"} 0',
    ]) {
      assert.ok(text.includes(line), line);
    }
  });

  it('counts what the link reports', async () => {
    const registry = new Registry();
    const m = createPromLinkMetrics(registry);
    m.frameRejected('bad_mac');
    m.frameRejected('bad_mac');
    m.handshakeFailed('timeout');
    const text = await registry.metrics();
    assert.ok(text.includes('strata_link_frames_rejected_total{reason="bad_mac"} 2'));
    assert.ok(text.includes('strata_link_handshake_failures_total{reason="timeout"} 1'));
  });
});

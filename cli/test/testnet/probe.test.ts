import { strict as assert } from 'node:assert';
import { parsePrometheusText, sumSamples } from '../../src/testnet/probe.js';

describe('probe', () => {
  it('parses Prometheus text and sums samples by name and labels', () => {
    const text = [
      '# HELP strata_mix_packets_out_total Sphinx packets sent',
      '# TYPE strata_mix_packets_out_total counter',
      'strata_mix_packets_out_total{kind="forward"} 7',
      'strata_mix_packets_out_total{kind="loop"} 3',
      'strata_mix_loop_return_ratio NaN',
      'strata_x_total{reason="a \\"quoted\\" b"} 2 1700000000000',
      'garbage line here',
      '',
    ].join('\n');
    const s = parsePrometheusText(text);
    assert.equal(sumSamples(s, 'strata_mix_packets_out_total'), 10);
    assert.equal(sumSamples(s, 'strata_mix_packets_out_total', { kind: 'forward' }), 7);
    assert.equal(sumSamples(s, 'strata_x_total', { reason: 'a "quoted" b' }), 2);
    assert.ok(Number.isNaN(s.find((x) => x.name === 'strata_mix_loop_return_ratio')!.value));
    assert.equal(s.length, 4);
  });
});

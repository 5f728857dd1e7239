import assert from 'node:assert/strict';
import { ProviderMetrics } from '../src/metrics.js';

describe('ProviderMetrics', () => {
  it('shows the current distribution of dropbox sizes at scrape time', async () => {
    let sizes = [0, 5, 5, 2000];
    const m = new ProviderMetrics(() => sizes);
    let text = await m.registry.metrics();
    assert.match(text, /^strata_provider_dropbox_messages_bucket\{le="10"\} 3$/m);
    assert.match(text, /^strata_provider_dropbox_messages_count 4$/m);
    sizes = [1];
    text = await m.registry.metrics();
    assert.match(text, /^strata_provider_dropbox_messages_count 1$/m);
  });

  it('keeps registries of two providers apart', async () => {
    const a = new ProviderMetrics(() => []);
    const b = new ProviderMetrics(() => []);
    a.stored.inc(3);
    assert.match(await b.registry.metrics(), /^strata_provider_stored_total 0$/m);
  });
});

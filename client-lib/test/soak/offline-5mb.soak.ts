// Issue 6 §9: two clients exchange a 5 MB file across the recipient's offline period over a real
// local network (2,913 fragments at λP = 50/s: about a minute of sending, several on a loaded machine).
// Not in `npm test`. Run: npx mocha --config .mocharc.json client-lib/test/soak/offline-5mb.soak.ts
import { exchangeAcrossOfflinePeriod, useResilienceNetwork } from '../offline-exchange.js';

const TIMEOUT_MS = 900_000;

describe('Client: a 5 MB file across an offline period (soak; real authority, provider and mix processes)', function () {
  this.timeout(TIMEOUT_MS);
  const network = useResilienceNetwork();

  it('is stored at the provider while the recipient is offline, and delivered intact exactly once when it is back', async () => {
    await exchangeAcrossOfflinePeriod(network.net, network.dir, 5 * 1024 * 1024, TIMEOUT_MS);
  });
});

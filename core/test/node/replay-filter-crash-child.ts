// Child process for replay-filter.test.ts: admits 50 tags, says so, then waits to be SIGKILLed
// without ever closing the filter.
import { ReplayFilter } from '../../src/node/replay-filter.js';

const filter = ReplayFilter.open({ path: process.argv[2], maxTagsPerEpoch: 1000 });
for (let i = 0; i < 50; i++) {
  const t = new Uint8Array(32);
  new DataView(t.buffer).setUint32(0, i);
  t[31] = 0xa5;
  if ((await filter.admit(9, t)) !== 'fresh') process.exit(2);
}
process.stdout.write('admitted 50\n');
setInterval(() => {}, 1000);

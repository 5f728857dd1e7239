import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client } from '../src/client.js';
import { nodeIdOfIdentityKey } from '../src/provider-http.js';
import { TEST_SCRYPT, makeTempDir, seededBytes } from './helpers.js';
import { TestNetwork } from './test-network.js';
import { finalState, waitFor } from './client-waits.js';

const FILE_BYTES = Number(process.env.STRATA_FILE_BYTES ?? 5 * 1024 * 1024);

describe('Client: a 5 MB file across an offline period (real authority, provider and mix processes)', function () {
  this.timeout(90_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let net: TestNetwork;
  let alice: Client;
  let bob: Client | undefined;
  // Retransmission timeouts of this fast network: ~1.5 s for a first attempt (client.md §8).
  const retry = { meanHopDelayMs: 50, constantMs: 1000, backoff: 1.5, maxAttempts: 12 };
  const opts = (name: string) => ({ dataDir: join(tmp.dir, name), passphrase: `pass-${name}`, scrypt: TEST_SCRYPT, pollIntervalMs: 100, retry });

  before(async () => {
    tmp = makeTempDir();
    // 5 MB is 2,913 fragments of 1,800 bytes, one per λP tick. At the default λP (a few per second)
    // that is hours; λP = 200/s sends it in ~15 s, with 1/μ = 50 ms per hop so that SURB-ACKs return
    // well within the SURB lifetime (500 / total rate ≈ 2.5 s). The waiting fragments exceed the
    // default dropbox quota (1,000 messages per alias): the provider holds 10,000 here.
    net = await TestNetwork.start(tmp.dir, { mixes: 3, params: { lambdaPPerSecond: 200, muPerSecond: 20 }, providerDropbox: { aliasQuotaMessages: 10_000 } });
    await net.waitForConsensus();
    const providerNodeId = nodeIdOfIdentityKey(net.provider.identityKey);
    [alice, bob] = await Promise.all([Client.bootstrap(net.provider.url, { ...opts('alice'), providerNodeId }), Client.bootstrap(net.provider.url, { ...opts('bob'), providerNodeId })]);
  });

  after(async () => {
    await alice?.close();
    await bob?.close();
    await net?.stop();
    tmp?.remove();
  });

  it('is stored at the provider while the recipient is offline, and delivered intact exactly once when it is back', async () => {
    const { contact: bobAtAlice } = await alice.addContact(bob!.address, 'bob');
    await bob!.addContact(alice.address, 'alice');
    await waitFor('alice sending', () => alice.sending && alice.connected);
    // Bob goes offline (his aliases stay registered at the provider).
    await bob!.close();
    bob = undefined;
    const file = seededBytes(FILE_BYTES, 55);
    const id = await alice.send(bobAtAlice.id, file);
    const debug = process.env.STRATA_DEBUG ? setInterval(() => console.log(new Date().toISOString(), alice.status(id)?.state, alice.status(id)?.acked, alice.stats.sent, alice.stats.acks, alice.stats.dropped, alice.stats.ticks, alice.stats.ticksDone, bob?.stats.delivered, bob?.stats.polls), 2000) : undefined;
    after(() => clearInterval(debug));
    assert.equal(alice.status(id)?.fragments, Math.ceil(FILE_BYTES / alice.budget.fragmentDataBytes));
    const s = await finalState(alice, id);
    assert.equal(s.state, 'stored');
    // Bob comes back: a new Client from the same data dir.
    bob = await Client.open(opts('bob').dataDir, opts('bob').passphrase, { pollIntervalMs: 100, retry });
    const delivered = await waitFor('the file in bob’s history', async () => {
      const h = await bob!.history();
      return h.length > 0 ? h : undefined;
    }, 60_000, 100);
    assert.deepEqual(delivered[0].body, file);
    // Nothing more is waiting: a few more polling rounds deliver no second copy.
    const polls = bob.stats.polls + 20;
    await waitFor('more polls', () => bob!.stats.polls >= polls);
    assert.equal((await bob.history()).length, 1);
    assert.equal(bob.stats.delivered, 1);
  });
});

// The offline-period exchange of issue 6 §9 on a fast test network: `client-resilience.test.ts` runs
// it with a 256 KiB file in `npm test`; `soak/offline-5mb.soak.ts` with the 5 MB file.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client } from '../src/client.js';
import { nodeIdOfIdentityKey } from '../src/provider-http.js';
import type { RetryPolicy } from '../src/outbox.js';
import { TEST_SCRYPT, makeTempDir, seededBytes } from './helpers.js';
import { TestNetwork } from './test-network.js';
import { finalState, waitFor } from './client-waits.js';

/**
 * λP of this network. A file of n fragments needs n λP ticks: at the default λP (a few per second)
 * 5 MB (2,913 fragments) would take hours, so the network runs λP = 50/s. Higher rates do not help on
 * the shared 2-core test machine: a packet (Sphinx header + SURB-ACK) costs ~3 ms of CPU to build,
 * and at 200/s two clients and three mixes saturate the cores (measured: the event loop starves).
 * 1/μ = 50 ms per hop, so that SURB-ACKs return well within the SURB lifetime (500 / total rate).
 */
export const RESILIENCE_LAMBDA_P_PER_S = 50;

/**
 * Four mixes (one layer holds two, so one can die without cutting every path); 5 MB of fragments fit
 * a dropbox. The provider sweeps every second: its SURB-id quota (1,000 per alias) counts expired
 * registrations until the sweeper removes them (default every 60 s), and at 54 packets/s the ids of
 * drops and lost packets, never released by a reply, fill it within a minute — then every refill is
 * refused (429 surb_quota) and every ACK is lost until the next sweep (seen here as a ~45 s stall).
 */
export async function startResilienceNetwork(dir: string): Promise<TestNetwork> {
  const net = await TestNetwork.start(dir, { mixes: 4, params: { lambdaPPerSecond: RESILIENCE_LAMBDA_P_PER_S, muPerSecond: 20 }, providerDropbox: { aliasQuotaMessages: 10_000, sweepIntervalMs: 1000 } });
  await net.waitForConsensus();
  return net;
}

/** Mocha hooks of a suite on this network: started in a fresh temp dir before it, stopped and the dir deleted after. Read `net` and `dir` inside tests. */
export function useResilienceNetwork(): { readonly net: TestNetwork; readonly dir: string } {
  let tmp: ReturnType<typeof makeTempDir> | undefined;
  let net: TestNetwork | undefined;
  before(async () => {
    tmp = makeTempDir();
    net = await startResilienceNetwork(tmp.dir);
  });
  after(async () => {
    await net?.stop();
    tmp?.remove();
  });
  return {
    get net(): TestNetwork {
      if (!net) throw new Error('the resilience network is not up (outside a test?)');
      return net;
    },
    get dir(): string {
      if (!tmp) throw new Error('the resilience network is not up (outside a test?)');
      return tmp.dir;
    },
  };
}

/** Retransmission timeouts of this fast network: ~2 s for a first attempt (client.md §8). */
export const RESILIENCE_RETRY: Partial<RetryPolicy> = Object.freeze({ meanHopDelayMs: 50, constantMs: 1500, backoff: 1.5, maxAttempts: 12 });

export function clientOptions(dir: string, name: string) {
  return { dataDir: join(dir, name), passphrase: `pass-${name}`, scrypt: TEST_SCRYPT, pollIntervalMs: 100, retry: RESILIENCE_RETRY };
}

/**
 * Alice sends `fileBytes` to Bob while Bob is offline (closed); the sender must see 'stored'; Bob
 * comes back (a new Client from the same data dir) and must receive the file intact, exactly once.
 */
export async function exchangeAcrossOfflinePeriod(net: TestNetwork, dir: string, fileBytes: number, timeoutMs: number): Promise<void> {
  const providerNodeId = nodeIdOfIdentityKey(net.provider.identityKey);
  const [alice, bobFirst] = await Promise.all([
    Client.bootstrap(net.provider.url, { ...clientOptions(dir, 'offline-alice'), providerNodeId }),
    Client.bootstrap(net.provider.url, { ...clientOptions(dir, 'offline-bob'), providerNodeId }),
  ]);
  let bob: Client | undefined = bobFirst;
  let debug: ReturnType<typeof setInterval> | undefined;
  try {
    const { contact: bobAtAlice } = await alice.addContact(bobFirst.address, 'bob');
    await bobFirst.addContact(alice.address, 'alice');
    await waitFor('alice sending', () => alice.sending && alice.connected, 30_000);
    // Bob goes offline (his aliases stay registered at the provider).
    await bobFirst.close();
    bob = undefined;
    const file = seededBytes(fileBytes, 55);
    const id = await alice.send(bobAtAlice.id, file);
    if (process.env.STRATA_DEBUG) debug = setInterval(() => console.log(alice.status(id)?.state, alice.status(id)?.acked, alice.stats.sent, alice.stats.dropped, alice.avoidedMixes), 2000);
    assert.equal(alice.status(id)?.fragments, Math.ceil(fileBytes / alice.budget.fragmentDataBytes));
    const s = await finalState(alice, id);
    assert.equal(s.state, 'stored');
    // Bob comes back. (His first poll may run before open() resolves, so the delivery is read from
    // his history, not from a 'message' listener.)
    const { dataDir, passphrase, ...rest } = clientOptions(dir, 'offline-bob');
    bob = await Client.open(dataDir, passphrase, rest);
    const back = bob;
    const delivered = await waitFor(
      'the file in bob’s history',
      async () => {
        const h = await back.history();
        return h.length > 0 ? h : undefined;
      },
      timeoutMs,
      100,
    );
    assert.equal(delivered.length, 1);
    assert.deepEqual(delivered[0].body, file);
    // Nothing more is waiting: further polling rounds deliver no second copy.
    const polls = back.stats.polls + 20;
    await waitFor('more polls', () => back.stats.polls >= polls);
    assert.equal((await back.history()).length, 1);
    assert.equal(back.stats.delivered, 1);
  } finally {
    clearInterval(debug);
    await alice.close();
    await bob?.close();
  }
}

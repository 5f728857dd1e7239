import assert from 'node:assert/strict';
import { join } from 'node:path';
import { VirtualClock, ksCriticalValue, ksTwoSample, seededRng } from '@strata/core/sched/index';
import { Client, type DeliveredMessage } from '../src/client.js';
import { clientCommand, type CliIo } from '../src/cli.js';
import { SecureStore } from '../src/secure-store.js';
import { decodeAddress, encodeAddress } from '../src/address.js';
import { generateIdentity } from '../src/identity.js';
import { nodeIdOfIdentityKey } from '../src/provider-http.js';
import { TEST_SCRYPT, makeTempDir, seededBytes } from './helpers.js';
import { TestNetwork } from './test-network.js';
import { finalState, waitFor } from './client-waits.js';

function nextMessage(c: Client): Promise<DeliveredMessage> {
  return new Promise((resolve) => c.once('message', resolve));
}

describe('Client (real authority, real provider binary, real mix processes)', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let net: TestNetwork;
  let alice: Client;
  let bob: Client;
  // Short retransmission timeouts (the network's μ is only learnt at the first consensus).
  const retry = { meanHopDelayMs: 50, constantMs: 300, backoff: 1.2, maxAttempts: 12 };
  const opts = (name: string) => ({ dataDir: join(tmp.dir, name), passphrase: `pass-${name}`, scrypt: TEST_SCRYPT, pollIntervalMs: 100, retry });

  before(async () => {
    tmp = makeTempDir();
    net = await TestNetwork.start(tmp.dir, { mixes: 4 });
    await net.waitForConsensus();
    // What an address names: BLAKE2b-256 of the provider identity key.
    const providerNodeId = nodeIdOfIdentityKey(net.provider.identityKey);
    [alice, bob] = await Promise.all([
      Client.bootstrap(net.provider.url, { ...opts('alice'), providerNodeId }),
      Client.bootstrap(net.provider.url, { ...opts('bob'), providerNodeId }),
    ]);
    if (process.env.STRATA_DEBUG) for (const c of [alice, bob]) c.on('warning', (e) => console.log('warning', e.name, e.message));
  });

  after(async () => {
    if (process.env.STRATA_DEBUG) console.log(alice?.stats, bob?.stats);
    await alice?.close();
    await bob?.close();
    await net?.stop();
    tmp?.remove();
  });

  it('bootstraps: verified well-known and consensus, aliases registered, link to the provider up', async () => {
    await waitFor('both links', () => alice.connected && bob.connected);
    assert.ok(alice.sending && bob.sending);
    // The send rates are the consensus's (TEST_NETWORK_PARAMS), not built-in defaults.
    assert.deepEqual(alice.sendRates, { lambdaPPerS: 12, lambdaLPerS: 2, lambdaDPerS: 2 });
    const addr = decodeAddress(alice.address);
    assert.equal(addr.provider.url, net.provider.url);
  });

  it('sends cover traffic from the start: every packet on the link has the Sphinx packet size', async () => {
    const sizes = new Set<number>();
    let seen = 0;
    alice.on('wire', (w) => {
      sizes.add(w.bytes);
      seen++;
    });
    // Mixes may already have counted earlier packets: wait for ten more, and ten of alice's own.
    const before = await net.mixPacketsIn();
    const end = Date.now() + 20_000;
    while ((await net.mixPacketsIn()) < before + 10 || seen < 10) {
      if (Date.now() > end) throw new Error('timed out waiting for cover packets at the mixes');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual([...sizes], [3082]);
    await waitFor('a loop back at its sender', () => alice.stats.loopsReturned > 0 || undefined);
  });

  it('delivers a text message between contacts and reports it stored at the recipient provider', async () => {
    const bobAtAlice = await alice.contacts.add(bob.address, 'bob');
    await bob.contacts.add(alice.address, 'alice');
    const got = nextMessage(bob);
    const id = await alice.send(bobAtAlice.id, 'hello bob');
    assert.equal(alice.status(id)?.state, 'queued');
    const m = await got;
    assert.equal(new TextDecoder().decode(m.body), 'hello bob');
    assert.equal(bob.contacts.get(m.from)?.name, 'alice');
    const s = await finalState(alice, id);
    assert.equal(s.state, 'stored');
  });

  it('polls its contact and request aliases anonymously through the mixes, and receives that way', async () => {
    const dave = await Client.bootstrap(net.provider.url, { ...opts('dave'), poll: 'anonymous' });
    try {
      await dave.contacts.add(bob.address, 'bob');
      const daveAtBob = await bob.contacts.add(dave.address, 'dave');
      const got = nextMessage(dave);
      const id = await bob.send(daveAtBob.id, 'hello dave, by anonymous poll');
      const m = await got;
      assert.equal(new TextDecoder().decode(m.body), 'hello dave, by anonymous poll');
      assert.equal((await finalState(bob, id)).state, 'stored');
      assert.ok(dave.stats.sent.poll > 0, 'polls left as Sphinx packets');
      assert.ok(dave.stats.anonymousPollReplies > 0, 'answers came back by SURB and decrypted');
      assert.equal(dave.stats.dropped.bad_poll_reply ?? 0, 0);
      // The entry is acknowledged by a later anonymous poll: no second delivery.
      const replies = dave.stats.anonymousPollReplies + 6;
      await waitFor('more anonymous poll answers', () => dave.stats.anonymousPollReplies >= replies);
      assert.equal(dave.stats.delivered, 1);
    } finally {
      await dave.close();
    }
  });

  it('links a second device with a one-time link code; both devices then receive every message', async () => {
    const code = await alice.createLinkCode();
    assert.match(code, /^strata-link1-[0-9a-f]{64}$/);
    const alice2 = await Client.link(net.provider.url, code, { ...opts('alice2'), linkTimeoutMs: 30_000 });
    try {
      assert.equal(alice2.address, alice.address);
      assert.deepEqual(alice2.contacts.list().map((c) => [c.id, c.name, c.verified]).sort(), alice.contacts.list().map((c) => [c.id, c.name, c.verified]).sort());
      const aliceAtBob = bob.contacts.list().find((c) => c.name === 'alice')!;
      const [at1, at2] = [nextMessage(alice), nextMessage(alice2)];
      await bob.send(aliceAtBob.id, 'to every device');
      const [m1, m2] = await Promise.all([at1, at2]);
      assert.equal(new TextDecoder().decode(m1.body), 'to every device');
      assert.equal(new TextDecoder().decode(m2.body), 'to every device');
      assert.equal(m2.from, m1.from);
      // One time: the bundle was acknowledged (removed), so the code yields nothing more.
      await assert.rejects(Client.link(net.provider.url, code, { ...opts('alice3'), linkTimeoutMs: 1500 }), { name: 'ClientError', reason: 'link-timeout' });
      await assert.rejects(Client.link(net.provider.url, `strata-link1-${'00'.repeat(32)}`, opts('alice4')), { name: 'ClientError', reason: 'bad-link-code' });
      await assert.rejects(Client.link(net.provider.url, 'strata-link1-xyz', opts('alice5')), { name: 'ClientError', reason: 'bad-link-code' });
    } finally {
      await alice2.close();
    }
  });

  it('fragments a 64 KiB file, reassembles it and delivers it exactly once', async () => {
    const aliceAtBob = bob.contacts.list().find((c) => c.name === 'alice')!;
    const file = seededBytes(64 * 1024, 11);
    const seen: DeliveredMessage[] = [];
    const onMessage = (m: DeliveredMessage): void => void seen.push(m);
    alice.on('message', onMessage);
    const id = await bob.send(aliceAtBob.id, file);
    assert.ok((bob.status(id)?.fragments ?? 0) > 30);
    const s = await finalState(bob, id);
    assert.equal(s.state, 'stored');
    await waitFor('the file at alice', () => seen.length > 0);
    // Every fragment is stored; poll a few more rounds to see no second delivery.
    const rounds = alice.stats.polls + 20;
    await waitFor('more polls', () => alice.stats.polls >= rounds);
    alice.off('message', onMessage);
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0].body, file);
  });

  it('resends fragments lost to a killed mix and delivers the message exactly once when it is back', async () => {
    // Four mixes in three layers: one layer has two. Kill one of those two (SIGKILL, no goodbye):
    // every path through it loses its packet (forward or SURB-ACK), so fragments time out and are
    // resent on fresh paths; once it is back, every fragment gets through and is acknowledged.
    const layers = net.mixes.map((m) => net.layerOf(m));
    const victim = net.mixes.find((m, i) => layers.filter((l) => l === layers[i]).length === 2)!;
    const aliceAtBob = bob.contacts.list().find((c) => c.name === 'alice')!;
    const body = seededBytes(16 * 1024, 21);
    const seen: DeliveredMessage[] = [];
    const onMessage = (m: DeliveredMessage): void => void seen.push(m);
    alice.on('message', onMessage);
    victim.kill();
    try {
      await waitFor('the mix to exit', () => !victim.alive);
      const sentBefore = bob.stats.sent.real;
      const id = await bob.send(aliceAtBob.id, body);
      const fragments = bob.status(id)!.fragments;
      await waitFor('a fragment resent', () => bob.stats.sent.real - sentBefore > fragments);
      // Back up with the same data dir (keys) and port.
      victim.start();
      await victim.waitLine('learned our mix layer', 60_000);
      const s = await finalState(bob, id);
      assert.equal(s.state, 'stored');
      await waitFor('the message at alice', () => seen.length > 0);
      const rounds = alice.stats.polls + 20;
      await waitFor('more polls', () => alice.stats.polls >= rounds);
      assert.equal(seen.length, 1);
      assert.deepEqual(seen[0].body, body);
    } finally {
      alice.off('message', onMessage);
      if (!victim.alive) {
        victim.start();
        await victim.waitLine('learned our mix layer', 60_000);
      }
    }
  });

  it('reassembles a multi-fragment message from a sender who is not a contact into one request, never shown', async () => {
    const carol = await Client.bootstrap(net.provider.url, opts('carol'));
    try {
      const bobAtCarol = await carol.contacts.add(bob.address, 'bob');
      const shown: DeliveredMessage[] = [];
      const onMessage = (m: DeliveredMessage): void => void shown.push(m);
      bob.on('message', onMessage);
      const request = new Promise((resolve) => bob.once('request', resolve));
      const body = seededBytes(6 * 1024, 31);
      const id = await carol.send(bobAtCarol.id, body);
      assert.ok(carol.status(id)!.fragments >= 4);
      await request;
      bob.off('message', onMessage);
      assert.equal(shown.length, 0);
      const queued = bob.contacts.listRequests();
      assert.equal(queued.length, 1);
      assert.deepEqual(queued[0].senderEd25519PublicKey, carol.identity.ed25519PublicKey);
      assert.deepEqual(queued[0].body, body);
    } finally {
      await carol.close();
    }
  });

  it('puts a statistically identical stream on the wire with and without real traffic (two-sample KS, injected clock)', async () => {
    const SAMPLES = 300;
    const run = async (name: string, seed: number, traffic: boolean): Promise<{ gaps: number[]; sizes: Set<number> }> => {
      const clock = new VirtualClock(0);
      const c = await Client.bootstrap(net.provider.url, { ...opts(name), clock, rng: seededRng(seed) });
      try {
        await waitFor('the link', () => c.connected);
        if (traffic) {
          // A contact on the offline provider: the last mix drops its packets (no side effects here).
          const far = generateIdentity();
          const address = encodeAddress({ ...far, provider: { url: 'https://127.0.0.1:30011', nodeId: net.otherProviderNodeId } });
          const peer = await c.contacts.add(address, 'far');
          await c.send(peer.id, seededBytes(400_000, seed)); // > 200 fragments: every λP tick in the window is real
        }
        const times: number[] = [];
        const sizes = new Set<number>();
        c.on('wire', (w) => {
          times.push(w.atMs);
          sizes.add(w.bytes);
        });
        for (let t = 250; times.length <= SAMPLES; t += 250) {
          clock.runUntil(t);
          await waitFor('the tick packets', () => c.stats.ticksDone === c.stats.ticks, 20_000, 1);
        }
        if (traffic) assert.ok(c.stats.sent.real > SAMPLES / 2, 'most packets carried real fragments');
        else assert.equal(c.stats.sent.real, 0);
        times.sort((a, b) => a - b);
        return { gaps: times.slice(1, SAMPLES + 1).map((x, i) => x - times[i]), sizes };
      } finally {
        await c.close();
      }
    };
    const idle = await run('wire-idle', 7, false);
    const busy = await run('wire-busy', 8, true);
    const d = ksTwoSample(idle.gaps, busy.gaps);
    assert.ok(d < ksCriticalValue(0.01, SAMPLES, SAMPLES), `KS D = ${d.toFixed(3)}`);
    assert.deepEqual([...idle.sizes], [3082]);
    assert.deepEqual([...busy.sizes], [3082]);
  });

  describe('strata client (CLI)', () => {
    const lines: string[] = [];
    const io: CliIo = { out: (l) => void lines.push(l), err: () => undefined, passphrase: async () => 'cli-pass', interrupted: async () => undefined };
    const cli = (...args: string[]) => clientCommand(io, { scrypt: TEST_SCRYPT, pollIntervalMs: 100, retry }).parseAsync(args, { from: 'user' });
    const last = () => JSON.parse(lines.at(-1)!) as Record<string, unknown>;

    it('init registers with the provider and prints the address; address prints the same one', async () => {
      const dir = join(tmp.dir, 'cli');
      await cli('init', '--provider', net.provider.url, '--dir', dir, '--json');
      const init = last();
      assert.match(String(init.address), /^strata1/);
      assert.equal(typeof init.consensusEpoch, 'number');
      await cli('address', '--dir', dir, '--json');
      assert.equal(last().address, init.address);
    });

    it('adds, lists and verifies a contact, flagging a wrong safety number', async () => {
      const dir = join(tmp.dir, 'cli');
      await cli('contacts', 'add', bob.address, '--name', 'bob', '--dir', dir, '--json');
      const id = String(last().id);
      await cli('contacts', 'list', '--dir', dir, '--json');
      assert.deepEqual([last().name, last().trust], ['bob', 'unverified']);
      await cli('contacts', 'verify', id, '--dir', dir, '--json');
      const safety = String(last().safetyNumber);
      await cli('contacts', 'verify', id, '00000 00000', '--dir', dir, '--json');
      assert.equal(last().verified, false);
      process.exitCode = undefined;
      await cli('contacts', 'verify', id, safety, '--dir', dir, '--json');
      assert.equal(last().verified, true);
    });

    it('sends a text, waits for the receipt, and reports it with status', async () => {
      const dir = join(tmp.dir, 'cli');
      await cli('send', '--to', bob.address, 'hi from the cli', '--dir', dir, '--json');
      const sent = last();
      assert.equal(sent.state, 'stored');
      await cli('status', String(sent.id), '--dir', dir, '--json');
      assert.equal(last().state, 'stored');
    });

    it('link-code prints a one-time code; link joins the account from a new directory', async () => {
      const dir = join(tmp.dir, 'cli');
      await cli('address', '--dir', dir, '--json');
      const address = String(last().address);
      await cli('link-code', '--dir', dir, '--json');
      const code = String(last().code);
      assert.match(code, /^strata-link1-/);
      await cli('link', '--provider', net.provider.url, '--code', code, '--dir', join(tmp.dir, 'cli-2'), '--timeout', '30000', '--json');
      assert.deepEqual(last(), { address, contacts: 1 });
    });

    it('recv prints what arrived since the last recv, once', async () => {
      const dir = join(tmp.dir, 'cli');
      const cliAddress = (await (async () => {
        await cli('address', '--dir', dir, '--json');
        return String(last().address);
      })());
      const peer = await bob.contacts.add(cliAddress, 'cli');
      const id = await bob.send(peer.id, 'hello cli');
      await finalState(bob, id);
      await cli('recv', '--dir', dir, '--json');
      const got = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((j) => j.event === 'message');
      assert.deepEqual(got.map((j) => j.text), ['hello cli']);
      const before = lines.length;
      await cli('recv', '--dir', dir, '--json');
      assert.equal(lines.slice(before).filter((l) => l.includes('"message"')).length, 0);
    });
  });

  it('refuses to reopen a data dir with the wrong passphrase', async () => {
    await assert.rejects(Client.open(join(tmp.dir, 'alice'), 'not the passphrase', { network: false }), { name: 'WrongPassphraseError' });
  });

  it('keeps the outbox across a restart', async () => {
    const sent = alice.outbox.list().filter((s) => s.state === 'stored');
    assert.ok(sent.length > 0);
    await alice.close();
    alice = await Client.open(join(tmp.dir, 'alice'), 'pass-alice', { scrypt: TEST_SCRYPT, pollIntervalMs: 100, retry });
    for (const s of sent) assert.equal(alice.status(s.id)?.state, 'stored');
  });
});

describe('Client.open', () => {
  it('refuses a data dir that was never bootstrapped, by reason', async () => {
    const tmp = makeTempDir();
    try {
      const store = await SecureStore.open({ dir: tmp.dir, passphrase: 'p', scrypt: TEST_SCRYPT });
      await store.close();
      await assert.rejects(Client.open(tmp.dir, 'p', { network: false }), { name: 'ClientError', reason: 'not-bootstrapped' });
    } finally {
      tmp.remove();
    }
  });

  it('refuses a missing data dir', async () => {
    const tmp = makeTempDir();
    try {
      await assert.rejects(Client.open(join(tmp.dir, 'none'), 'p', { network: false }), { name: 'SecureStoreError', reason: 'missing' });
    } finally {
      tmp.remove();
    }
  });
});

// System test: messages through a whole testnet of real processes (3 authorities, 3 layers × 2
// mixes, 2 providers) between real @strata/client-lib Clients in this process, with faults:
// a forged consensus, an offline recipient, an epoch rotation during traffic, kill -9 of a provider
// after its receipts were sent, kill -9 of a mix mid-run. Waits on conditions only; every process
// is cleaned up.
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Client, SecureStore, type DeliveredMessage } from '@strata/client-lib';
import { decodeSignedConsensusJson, Ed25519Signer, encodeSignedConsensusJson, fromHex, signConsensus, verifyConsensus } from '@strata/core';
import { DEMO_PASSPHRASE, DEMO_SCRYPT, isOurDaemon, parsePrometheusText, readManifest, startNode, sumSamples, type Manifest } from '@strata/cli';
import { SystemHarness, waitFor } from './harness.js';

const EPOCH_MS = 5000;

describe('message delivery through a testnet (system)', function () {
  this.timeout(120_000);
  const h = new SystemHarness();
  const open = new Set<Client>();
  let dir: string;
  let m: Manifest;

  /** A new client homed at provider `p`, polling often. */
  async function newClient(name: string, p: number): Promise<{ client: Client; dataDir: string; inbox: DeliveredMessage[] }> {
    const dataDir = h.tempDir(name);
    const client = await Client.bootstrap(m.providers[p].apiUrl, { dataDir, passphrase: DEMO_PASSPHRASE, scrypt: DEMO_SCRYPT, pollIntervalMs: 300 });
    open.add(client);
    const inbox: DeliveredMessage[] = [];
    client.on('message', (msg) => inbox.push(msg));
    return { client, dataDir, inbox };
  }

  async function reopen(dataDir: string): Promise<{ client: Client; inbox: DeliveredMessage[] }> {
    const client = await Client.open(dataDir, DEMO_PASSPHRASE, { pollIntervalMs: 300 });
    open.add(client);
    const inbox: DeliveredMessage[] = [];
    client.on('message', (msg) => inbox.push(msg));
    return { client, inbox };
  }

  async function close(c: Client): Promise<void> {
    open.delete(c);
    await c.close();
  }

  /** Each holds the other as a contact; returns the contact id of b in a's book and of a in b's. */
  async function introduce(a: Client, b: Client): Promise<{ bInA: string; aInB: string }> {
    const bInA = (await a.contacts.add(b.address, 'b')).id;
    const aInB = (await b.contacts.add(a.address, 'a')).id;
    await a.registerAliases();
    await b.registerAliases();
    return { bInA, aInB };
  }

  const texts = (inbox: readonly DeliveredMessage[]): string[] => inbox.map((x) => Buffer.from(x.body).toString('utf8')).sort();

  async function waitStored(c: Client, ids: readonly string[], what: string, timeoutMs = 60_000): Promise<void> {
    await waitFor(what, () => ids.every((id) => c.status(id)?.state === 'stored'), { timeoutMs, intervalMs: 100 });
  }

  before(async function () {
    this.timeout(150_000);
    const base = h.tempDir('delivery');
    dir = join(base, 'net');
    h.ownTestnet(dir);
    const configFile = h.writeJson(base, 'testnet.json', { mode: 'fast', epoch: { lengthMs: EPOCH_MS }, clients: 0, wait: 'consensus', logLevel: 'warn' });
    const r = await h.strataDone(['testnet', 'up', '--dir', dir, '--config', configFile]);
    assert.equal(r.code, 0, `up failed:\n${r.stdout}\n${r.stderr}`);
    m = readManifest(dir);
  });

  after(async () => {
    await Promise.all([...open].map((c) => c.close().catch(() => undefined)));
    await h.cleanup();
  });

  it('refuses to send when the authorities it reaches serve a forged consensus', async () => {
    const a = await newClient('forged', 0);
    await waitFor('the client to send under the real consensus', () => a.client.sending, { timeoutMs: 30_000 });
    await close(a.client);
    // A man in the middle answers for every authority: the real document with one bit flipped,
    // carrying the real signatures (now invalid) and signatures by keys of its own (untrusted).
    const forgers = [1, 2, 3].map((i) => new Ed25519Signer(new Uint8Array(32).fill(i)));
    const forgedDocs: unknown[] = [];
    const server: Server = createServer((req, res) => {
      const epoch = /^\/v1\/consensus\/(\d+)$/.exec(req.url ?? '')?.[1];
      void (async () => {
        const real = epoch === undefined ? undefined : await fetch(`${m.authorities[0].url}/v1/consensus/${epoch}`);
        if (real === undefined || real.status !== 200) {
          res.writeHead(real?.status ?? 404).end();
          return;
        }
        const doc = decodeSignedConsensusJson(await real.json());
        const bytes = Uint8Array.from(doc.bytes);
        bytes[bytes.length - 40] ^= 0x01;
        const forged = encodeSignedConsensusJson(doc.epoch, bytes, [...doc.signatures, ...forgers.map((f) => signConsensus(bytes, f))]);
        forgedDocs.push(forged);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(forged));
      })().catch(() => res.writeHead(500).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const forgerUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const store = await SecureStore.open({ dir: a.dataDir, passphrase: DEMO_PASSPHRASE, mustExist: true });
      const settings = store.table('settings').getJson<{ authorities: { url: string; identityKey: string }[] }>('client')!;
      assert.ok(settings.authorities.length === 3, 'the client stores the three authorities');
      await store.table('settings').putJson('client', { ...settings, authorities: settings.authorities.map((x) => ({ ...x, url: forgerUrl })) });
      await store.close();

      const back = await reopen(a.dataDir);
      await waitFor('the client to fetch the forged document twice (first try and a retry)', () => forgedDocs.length >= 2, { timeoutMs: 30_000 });
      const keys = m.authorities.map((x) => fromHex(x.identityKey, 32));
      assert.throws(() => verifyConsensus(forgedDocs[0], keys, m.threshold), { name: 'ConsensusError' });
      assert.equal(back.client.sending, false, 'no send stream runs without a verified consensus');
      const contact = await back.client.contacts.add((await newClient('forged-peer', 1)).client.address, 'peer');
      const id = await back.client.send(contact.id, 'must not leave');
      assert.equal(back.client.status(id)?.state, 'queued');
      const st = back.client.stats;
      assert.equal(st.sent.real + st.sent.drop + st.sent.loop, 0, 'not one packet went out');
      await close(back.client);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('delivers messages end to end between clients of different providers, each acknowledged as stored', async () => {
    const a = await newClient('a1', 0);
    const b = await newClient('b1', 1);
    const { bInA, aInB } = await introduce(a.client, b.client);
    const ids = [await a.client.send(bInA, 'hello b'), await b.client.send(aInB, 'hello a')];
    await waitFor('both messages to be delivered', () => a.inbox.length >= 1 && b.inbox.length >= 1, { timeoutMs: 60_000 });
    assert.deepEqual(texts(b.inbox), ['hello b']);
    assert.deepEqual(texts(a.inbox), ['hello a']);
    await waitStored(a.client, [ids[0]], 'a’s message to be acknowledged');
    await waitStored(b.client, [ids[1]], 'b’s message to be acknowledged');
    await close(a.client);
    await close(b.client);
  });

  it('has every mix send its own loops through the other layers and get them back', async () => {
    const mixes = m.nodes.filter((n) => n.role === 'mix');
    const returned = async (metricsUrl: string): Promise<number> =>
      sumSamples(parsePrometheusText(await (await fetch(metricsUrl)).text()), 'strata_mix_loops_returned_total');
    for (const mix of mixes) {
      await waitFor(`${mix.name} to get one of its loops back`, async () => (await returned(mix.metricsUrl)) >= 1, { timeoutMs: 30_000, intervalMs: 200 });
    }
  });

  it('keeps messages for an offline recipient and delivers them when it comes back', async () => {
    const a = await newClient('a2', 0);
    const b = await newClient('b2', 1);
    const { bInA } = await introduce(a.client, b.client);
    await close(b.client); // b goes offline
    const ids = [await a.client.send(bInA, 'while you were away 1'), await a.client.send(bInA, 'while you were away 2')];
    await waitStored(a.client, ids, 'the recipient’s provider to store both messages');
    const back = await reopen(b.dataDir);
    await waitFor('the returning recipient to receive both messages', () => back.inbox.length >= 2, { timeoutMs: 60_000 });
    assert.deepEqual(texts(back.inbox), ['while you were away 1', 'while you were away 2']);
    await close(a.client);
    await close(back.client);
  });

  it('loses nothing across an epoch rotation during traffic', async function () {
    this.timeout(150_000);
    const a = await newClient('a3', 0);
    const b = await newClient('b3', 1);
    const { bInA } = await introduce(a.client, b.client);
    const startEpoch = readManifest(dir).epoch;
    const epochNow = (): number => Math.floor((Date.now() - startEpoch.genesisMs) / startEpoch.lengthMs);
    const first = epochNow();
    const ids: string[] = [];
    // Send until two epoch boundaries have passed (the packets in flight cross the key rotation).
    await waitFor(
      'two epoch boundaries while sending',
      async () => {
        ids.push(await a.client.send(bInA, `rotation ${ids.length}`));
        return epochNow() >= first + 2;
      },
      { timeoutMs: 4 * EPOCH_MS, intervalMs: Math.floor(EPOCH_MS / 4) },
    );
    await waitFor(`all ${ids.length} messages to be delivered`, () => b.inbox.length >= ids.length, { timeoutMs: 90_000 }).catch((err: Error) => {
      const states = ids.map((id) => a.client.status(id)?.state).join(',');
      throw new Error(`${err.message}; delivered ${b.inbox.length}/${ids.length}; sender states ${states}; sender stats ${JSON.stringify(a.client.stats)}`);
    });
    assert.deepEqual(texts(b.inbox), ids.map((_, i) => `rotation ${i}`).sort());
    await waitStored(a.client, ids, 'every message to be acknowledged');
    await close(a.client);
    await close(b.client);
  });

  it('loses nothing when the recipient’s provider is killed with SIGKILL after its receipts were sent', async () => {
    const a = await newClient('a4', 0);
    const b = await newClient('b4', 1);
    const { bInA } = await introduce(a.client, b.client);
    await close(b.client);
    const ids = [await a.client.send(bInA, 'durable 1'), await a.client.send(bInA, 'durable 2'), await a.client.send(bInA, 'durable 3')];
    await waitStored(a.client, ids, 'provider-1 to acknowledge the three messages');
    const p1 = readManifest(dir).nodes.find((n) => n.name === 'provider-1')!;
    process.kill(p1.pid!, 'SIGKILL');
    await waitFor('provider-1 to die', () => !isOurDaemon(p1.pid!, p1.configFile), { timeoutMs: 10_000 });
    await startNode(dir, 'provider-1');
    const back = await reopen(b.dataDir);
    await waitFor('the three messages to reach the recipient after the crash', () => back.inbox.length >= 3, { timeoutMs: 60_000 });
    assert.deepEqual(texts(back.inbox), ['durable 1', 'durable 2', 'durable 3']);
    await close(a.client);
    await close(back.client);
  });

  it('delivers everything by retransmission when a mix is killed with SIGKILL mid-run', async () => {
    const a = await newClient('a5', 0);
    const b = await newClient('b5', 1);
    const { bInA } = await introduce(a.client, b.client);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await a.client.send(bInA, `through a failing mix ${i}`));
    const mix = readManifest(dir).nodes.find((n) => n.name === 'mix-2')!;
    process.kill(mix.pid!, 'SIGKILL');
    await waitFor('mix-2 to die', () => !isOurDaemon(mix.pid!, mix.configFile), { timeoutMs: 10_000 });
    for (let i = 3; i < 6; i++) ids.push(await a.client.send(bInA, `through a failing mix ${i}`));
    await waitFor('all six messages to be delivered', () => b.inbox.length >= 6, { timeoutMs: 100_000 });
    assert.deepEqual(texts(b.inbox), ids.map((_, i) => `through a failing mix ${i}`).sort());
    await waitStored(a.client, ids, 'every message to be acknowledged');
    await close(a.client);
    await close(b.client);
  });
});

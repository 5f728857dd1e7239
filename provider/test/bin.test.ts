import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createPacket, createSurb } from 'sphinx-packet-ts';
import { sphinxKeyFor } from '@strata/core/descriptor';
import { dialLink } from '@strata/core/link/dial';
import { AuthorityFixture } from '../../core/test/node/authority-fixture.js';
import { waitFor } from '../../core/test/node/manual-timers.js';
import { ackRequest, pollRequest, registerAliasRequest, registerDeviceRequest } from '../src/client-requests.js';
import { encodeForwardPayload, SURB_ID_BYTES } from '../src/forward-payload.js';
import { EPOCH_MS, epochNow, frameBytes, g, StandInMix } from './mixnet-fixture.js';
import { decodePollResponse } from '../src/poll-response.js';
import { generateEd25519KeyPair } from '../src/request-signing.js';
import { SELF_SIGNED_CERT_FILE } from '../src/tls.js';
import { aliasId, httpsRequest, payloadFor, tempDir } from './helpers.js';

const BIN = resolve(fileURLToPath(import.meta.url), '../../src/bin.ts');
const BYTES = g.userForwardPayloadLength;
const ENTRIES = 50;
const MESSAGES = 200;

interface Running {
  readonly child: ChildProcess;
  readonly apiPort: number;
  readonly adminPort: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start the provider binary as a real child process and wait until both listeners (and `alsoWait`) are up. */
function startProvider(configFile: string, alsoWait?: string): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=strata-source', BIN, '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((res, rej) => {
    let apiPort = 0;
    let adminPort = 0;
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let rec: { msg?: string; port?: number };
      try {
        rec = JSON.parse(line);
      } catch {
        return;
      }
      if (rec.msg === 'api listening') apiPort = rec.port!;
      if (rec.msg === 'admin listening') adminPort = rec.port!;
      if (rec.msg === alsoWait) alsoWait = undefined;
      if (apiPort && adminPort && alsoWait === undefined) res({ child, apiPort, adminPort, exited });
    });
    void exited.then(({ code, signal }) => rej(new Error(`provider exited early (${code ?? signal}): ${stderr}`)));
  });
}

describe('provider binary', () => {
  let dir: ReturnType<typeof tempDir>;
  let configFile: string;
  let running: Running | undefined;

  // This process plays the directory and the three mix layers around the provider process.
  let authority: AuthorityFixture;
  const mixes = [new StandInMix(0x31), new StandInMix(0x32), new StandInMix(0x33)];
  const layer = (n: number): StandInMix => {
    const id = Buffer.from(authority.document(epochNow())!.consensus.layers[n - 1][0].descriptor.nodeId);
    return mixes.find((m) => id.equals(m.nodeId))!;
  };

  beforeEach(async () => {
    dir = tempDir();
    for (const m of mixes) await m.listen();
    authority = new AuthorityFixture({
      geometry: g,
      params: { muPerSecond: 100, lambdaPPerSecond: 1, lambdaLPerSecond: 1, lambdaDPerSecond: 1, lambdaMPerSecond: 1, maxDelayMs: 10_000 },
      mixCount: 0,
      providerCount: 1,
      layers: 3,
      extra: (epoch) => mixes.map((m) => m.descriptor(epoch)),
    });
    await authority.start();
    configFile = join(dir.path, 'provider.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        dataDir: join(dir.path, 'data'),
        api: { host: '127.0.0.1', port: 0 },
        admin: { port: 0 },
        dropbox: { messageBytes: BYTES, pollEntries: ENTRIES },
        mixnet: {
          listen: { host: '127.0.0.1', port: 0 },
          directory: { authorities: [{ url: authority.url, identityKey: Buffer.from(authority.signer.publicKey).toString('hex') }], pollIntervalMs: 200 },
          epoch: { lengthMs: EPOCH_MS, genesisMs: 0, graceMs: 60_000 },
          workers: { count: 1 },
        },
      }),
    );
  });
  afterEach(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
    for (const m of mixes) await m.close();
    await authority.stop();
    dir.remove();
  });

  it('keeps every message whose receipt was sent when killed with SIGKILL', async function () {
    this.timeout(60_000);
    running = await startProvider(configFile, 'provider in the consensus');
    const ca = readFileSync(join(dir.path, 'data', SELF_SIGNED_CERT_FILE));
    const account = generateEd25519KeyPair();
    const device = generateEd25519KeyPair();
    const aliasKey = generateEd25519KeyPair();
    const alias = aliasId(5);
    assert.equal((await httpsRequest(running.apiPort, ca, 'POST', '/v1/devices', registerDeviceRequest(account, device))).status, 201);
    assert.equal((await httpsRequest(running.apiPort, ca, 'POST', '/v1/aliases', registerAliasRequest(alias, aliasKey, account))).status, 201);

    // Real Sphinx packets from the last mix layer, each carrying a SURB-ACK to layer 1 (payload.md §3).
    const provider = authority.document(epochNow())!.consensus.providers[0].descriptor;
    const l1 = layer(1);
    const l3 = layer(3);
    const link = await dialLink({ host: '127.0.0.1', port: Number(provider.linkAddresses[0].split(':')[2]), staticKey: l3.link, expectedPeerKey: provider.linkKey, frameBytes });
    const hop = { id: provider.nodeId, publicKey: sphinxKeyFor(provider, epochNow())!, commands: [{ type: 'recipient' as const, id: alias }] };
    const surbIds = new Set<string>();
    for (let i = 0; i < MESSAGES; i++) {
      const surbId = randomBytes(SURB_ID_BYTES);
      surbIds.add(surbId.toString('hex'));
      const ackHop = { id: l1.nodeId, publicKey: l1.sphinxOf(epochNow()).publicKey, commands: [{ type: 'recipient' as const, id: randomBytes(32) }, { type: 'surbReply' as const, id: surbId }] };
      const surb = createSurb(g, [ackHop]);
      await link.send({ kind: 'SendPacket', packet: createPacket(g, [hop], encodeForwardPayload(surb.surb, payloadFor(i, BYTES), g.surbLength)) });
    }
    // Every receipt came back to layer 1: each message was durable before its ACK left.
    await waitFor(() => l1.received.filter((r) => r.surbId && surbIds.has(Buffer.from(r.surbId).toString('hex'))).length === MESSAGES, 30_000);
    link.close();
    running.child.kill('SIGKILL');
    assert.equal((await running.exited).signal, 'SIGKILL');

    running = await startProvider(configFile);
    const got: Buffer[] = [];
    for (;;) {
      // Timestamps must not predate the new process: sign after it is up.
      const res = await httpsRequest(running.apiPort, ca, 'POST', '/v1/poll', pollRequest(alias, aliasKey.privateKey, device.publicKey));
      assert.equal(res.status, 200);
      const decoded = decodePollResponse(res.body);
      got.push(...decoded.entries.map((e) => Buffer.from(e.payload)));
      const ack = await httpsRequest(running.apiPort, ca, 'POST', '/v1/ack', ackRequest(alias, aliasKey.privateKey, device.publicKey, decoded.entries.map((e) => e.id)));
      assert.equal(ack.status, 200);
      if (!decoded.more) break;
    }
    assert.equal(got.length, MESSAGES);
    assert.deepEqual(got, Array.from({ length: MESSAGES }, (_, i) => payloadFor(i, BYTES)));
  });

  it('stops cleanly on SIGTERM and reports a bad config with its path', async function () {
    this.timeout(30_000);
    running = await startProvider(configFile);
    running.child.kill('SIGTERM');
    assert.deepEqual(await running.exited, { code: 0, signal: null });

    writeFileSync(configFile, JSON.stringify({ dataDir: dir.path, dropbox: { ttlMs: -1 } }));
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=strata-source', BIN, '--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    assert.equal(code, 1);
    assert.match(stderr, /ProviderConfigError: provider\.dropbox\.ttlMs:/);
  });
});

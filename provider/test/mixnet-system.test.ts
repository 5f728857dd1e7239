// System test: this provider (in-process, real TLS/LMDB/links) and three real mix processes in one
// consensus. A message goes client → provider → L1 → L2 → L3 → provider (stored); then an anonymous
// poll goes the same way with a SURB, and its answer comes back L1 → L2 → L3 → provider into the
// poller's reply alias (payload.md §1, §4).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { toHex } from '@strata/core/bytes';
import type { Consensus } from '@strata/core/consensus';
import { sphinxKeyFor } from '@strata/core/descriptor';
import { dialLink } from '@strata/core/link/dial';
import { generateLinkKeyPair } from '@strata/core/link/x25519';
import { createPacket, createSurb, decryptSurbPayload, type PathHop } from 'sphinx-packet-ts';
import { AuthorityFixture } from '../../core/test/node/authority-fixture.js';
import { waitFor } from '../../core/test/node/manual-timers.js';
import { MixProcess } from '../../core/test/node/mix-process.js';
import { anonymousPollEntries, encodeAnonymousPoll } from '../src/anonymous-poll.js';
import { pollRequest, registerAliasRequest, registerDeviceRequest, registerSurbsRequest } from '../src/client-requests.js';
import { parseProviderConfig } from '../src/config.js';
import { encodeForwardPayload, joinSurbReplyEntries, POLL_SERVICE_ID, SURB_ID_BYTES } from '../src/forward-payload.js';
import { decodePollResponse, pollResponseBytes } from '../src/poll-response.js';
import { Provider } from '../src/provider.js';
import { generateEd25519KeyPair } from '../src/request-signing.js';
import { SELF_SIGNED_CERT_FILE } from '../src/tls.js';
import { aliasId, httpsRequest, payloadFor, tempDir } from './helpers.js';
import { EPOCH_MS, epochNow, frameBytes, g } from './mixnet-fixture.js';
import { freePort } from '@strata/core/free-port';


describe('provider with three real mix processes', function () {
  this.timeout(90_000);
  let dir: ReturnType<typeof tempDir>;
  let authority: AuthorityFixture;
  let provider: Provider;
  const mixes: MixProcess[] = [];

  before(async () => {
    dir = tempDir('strata-provider-system-');
    authority = new AuthorityFixture({
      geometry: g,
      params: { muPerSecond: 200, lambdaPPerSecond: 0, lambdaLPerSecond: 0, lambdaDPerSecond: 0, lambdaMPerSecond: 0.01, maxDelayMs: 5000 },
      mixCount: 3,
      providerCount: 1,
      extra: () => [],
    });
    await authority.start();
    const directory = { authorities: [{ url: authority.url, identityKey: toHex(authority.signer.publicKey) }], pollIntervalMs: 200 };
    for (let i = 0; i < 3; i++) {
      mkdirSync(join(dir.path, `cfg${i}`), { recursive: true });
      mixes.push(
        new MixProcess(join(dir.path, `cfg${i}`), {
          dataDir: join(dir.path, `mix${i}`),
          listen: { host: '127.0.0.1', port: await freePort() },
          metrics: { enabled: false, host: '127.0.0.1', port: 0 },
          directory,
          epoch: { lengthMs: EPOCH_MS, genesisMs: 0, graceMs: 60_000 },
          workers: { count: 1 },
          loops: { enabled: false, windowMs: 60_000, warnBelowRatio: 0 },
          log: { level: 'info' },
        }),
      );
    }
    for (const m of mixes) m.start();
    provider = await Provider.start(
      parseProviderConfig({
        dataDir: join(dir.path, 'provider'),
        api: { host: '127.0.0.1', port: 0 },
        admin: { enabled: false },
        dropbox: { messageBytes: g.userForwardPayloadLength, pollEntries: 4 },
        log: { level: 'silent' },
        mixnet: { listen: { host: '127.0.0.1', port: 0 }, directory, epoch: { lengthMs: EPOCH_MS, genesisMs: 0, graceMs: 60_000 }, workers: { count: 1 } },
      }),
      { logger: pino({ level: 'silent' }) },
    );
    await Promise.all(mixes.map((m) => m.waitLine('learned our mix layer', 60_000)));
    await waitFor(() => provider.mixnet!.topology !== undefined, 30_000);
  });

  after(async () => {
    await Promise.all(mixes.map((m) => m.stop().catch(() => m.kill())));
    await provider?.stop();
    await authority?.stop();
    dir?.remove();
  });

  it('stores a message sent through the three layers, then answers an anonymous poll for it through them', async () => {
    const e = epochNow();
    const c: Consensus = authority.document(e)!.consensus;
    const p = c.providers[0].descriptor;
    const ca = readFileSync(join(dir.path, 'provider', SELF_SIGNED_CERT_FILE));
    const api = (path: string, body: unknown) => httpsRequest(provider.apiPort, ca, 'POST', path, body);

    // The recipient (alias A) and the poller's reply alias (B) on this provider; the client's link key.
    const account = generateEd25519KeyPair();
    const device = generateEd25519KeyPair();
    const clientLink = generateLinkKeyPair();
    assert.equal((await api('/v1/devices', registerDeviceRequest(account, device, { linkKey: clientLink.publicKey }))).status, 201);
    const aliasA = aliasId(0xa);
    const aliasB = aliasId(0xb);
    const keyA = generateEd25519KeyPair();
    const keyB = generateEd25519KeyPair();
    assert.equal((await api('/v1/aliases', registerAliasRequest(aliasA, keyA, account))).status, 201);
    assert.equal((await api('/v1/aliases', registerAliasRequest(aliasB, keyB, account))).status, 201);

    const mixHop = (layer: number, commands: PathHop['commands']): PathHop => {
      const d = c.layers[layer - 1][0].descriptor;
      return { id: d.nodeId, publicKey: sphinxKeyFor(d, e)!, commands };
    };
    const providerHop = (commands: PathHop['commands']): PathHop => ({ id: p.nodeId, publicKey: sphinxKeyFor(p, e)!, commands });
    const delay = (ms: number) => [{ type: 'nodeDelay' as const, delayMs: ms }];
    const route = (last: PathHop['commands']) => [providerHop(delay(3)), mixHop(1, delay(3)), mixHop(2, delay(3)), mixHop(3, delay(3)), providerHop(last)];

    const link = await dialLink({ host: '127.0.0.1', port: Number(p.linkAddresses[0].split(':')[2]), staticKey: clientLink, expectedPeerKey: p.linkKey, frameBytes });
    // 1. A message to alias A through provider → L1 → L2 → L3 → provider.
    const message = payloadFor(7, g.userForwardPayloadLength);
    await link.send({ kind: 'SendPacket', packet: createPacket(g, route([{ type: 'recipient', id: aliasA }]), encodeForwardPayload(null, message, g.surbLength)) });
    await waitFor(() => provider.store.poll(aliasA, device.publicKey).entries.length === 1, 20_000);

    // 2. An anonymous poll of A; the answer comes back by SURB (L1 → L2 → L3 → provider) into B.
    const surbId = randomBytes(SURB_ID_BYTES);
    assert.equal((await api('/v1/surbs', registerSurbsRequest(aliasB, keyB.privateKey, [surbId], Date.now() + 600_000))).status, 200);
    const surb = createSurb(g, [mixHop(1, delay(2)), mixHop(2, delay(2)), mixHop(3, delay(2)), providerHop([{ type: 'recipient', id: aliasB }, { type: 'surbReply', id: surbId }])]);
    const body = encodeAnonymousPoll(aliasA, keyA.privateKey, device.publicKey, g.userForwardPayloadLength);
    await link.send({ kind: 'SendPacket', packet: createPacket(g, route([{ type: 'recipient', id: POLL_SERVICE_ID }]), encodeForwardPayload(surb.surb, body, g.surbLength)) });
    await waitFor(() => provider.surbs.lookup(surbId) === undefined, 20_000);
    link.close();

    // 3. The poller fetches B's dropbox (its own provider), joins the reply's parts and decrypts it.
    const res = await api('/v1/poll', pollRequest(aliasB, keyB.privateKey, device.publicKey));
    const parts = decodePollResponse(res.body).entries.map((x) => x.payload);
    const { reply } = joinSurbReplyEntries(parts, 32 + g.forwardPayloadLength);
    const plain = decryptSurbPayload(g, reply, surb.surbKeys);
    const answer = decodePollResponse(plain.subarray(0, pollResponseBytes(anonymousPollEntries(g.forwardPayloadLength, g.userForwardPayloadLength), g.userForwardPayloadLength)));
    assert.equal(answer.entries.length, 1);
    assert.deepEqual(Buffer.from(answer.entries[0].payload), message);
  });
});

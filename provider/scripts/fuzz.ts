// npm run fuzz -w @strata/provider [-- --seed S --max-seconds T --target provider_http,...]
// A real provider (real LMDB dropboxes in a temp dir, real TLS on a real port) under hostile
// HTTPS: malformed JSON, wrong types, huge bodies, broken framing, replayed and forged signed
// requests on every client route (provider_http); slow clients that trickle headers or a body
// while an honest client must still be served (provider_slowloris). Network targets run to their
// time box (default 60 s). In-process targets provider_inject_<route> drive every client route of
// the same real provider through fastify's app.inject() (the whole request pipeline without the
// socket and TLS: test/fuzz/inject.ts): 1,000,000 cases each; afterwards the provider must still
// answer an honest request and a guarded dropbox must still hold and serve its messages.
// Runner: test/fuzz/campaign.ts.
import { pino } from 'pino';
import { ackRequest, pollRequest, registerAliasRequest, registerDeviceRequest, registerSurbsRequest, removeDeviceRequest } from '../src/client-requests.js';
import { parseProviderConfig } from '../src/config.js';
import { Provider } from '../src/provider.js';
import { generateEd25519KeyPair } from '../src/request-signing.js';
import { decodePollResponse } from '../src/poll-response.js';
import { aliasId, payloadFor, tempDir } from '../test/helpers.js';
import { createRng, invariant, runFuzzMain, type FuzzTarget, type Rng } from '../../test/fuzz/campaign.js';
import { injectTargets, type InjectGroup } from '../../test/fuzz/inject.js';
import { describeReuse, encodeRequest, hostileRequestCase, KeepAliveConnection, rawExchange, slowClientsCase, type HttpEndpoint, type HttpRoute } from '../../test/fuzz/http.js';

/** How long a fresh-connection case waits for an answer (the keep-alive connection: 2 s). */
const CLIENT_TIMEOUT_MS = 400;

/** 503 is the provider's documented fail-closed answer (replay cache full). */
const ALLOWED_5XX = [503];

interface Ctx {
  dir: ReturnType<typeof tempDir>;
  provider: Provider;
  ep: HttpEndpoint;
  routes: HttpRoute[];
  /** The connection well-framed requests reuse (directory_http / provider_http). */
  keepAlive: KeepAliveConnection;
}

async function start(): Promise<Ctx> {
  const dir = tempDir('strata-fuzz-provider-');
  const config = parseProviderConfig({
    dataDir: dir.path,
    name: 'fuzz-provider',
    api: { host: '127.0.0.1', port: 0 },
    admin: { enabled: false }, // its default port may be taken (and it is not under test here)
    dropbox: { messageBytes: MESSAGE_BYTES, pollEntries: 4, aliasQuotaMessages: 20 },
    wellKnown: { authorities: [{ url: 'https://auth.example:7000', identityKey: 'AAAA' }], network: {} },
  });
  const provider = await Provider.start(config, { logger: pino({ level: 'silent' }) });
  const ep: HttpEndpoint = { host: '127.0.0.1', port: provider.apiPort, tls: true };
  const account = generateEd25519KeyPair();
  const device = generateEd25519KeyPair();
  const aliasKey = generateEd25519KeyPair();
  const alias = Buffer.alloc(32, 0xa5);
  const limit = config.api.bodyLimitBytes;
  // Valid, signed bodies: sent as is they may succeed once and then be refused as replays.
  const routes: HttpRoute[] = [
    { method: 'GET', path: '/.well-known/strata' },
    { method: 'POST', path: '/v1/devices', json: registerDeviceRequest(account, device), bodyLimit: limit },
    { method: 'POST', path: '/v1/devices/remove', json: removeDeviceRequest(account, device.publicKey), bodyLimit: limit },
    { method: 'POST', path: '/v1/aliases', json: registerAliasRequest(alias, aliasKey, account), bodyLimit: limit },
    { method: 'POST', path: '/v1/poll', json: pollRequest(alias, aliasKey.privateKey, device.publicKey), bodyLimit: limit },
    { method: 'POST', path: '/v1/ack', json: ackRequest(alias, aliasKey.privateKey, device.publicKey, [Buffer.alloc(8, 1)]), bodyLimit: limit },
    { method: 'POST', path: '/v1/surbs', json: registerSurbsRequest(alias, aliasKey.privateKey, [Buffer.alloc(16, 2)], Date.now() + 3_600_000), bodyLimit: limit },
  ];
  return { dir, provider, ep, routes, keepAlive: new KeepAliveConnection(ep, 2000) };
}

async function stop(c: Ctx): Promise<void> {
  c.keepAlive.drop();
  await c.provider.stop();
  c.dir.remove();
}

async function healthy(c: Ctx): Promise<void> {
  const r = await rawExchange(c.ep, encodeRequest('GET', '/.well-known/strata', { host: 'localhost', connection: 'close' }));
  invariant(r.status === 200, `/.well-known/strata answered ${r.status}`);
}

const http: FuzzTarget<Ctx> = {
  name: 'provider_http',
  defaultCases: Number.MAX_SAFE_INTEGER,
  defaultSeconds: 60,
  watchdogMs: 10_000,
  setup: start,
  expected: () => null,
  // TLS: a half-close (close_notify) makes the server drop the request unanswered, so keep the
  // connection open (requests say `connection: close`) and give up ourselves after
  // CLIENT_TIMEOUT_MS: an incomplete request (short body, unfinished chunk) is rightly waited on by
  // the server, up to api.requestTimeoutMs; those cases cost the fuzzer this time box each.
  run: (c, rnd) => hostileRequestCase(rnd, c.ep, c.routes, { exchange: { keepOpen: true, clientTimeoutMs: CLIENT_TIMEOUT_MS }, allowed5xx: ALLOWED_5XX, keepAlive: c.keepAlive }),
  after: async (c) => {
    process.stderr.write(`provider_http ${describeReuse(c.keepAlive)}\n`);
    await healthy(c);
  },
  teardown: stop,
};

/** See directory_slowloris: SLOW_CLIENTS trickling connections per case, forever, until dropped. */
const SLOW_CLIENTS = 40;
const slowloris: FuzzTarget<Ctx> = {
  name: 'provider_slowloris',
  defaultCases: Number.MAX_SAFE_INTEGER,
  defaultSeconds: 90,
  watchdogMs: 45_000,
  setup: start,
  expected: () => null,
  run: (c, rnd) =>
    slowClientsCase(rnd, c.ep, rnd.pick(c.routes.filter((r) => r.json !== undefined)), {
      host: 'localhost',
      clients: SLOW_CLIENTS,
      honest: () => healthy(c),
      allowed5xx: ALLOWED_5XX,
    }),
  after: healthy,
  teardown: stop,
};

const MESSAGE_BYTES = 64;
const GUARDED_MESSAGES = 3;

interface InjectCtx extends Ctx {
  groups: InjectGroup[];
  /** A dropbox the fuzzer may poll and mis-ack but holds no key to empty: checked after the campaign. */
  guarded: { alias: Buffer; aliasKey: ReturnType<typeof generateEd25519KeyPair>; device: Uint8Array; payloads: Buffer[] };
}

/** A request nonce from the campaign's seeded source (timestamps are the clock's: they must be fresh). */
const nonceOpts = (rnd: Rng) => ({ nonce: rnd.bytes(16) });

async function startInject(): Promise<InjectCtx> {
  const c = await start();
  const app = c.provider.apiServer;
  const setupRnd = createRng(0x5eed);
  const honest = async (url: string, payload: Record<string, unknown>): Promise<void> => {
    const r = await app.inject({ method: 'POST', url, payload });
    invariant(r.statusCode === 200 || r.statusCode === 201, `setup: ${url} answered ${r.statusCode}: ${r.body}`);
  };
  // The fuzzed identities: an account with a device and an alias, all known to the fuzzer.
  const account = generateEd25519KeyPair();
  const device = generateEd25519KeyPair();
  const device2 = generateEd25519KeyPair();
  const aliasKey = generateEd25519KeyPair();
  const alias = aliasId(1);
  await honest('/v1/devices', registerDeviceRequest(account, device, nonceOpts(setupRnd)));
  await honest('/v1/aliases', registerAliasRequest(alias, aliasKey, account, nonceOpts(setupRnd)));
  // The guarded dropbox: messages stored before the campaign must survive it.
  const gAccount = generateEd25519KeyPair();
  const gDevice = generateEd25519KeyPair();
  const gAliasKey = generateEd25519KeyPair();
  const gAlias = aliasId(2);
  await honest('/v1/devices', registerDeviceRequest(gAccount, gDevice, nonceOpts(setupRnd)));
  await honest('/v1/aliases', registerAliasRequest(gAlias, gAliasKey, gAccount, nonceOpts(setupRnd)));
  const payloads = Array.from({ length: GUARDED_MESSAGES }, (_, i) => payloadFor(i, MESSAGE_BYTES));
  for (const p of payloads) await c.provider.store.store(gAlias, p);
  for (let i = 0; i < 2; i++) await c.provider.store.store(alias, payloadFor(100 + i, MESSAGE_BYTES));
  const limit = c.provider.config.api.bodyLimitBytes;
  const sig = (fields: string[]) => ({ signedFields: [...fields, 'timestampMs', 'nonce'] });
  const expires = Date.now() + 3_600_000;
  const groups: InjectGroup[] = [
    { name: 'well_known', routes: [{ method: 'GET', path: '/.well-known/strata' }] },
    {
      name: 'devices',
      routes: [{ method: 'POST', path: '/v1/devices', json: registerDeviceRequest(account, device2, nonceOpts(setupRnd)), fresh: (r) => registerDeviceRequest(account, device2, nonceOpts(r)), bodyLimit: limit, ...sig(['account', 'device', 'accountSignature', 'deviceSignature']) }],
    },
    {
      name: 'devices_remove',
      routes: [{ method: 'POST', path: '/v1/devices/remove', json: removeDeviceRequest(account, device2.publicKey, nonceOpts(setupRnd)), fresh: (r) => removeDeviceRequest(account, device2.publicKey, nonceOpts(r)), bodyLimit: limit, ...sig(['account', 'device', 'accountSignature']) }],
    },
    {
      name: 'aliases',
      routes: [{ method: 'POST', path: '/v1/aliases', json: registerAliasRequest(alias, aliasKey, account, nonceOpts(setupRnd)), fresh: (r) => registerAliasRequest(alias, aliasKey, account, nonceOpts(r)), bodyLimit: limit, ...sig(['alias', 'aliasKey', 'account', 'aliasSignature', 'accountSignature']) }],
    },
    {
      name: 'poll',
      routes: [
        { method: 'POST', path: '/v1/poll', json: pollRequest(alias, aliasKey.privateKey, device.publicKey, nonceOpts(setupRnd)), fresh: (r) => pollRequest(alias, aliasKey.privateKey, device.publicKey, nonceOpts(r)), bodyLimit: limit, ...sig(['alias', 'device', 'signature']) },
        { method: 'POST', path: '/v1/poll', json: pollRequest(gAlias, gAliasKey.privateKey, gDevice.publicKey, nonceOpts(setupRnd)), fresh: (r) => pollRequest(gAlias, gAliasKey.privateKey, gDevice.publicKey, nonceOpts(r)), bodyLimit: limit, ...sig(['alias', 'device', 'signature']) },
      ],
    },
    {
      name: 'ack',
      // Ids that name no stored message: an honest ack removes nothing, a forged one must not either.
      routes: [alias, gAlias].map((a, i) => {
        const key = i === 0 ? aliasKey : gAliasKey;
        const dev = i === 0 ? device : gDevice;
        const ids = [Buffer.alloc(8, 1), Buffer.alloc(8, 2)];
        return { method: 'POST' as const, path: '/v1/ack', json: ackRequest(a, key.privateKey, dev.publicKey, ids, nonceOpts(setupRnd)), fresh: (r: Rng) => ackRequest(a, key.privateKey, dev.publicKey, ids, nonceOpts(r)), bodyLimit: limit, ...sig(['alias', 'device', 'ids', 'signature']) };
      }),
    },
    {
      name: 'surbs',
      routes: [{ method: 'POST', path: '/v1/surbs', json: registerSurbsRequest(alias, aliasKey.privateKey, [Buffer.alloc(16, 2)], expires, nonceOpts(setupRnd)), fresh: (r) => registerSurbsRequest(alias, aliasKey.privateKey, [Buffer.from(r.bytes(16))], expires, nonceOpts(r)), bodyLimit: limit, ...sig(['alias', 'surbIds', 'expiresAtMs', 'signature']) }],
    },
  ];
  return { ...c, groups, guarded: { alias: gAlias, aliasKey: gAliasKey, device: gDevice.publicKey, payloads } };
}

/** After an in-process campaign: still serving (in process and over TLS), the guarded dropbox intact. */
async function injectAfter(c: InjectCtx): Promise<void> {
  const app = c.provider.apiServer;
  const w = await app.inject({ method: 'GET', url: '/.well-known/strata' });
  invariant(w.statusCode === 200, `/.well-known/strata answered ${w.statusCode}`);
  await healthy(c);
  const g = c.guarded;
  invariant(c.provider.store.messageCount(g.alias) === g.payloads.length, `the guarded dropbox holds ${c.provider.store.messageCount(g.alias)} messages, not ${g.payloads.length}`);
  const r = await app.inject({ method: 'POST', url: '/v1/poll', payload: pollRequest(g.alias, g.aliasKey.privateKey, g.device) });
  invariant(r.statusCode === 200, `an honest poll of the guarded dropbox answered ${r.statusCode}: ${r.body.slice(0, 200)}`);
  const got = decodePollResponse(r.rawPayload).entries.map((e) => Buffer.from(e.payload));
  invariant(got.length === g.payloads.length && got.every((p, i) => p.equals(g.payloads[i])), 'the guarded dropbox no longer serves the messages it was given');
}

const injected = injectTargets<InjectCtx>({
  prefix: 'provider_inject',
  groupNames: ['well_known', 'devices', 'devices_remove', 'aliases', 'poll', 'ack', 'surbs'],
  groups: (c) => c.groups,
  setup: startInject,
  app: (c) => c.provider.apiServer,
  after: injectAfter,
  teardown: stop,
  allowed5xx: ALLOWED_5XX,
});

await runFuzzMain(import.meta.filename, [http, slowloris, ...injected] as FuzzTarget<never>[]);

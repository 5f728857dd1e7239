// npm run fuzz -w @strata/provider [-- --seed S --max-seconds T --target provider_http,...]
// A real provider (real LMDB dropboxes in a temp dir, real TLS on a real port) under hostile
// HTTPS: malformed JSON, wrong types, huge bodies, broken framing, replayed and forged signed
// requests on every client route (provider_http); slow clients that trickle headers or a body
// while an honest client must still be served (provider_slowloris). Network targets run to their
// time box (default 60 s). This script only drives the provider; it changes none of its code.
// Runner: test/fuzz/campaign.ts.
import { pino } from 'pino';
import { ackRequest, pollRequest, registerAliasRequest, registerDeviceRequest, registerSurbsRequest, removeDeviceRequest } from '../src/client-requests.js';
import { parseProviderConfig } from '../src/config.js';
import { Provider } from '../src/provider.js';
import { generateEd25519KeyPair } from '../src/request-signing.js';
import { tempDir } from '../test/helpers.js';
import { invariant, runFuzzMain, type FuzzTarget } from '../../test/fuzz/campaign.js';
import { encodeRequest, hostileRequestCase, rawExchange, slowClientsCase, type HttpEndpoint, type HttpRoute } from '../../test/fuzz/http.js';

/** 503 is the provider's documented fail-closed answer (replay cache full). */
const ALLOWED_5XX = [503];

interface Ctx {
  dir: ReturnType<typeof tempDir>;
  provider: Provider;
  ep: HttpEndpoint;
  routes: HttpRoute[];
}

async function start(): Promise<Ctx> {
  const dir = tempDir('strata-fuzz-provider-');
  const config = parseProviderConfig({
    dataDir: dir.path,
    name: 'fuzz-provider',
    api: { host: '127.0.0.1', port: 0 },
    dropbox: { messageBytes: 64, pollEntries: 4, aliasQuotaMessages: 20 },
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
  return { dir, provider, ep, routes };
}

async function stop(c: Ctx): Promise<void> {
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
  // connection open (requests say `connection: close`) and give up after 1 s ourselves.
  run: (c, rnd) => hostileRequestCase(rnd, c.ep, c.routes, { exchange: { keepOpen: true, clientTimeoutMs: 1000 }, allowed5xx: ALLOWED_5XX }),
  after: healthy,
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

await runFuzzMain(import.meta.filename, [http, slowloris] as FuzzTarget<never>[]);

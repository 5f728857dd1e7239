// npm run fuzz -w @strata/directory [-- --seed S --max-seconds T --target directory_http,...]
// A real authority (real LMDB in a temp dir, real port) under hostile HTTP: malformed JSON, wrong
// types, huge bodies, broken framing on every route (directory_http); slow clients trickling
// headers and bodies while an honest client must still be served (directory_slowloris); and
// the config parser (directory_config). Network targets run to their time box (default 60 s);
// the config target does 1,000,000 cases. Runner: test/fuzz/campaign.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keygen, toHex } from '@strata/core';
import { parseDirectoryConfig, startDirectory, type RunningDirectory } from '@strata/directory';
import { makeTestNetwork, TEST_GEOMETRY_HASH } from '../../core/test/fixtures.js';
import { invariant, mutateJson, mutateString, recordInput, runFuzzMain, typedErrors, type FuzzTarget } from '../../test/fuzz/campaign.js';
import { encodeRequest, hostileRequestCase, rawExchange, slowClientsCase, type HttpEndpoint, type HttpRoute } from '../../test/fuzz/http.js';

const REQUEST_TIMEOUT_MS = 1000;

interface Ctx {
  dir: string;
  running: RunningDirectory;
  ep: HttpEndpoint;
  routes: HttpRoute[];
}

function rawConfig(dir: string, identityKey: string) {
  const nodes = makeTestNetwork(1, 3);
  return {
    identityKeyFile: join(dir, 'identity.key'),
    dataDir: join(dir, 'data'),
    listen: { host: '127.0.0.1', port: 0 },
    epoch: { lengthMs: 60_000 },
    authorities: [{ identityKey, url: 'http://127.0.0.1:1' }],
    allow: { mixes: nodes.filter((n) => n.role === 'mix').map((n) => toHex(n.signer.publicKey)), providers: [toHex(nodes[0].signer.publicKey)] },
    network: { sphinxGeometryHash: toHex(TEST_GEOMETRY_HASH) },
    limits: { requestTimeoutMs: REQUEST_TIMEOUT_MS },
    log: { level: 'silent' },
  };
}

async function start(): Promise<Ctx> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-fuzz-directory-'));
  const { identityKey } = keygen(dir);
  const config = parseDirectoryConfig(rawConfig(dir, identityKey));
  const running = await startDirectory(config);
  const url = new URL(running.url);
  const ep = { host: url.hostname, port: Number(url.port) };
  const nodes = makeTestNetwork(1, 3);
  const descriptor = nodes[1].descriptorFor(running.authority.clock.epochAt(running.authority.clock.now()) + 1).encoded;
  const b64 = Buffer.from(descriptor).toString('base64');
  const routes: HttpRoute[] = [
    { method: 'POST', path: '/v1/descriptors', json: { descriptor: b64 }, bodyLimit: config.limits.uploadBodyBytes },
    { method: 'POST', path: '/v1/descriptors', raw: { contentType: 'application/octet-stream', bytes: descriptor }, bodyLimit: config.limits.uploadBodyBytes },
    { method: 'POST', path: '/v1/exchange/vote', json: { message: Buffer.from(new Uint8Array(300).fill(1)).toString('base64') }, bodyLimit: config.limits.exchangeBodyBytes },
    { method: 'POST', path: '/v1/exchange/reveal', json: { message: Buffer.from(new Uint8Array(140).fill(2)).toString('base64') }, bodyLimit: 4096 },
    { method: 'POST', path: '/v1/exchange/signature', json: { epoch: 5, authority: identityKey, signature: 'ab'.repeat(64) }, bodyLimit: 4096 },
    { method: 'GET', path: '/v1/consensus/5' },
    { method: 'GET', path: `/v1/exchange/vote/5/${identityKey}` },
    { method: 'GET', path: `/v1/exchange/reveal/5/${identityKey}` },
    { method: 'GET', path: '/metrics' },
  ];
  return { dir, running, ep, routes };
}

async function stop(c: Ctx): Promise<void> {
  await c.running.stop();
  rmSync(c.dir, { recursive: true, force: true });
}

/** After a campaign the authority must still answer an honest request, and have counted refusals. */
async function stillServes(c: Ctx): Promise<void> {
  await healthy(c);
  const res = await fetch(`${c.running.url}/metrics`);
  const text = await res.text();
  invariant(/strata_directory_rejected_total\{[^}]*reason="(schema|malformed-json|too-large)"[^}]*\} [1-9]/.test(text), 'refusals were not counted by reason');
}

const http: FuzzTarget<Ctx> = {
  name: 'directory_http',
  defaultCases: Number.MAX_SAFE_INTEGER,
  defaultSeconds: 60,
  watchdogMs: 10_000,
  setup: start,
  expected: () => null,
  run: (c, rnd) => hostileRequestCase(rnd, c.ep, c.routes),
  after: stillServes,
  teardown: stop,
};

/** The authority still answers an honest request. */
async function healthy(c: Ctx): Promise<void> {
  const r = await rawExchange(c.ep, encodeRequest('GET', '/healthz', { host: 'x', connection: 'close' }));
  invariant(r.status === 200 || r.status === 503, `healthz answered ${r.status}`);
}

/** Slow clients (slowClientsCase): SLOW_CLIENTS trickling connections per case, until dropped. */
const SLOW_CLIENTS = 40;
const slowloris: FuzzTarget<Ctx> = {
  name: 'directory_slowloris',
  defaultCases: Number.MAX_SAFE_INTEGER,
  defaultSeconds: 90,
  watchdogMs: 45_000,
  setup: start,
  expected: () => null,
  run: (c, rnd) =>
    slowClientsCase(rnd, c.ep, rnd.pick(c.routes.filter((r) => r.method === 'POST' && r.json !== undefined)), {
      host: 'x',
      clients: SLOW_CLIENTS,
      honest: () => healthy(c),
    }),
  after: healthy,
  teardown: stop,
};

const config: FuzzTarget<{ raw: Record<string, unknown>; dir: string }> = {
  name: 'directory_config',
  setup() {
    const dir = '/nonexistent/strata-fuzz';
    return { raw: rawConfig(dir, '11'.repeat(32)), dir };
  },
  expected: typedErrors('ConfigError'),
  run(c, rnd) {
    let raw: unknown;
    if (rnd.chance(0.7)) raw = mutateJson(rnd, c.raw);
    else {
      try {
        raw = JSON.parse(mutateString(rnd, JSON.stringify(c.raw)));
      } catch {
        return 'not-json'; // loadDirectoryConfig reports that as a ConfigError before parsing
      }
    }
    recordInput(raw);
    const cfg = parseDirectoryConfig(raw, '/tmp');
    invariant(Object.isFrozen(cfg) && Object.isFrozen(cfg.limits), 'config is not frozen');
  },
};

await runFuzzMain(import.meta.filename, [http, slowloris, config] as FuzzTarget<never>[]);

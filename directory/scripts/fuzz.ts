// npm run fuzz -w @strata/directory [-- --seed S --max-seconds T --target directory_http,...]
// A real authority (real LMDB in a temp dir, real port) under hostile HTTP: malformed JSON, wrong
// types, huge bodies, broken framing on every route (directory_http); slow clients trickling
// headers and bodies while an honest client must still be served (directory_slowloris); and
// the config parser (directory_config). Network targets run to their time box (default 60 s) and
// reuse one keep-alive connection where a case allows. In-process targets directory_inject_<group>
// drive every route of the same real authority through fastify's app.inject() (the whole request
// pipeline without the socket: test/fuzz/inject.ts), including replayed and forged signed votes,
// reveals and signatures from a peer authority: 1,000,000 cases each, like the config target.
// Runner: test/fuzz/campaign.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keygen, toHex } from '@strata/core';
import { parseDirectoryConfig, startDirectory, type RunningDirectory } from '@strata/directory';
import { makeTestNetwork, testSigner, TEST_GEOMETRY_HASH } from '../../core/test/fixtures.js';
import { commitTo, encodeReveal, encodeVote } from '../src/messages.js';
import { injectTargets, type InjectGroup } from '../../test/fuzz/inject.js';
import { invariant, mutateJson, mutateString, recordInput, runFuzzMain, typedErrors, type FuzzTarget } from '../../test/fuzz/campaign.js';
import { describeReuse, encodeRequest, hostileRequestCase, KeepAliveConnection, rawExchange, slowClientsCase, type HttpEndpoint, type HttpRoute } from '../../test/fuzz/http.js';

const REQUEST_TIMEOUT_MS = 1000;

interface Ctx {
  dir: string;
  running: RunningDirectory;
  ep: HttpEndpoint;
  routes: HttpRoute[];
  /** The connection well-framed requests reuse (directory_http / provider_http). */
  keepAlive: KeepAliveConnection;
}

/** A peer authority whose key the fuzzer holds: it signs the valid votes, reveals and signatures. */
const PEER = testSigner('fuzz-peer-authority');
const EPOCH_LENGTH_MS = 3_600_000;

function rawConfig(dir: string, identityKey: string, opts: { peer?: boolean; genesisMs?: number } = {}) {
  const nodes = makeTestNetwork(1, 3);
  return {
    identityKeyFile: join(dir, 'identity.key'),
    dataDir: join(dir, 'data'),
    listen: { host: '127.0.0.1', port: 0 },
    // In-process targets: a 1 h epoch that has just begun, so that the building epoch (and with it
    // which votes are acceptable) stays put for the whole campaign.
    epoch: opts.genesisMs === undefined ? { lengthMs: 60_000 } : { lengthMs: EPOCH_LENGTH_MS, genesisMs: opts.genesisMs },
    authorities: [{ identityKey, url: 'http://127.0.0.1:1' }, ...(opts.peer ? [{ identityKey: toHex(PEER.publicKey), url: 'http://127.0.0.1:2' }] : [])],
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
  return { dir, running, ep, routes, keepAlive: new KeepAliveConnection(ep, 2000) };
}

async function stop(c: Ctx): Promise<void> {
  c.keepAlive.drop();
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
  run: (c, rnd) => hostileRequestCase(rnd, c.ep, c.routes, { keepAlive: c.keepAlive }),
  after: async (c) => {
    process.stderr.write(`directory_http ${describeReuse(c.keepAlive)}\n`);
    await stillServes(c);
  },
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

interface InjectCtx {
  dir: string;
  running: RunningDirectory;
  groups: InjectGroup[];
  /** What the honest requests of setup stored: must still be there after the campaign. */
  stored: { epoch: number; nodeId: string; descriptor: Uint8Array; vote: string; reveal: string };
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

async function startInject(): Promise<InjectCtx> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-fuzz-directory-inject-'));
  const { identityKey } = keygen(dir);
  const config = parseDirectoryConfig(rawConfig(dir, identityKey, { peer: true, genesisMs: Date.now() - 1000 }));
  const running = await startDirectory(config);
  const app = running.server;
  const clock = running.authority.clock;
  const epoch = clock.epochAt(clock.now()) + 1; // the epoch being built: uploads and votes are open
  const nodes = makeTestNetwork(1, 3);
  const sd = nodes[1].descriptorFor(epoch);
  const revealValue = new Uint8Array(32).fill(9);
  // docs/spec/directory.md §Shared random value: the vote commits to the reveal.
  const vote = b64(encodeVote(epoch, commitTo(epoch, PEER.publicKey, revealValue), [], PEER).encoded);
  const reveal = b64(encodeReveal(epoch, revealValue, PEER).encoded);
  const peerHex = toHex(PEER.publicKey);
  const honest = async (url: string, payload: unknown, want: number): Promise<void> => {
    const r = await app.inject({ method: 'POST', url, payload: payload as object });
    invariant(r.statusCode === want, `setup: ${url} answered ${r.statusCode}: ${r.body}`);
  };
  await honest('/v1/descriptors', { descriptor: b64(sd.encoded) }, 202);
  await honest('/v1/exchange/vote', { message: vote }, 202);
  await honest('/v1/exchange/reveal', { message: reveal }, 202);
  const up = config.limits.uploadBodyBytes;
  const ex = config.limits.exchangeBodyBytes;
  const groups: InjectGroup[] = [
    {
      name: 'descriptors',
      routes: [
        { method: 'POST', path: '/v1/descriptors', json: { descriptor: b64(sd.encoded) }, bodyLimit: up, signedFields: ['descriptor'] },
        { method: 'POST', path: '/v1/descriptors', raw: { contentType: 'application/octet-stream', bytes: sd.encoded }, bodyLimit: up },
        // A descriptor of another allowed node: stored by the first honest case, then already-stored.
        { method: 'POST', path: '/v1/descriptors', json: { descriptor: b64(sd.encoded) }, bodyLimit: up, fresh: () => ({ descriptor: b64(nodes[2].descriptorFor(epoch).encoded) }), signedFields: ['descriptor'] },
      ],
    },
    { name: 'vote', routes: [{ method: 'POST', path: '/v1/exchange/vote', json: { message: vote }, bodyLimit: ex, signedFields: ['message'] }] },
    { name: 'reveal', routes: [{ method: 'POST', path: '/v1/exchange/reveal', json: { message: reveal }, bodyLimit: 4096, signedFields: ['message'] }] },
    {
      name: 'signature',
      routes: [{ method: 'POST', path: '/v1/exchange/signature', json: { epoch, authority: peerHex, signature: toHex(PEER.sign(new Uint8Array(32))) }, bodyLimit: 4096, signedFields: ['epoch', 'authority', 'signature'] }],
    },
    { name: 'consensus', routes: [{ method: 'GET', path: `/v1/consensus/${epoch}` }, { method: 'GET', path: `/v1/consensus/${epoch - 1}` }] },
    { name: 'exchange_get', routes: [{ method: 'GET', path: `/v1/exchange/vote/${epoch}/${peerHex}` }, { method: 'GET', path: `/v1/exchange/reveal/${epoch}/${peerHex}` }] },
    // /metrics renders every series (≈ 1 ms): one case in ten.
    { name: 'ops', routes: [...Array.from({ length: 9 }, () => ({ method: 'GET' as const, path: '/healthz' })), { method: 'GET', path: '/metrics' }] },
  ];
  return { dir, running, groups, stored: { epoch, nodeId: toHex(sd.descriptor.nodeId), descriptor: sd.encoded, vote, reveal } };
}

/** After an in-process campaign: still serving (in process and on the socket), stored data intact. */
async function injectAfter(c: InjectCtx): Promise<void> {
  const app = c.running.server;
  const h = await app.inject({ method: 'GET', url: '/healthz' });
  invariant(h.statusCode === 200 || h.statusCode === 503, `healthz answered ${h.statusCode}`);
  const url = new URL(c.running.url);
  const r = await rawExchange({ host: url.hostname, port: Number(url.port) }, encodeRequest('GET', '/healthz', { host: 'x', connection: 'close' }));
  invariant(r.status === 200 || r.status === 503, `healthz on the socket answered ${r.status}`);
  const { epoch, nodeId, descriptor, vote, reveal } = c.stored;
  const held = c.running.authority.store.get('desc', epoch, nodeId);
  invariant(held !== undefined && Buffer.compare(Buffer.from(held), Buffer.from(descriptor)) === 0, 'the honest descriptor is no longer stored as uploaded');
  const again = await app.inject({ method: 'POST', url: '/v1/descriptors', payload: { descriptor: b64(descriptor) } });
  invariant(again.statusCode === 200 && again.json().status === 'already-stored', `re-uploading the honest descriptor answered ${again.statusCode}`);
  for (const [kind, message] of [['vote', vote], ['reveal', reveal]] as const) {
    const g = await app.inject({ method: 'GET', url: `/v1/exchange/${kind}/${epoch}/${toHex(PEER.publicKey)}` });
    invariant(g.statusCode === 200 && g.json().message === message, `the peer's ${kind} is no longer served as stored (${g.statusCode})`);
  }
}

const injected = injectTargets<InjectCtx>({
  prefix: 'directory_inject',
  groupNames: ['descriptors', 'vote', 'reveal', 'signature', 'consensus', 'exchange_get', 'ops'],
  groups: (c) => c.groups,
  setup: startInject,
  app: (c) => c.running.server,
  after: injectAfter,
  teardown: async (c) => {
    await c.running.stop();
    rmSync(c.dir, { recursive: true, force: true });
  },
});

await runFuzzMain(import.meta.filename, [http, slowloris, config, ...injected] as FuzzTarget<never>[]);

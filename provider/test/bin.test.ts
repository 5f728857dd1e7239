import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ackRequest, pollRequest, registerAliasRequest, registerDeviceRequest } from '../src/client-requests.js';
import { decodePollResponse } from '../src/poll-response.js';
import { generateEd25519KeyPair } from '../src/request-signing.js';
import { SELF_SIGNED_CERT_FILE } from '../src/tls.js';
import { aliasId, httpsRequest, payloadFor, tempDir } from './helpers.js';

const BIN = resolve(fileURLToPath(import.meta.url), '../../src/bin.ts');
const BYTES = 256;
const ENTRIES = 50;
const MESSAGES = 300;

interface Running {
  readonly child: ChildProcess;
  readonly apiPort: number;
  readonly adminPort: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start the provider binary as a real child process and wait until both listeners are up. */
function startProvider(configFile: string): Promise<Running> {
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
      if (apiPort && adminPort) res({ child, apiPort, adminPort, exited });
    });
    void exited.then(({ code, signal }) => rej(new Error(`provider exited early (${code ?? signal}): ${stderr}`)));
  });
}

function adminStore(port: number, alias: Buffer, payload: Buffer): Promise<number> {
  return new Promise((res, rej) => {
    const data = JSON.stringify({ alias: alias.toString('base64url'), payload: payload.toString('base64url') });
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/admin/store', headers: { 'content-type': 'application/json' } }, (r) => {
      r.resume();
      r.on('end', () => res(r.statusCode ?? 0));
    });
    req.on('error', rej);
    req.end(data);
  });
}

describe('provider binary', () => {
  let dir: ReturnType<typeof tempDir>;
  let configFile: string;
  let running: Running | undefined;

  beforeEach(() => {
    dir = tempDir();
    configFile = join(dir.path, 'provider.json');
    writeFileSync(
      configFile,
      JSON.stringify({ dataDir: join(dir.path, 'data'), api: { host: '127.0.0.1', port: 0 }, admin: { port: 0 }, dropbox: { messageBytes: BYTES, pollEntries: ENTRIES } }),
    );
  });
  afterEach(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
    dir.remove();
  });

  it('keeps every message whose receipt was sent when killed with SIGKILL', async function () {
    this.timeout(60_000);
    running = await startProvider(configFile);
    const ca = readFileSync(join(dir.path, 'data', SELF_SIGNED_CERT_FILE));
    const account = generateEd25519KeyPair();
    const device = generateEd25519KeyPair();
    const aliasKey = generateEd25519KeyPair();
    const alias = aliasId(5);
    assert.equal((await httpsRequest(running.apiPort, ca, 'POST', '/v1/devices', registerDeviceRequest(account, device))).status, 201);
    assert.equal((await httpsRequest(running.apiPort, ca, 'POST', '/v1/aliases', registerAliasRequest(alias, aliasKey, account))).status, 201);

    // Concurrent stores (so several share a group commit); each 200 is a receipt.
    const statuses = await Promise.all(Array.from({ length: MESSAGES }, (_, i) => adminStore(running!.adminPort, alias, payloadFor(i, BYTES))));
    assert.ok(statuses.every((s) => s === 200));
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

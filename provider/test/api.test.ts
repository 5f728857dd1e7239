import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { pino } from 'pino';
import { ackRequest, pollRequest, registerAliasRequest, registerDeviceRequest, registerSurbsRequest, removeDeviceRequest } from '../src/client-requests.js';
import { parseProviderConfig } from '../src/config.js';
import { decodePollResponse, pollResponseBytes } from '../src/poll-response.js';
import { Provider } from '../src/provider.js';
import { ed25519PublicKey, generateEd25519KeyPair } from '../src/request-signing.js';
import { WELL_KNOWN_SIGNATURE_HEADER, wellKnownSigningBytes } from '../src/api.js';
import { verify } from 'node:crypto';
import { SELF_SIGNED_CERT_FILE } from '../src/tls.js';
import { aliasId, httpsRequest, payloadFor, tempDir } from './helpers.js';

const BYTES = 64;
const ENTRIES = 4;

function adminRequest(port: number, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ host: '127.0.0.1', port, method, path, headers: data ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

describe('client API over TLS', () => {
  let dir: ReturnType<typeof tempDir>;
  let provider: Provider;
  let ca: Buffer;
  const account = generateEd25519KeyPair();
  const phone = generateEd25519KeyPair();
  const laptop = generateEd25519KeyPair();
  const aliasKey = generateEd25519KeyPair();
  const alias = aliasId(1);
  const api = (method: string, path: string, body?: unknown) => httpsRequest(provider.apiPort, ca, method, path, body);
  // The egress seam mixnet delivery uses (provider/src/mixnet.ts); the link path is in mixnet.test.ts.
  const store = (i: number, a: Buffer = alias) => provider.store.store(a, payloadFor(i, BYTES));
  const poll = (device = phone.publicKey, key = aliasKey.privateKey) => api('POST', '/v1/poll', pollRequest(alias, key, device));

  before(async () => {
    dir = tempDir();
    const config = parseProviderConfig({
      dataDir: dir.path,
      name: 'test-provider',
      api: { host: '127.0.0.1', port: 0 },
      admin: { port: 0 },
      dropbox: { messageBytes: BYTES, pollEntries: ENTRIES, aliasQuotaMessages: 20 },
      wellKnown: { authorities: [{ url: 'https://auth.example:7000', identityKey: 'AAAA' }], network: { mu: 0.5 } },
    });
    provider = await Provider.start(config, { logger: pino({ level: 'silent' }) });
    ca = readFileSync(join(dir.path, SELF_SIGNED_CERT_FILE));
  });
  after(async () => {
    await provider.stop();
    dir.remove();
  });

  it('serves /.well-known/strata with the link key, the authorities and the dropbox geometry', async () => {
    const res = await api('GET', '/.well-known/strata');
    assert.equal(res.status, 200);
    const doc = res.json();
    assert.equal(doc.version, 1);
    assert.equal(doc.provider.linkKey, Buffer.from(provider.keys.linkPublicKey).toString('hex'));
    assert.equal(doc.provider.apiUrl, `https://localhost:${provider.apiPort}`);
    assert.deepEqual(doc.authorities, [{ url: 'https://auth.example:7000', identityKey: 'AAAA' }]);
    assert.deepEqual(doc.network, { mu: 0.5 });
    assert.equal(doc.dropbox.pollResponseBytes, pollResponseBytes(ENTRIES, BYTES));
  });

  it('signs /.well-known/strata with the identity key over the exact body', async () => {
    const res = await api('GET', '/.well-known/strata');
    const sig = Buffer.from(String(res.headers[WELL_KNOWN_SIGNATURE_HEADER]), 'base64url');
    const key = ed25519PublicKey(provider.keys.identityPublicKey);
    assert.ok(verify(null, wellKnownSigningBytes(res.body), key, sig));
    const tampered = Buffer.from(res.body);
    tampered[tampered.length - 2] ^= 1;
    assert.ok(!verify(null, wellKnownSigningBytes(tampered), key, sig));
  });

  it('registers a device, then an alias, and tells a repeat from a creation', async () => {
    assert.equal((await api('POST', '/v1/devices', registerDeviceRequest(account, phone))).status, 201);
    assert.equal((await api('POST', '/v1/devices', registerDeviceRequest(account, phone))).status, 200);
    const res = await api('POST', '/v1/aliases', registerAliasRequest(alias, aliasKey, account));
    assert.equal(res.status, 201);
    assert.deepEqual(res.json(), { created: true });
  });

  it('refuses a device registration not signed by the device key', async () => {
    const body = registerDeviceRequest(account, laptop);
    body.deviceSignature = registerDeviceRequest(account, phone).deviceSignature;
    const res = await api('POST', '/v1/devices', body);
    assert.equal(res.status, 401);
    assert.equal(res.json().reason, 'bad_signature');
  });

  it('answers every poll with the same number of bytes, real entries first', async () => {
    const empty = await poll();
    assert.equal(empty.status, 200);
    assert.equal(empty.headers['content-type'], 'application/octet-stream');
    assert.equal(empty.body.length, pollResponseBytes(ENTRIES, BYTES));
    assert.equal(decodePollResponse(empty.body).entries.length, 0);
    for (let i = 0; i < 6; i++) await store(i);
    const full = await poll();
    assert.equal(full.body.length, empty.body.length);
    const decoded = decodePollResponse(full.body);
    assert.deepEqual(decoded.entries.map((e) => Buffer.from(e.payload)), [0, 1, 2, 3].map((i) => payloadFor(i, BYTES)));
    assert.equal(decoded.more, true);
  });

  it('gives a poll signed with the wrong key nothing', async () => {
    const res = await poll(phone.publicKey, generateEd25519KeyPair().privateKey);
    assert.equal(res.status, 401);
    assert.deepEqual(res.json().reason, 'bad_signature');
    assert.ok(!res.body.includes(payloadFor(0, BYTES).subarray(0, 16)));
    const unknown = await api('POST', '/v1/poll', pollRequest(aliasId(77), aliasKey.privateKey, phone.publicKey));
    assert.equal(unknown.status, 401, 'an unknown alias looks like a bad signature');
  });

  it('refuses a replayed poll', async () => {
    const body = pollRequest(alias, aliasKey.privateKey, phone.publicKey);
    assert.equal((await api('POST', '/v1/poll', body)).status, 200);
    const again = await api('POST', '/v1/poll', body);
    assert.equal(again.status, 401);
    assert.equal(again.json().reason, 'replayed_nonce');
  });

  it('refuses a poll by a device that is not registered', async () => {
    const res = await poll(laptop.publicKey);
    assert.equal(res.status, 403);
    assert.equal(res.json().reason, 'unknown_device');
  });

  it('delivers everything to two devices and removes a message once both acknowledged it', async () => {
    assert.equal((await api('POST', '/v1/devices', registerDeviceRequest(account, laptop))).status, 201);
    const drain = async (device: Uint8Array) => {
      const got: Buffer[] = [];
      for (;;) {
        const res = decodePollResponse((await poll(device)).body);
        got.push(...res.entries.map((e) => Buffer.from(e.payload)));
        const ack = await api('POST', '/v1/ack', ackRequest(alias, aliasKey.privateKey, device, res.entries.map((e) => e.id)));
        assert.equal(ack.status, 200);
        if (!res.more) return got;
      }
    };
    const expected = [0, 1, 2, 3, 4, 5].map((i) => payloadFor(i, BYTES));
    assert.deepEqual(await drain(phone.publicKey), expected);
    assert.equal(provider.store.messageCount(alias), 6, 'the laptop has not acknowledged yet');
    assert.deepEqual(await drain(laptop.publicKey), expected);
    assert.equal(provider.store.messageCount(alias), 0);
  });

  it('removes a device on the account key alone and refuses the device afterwards', async () => {
    const spare = generateEd25519KeyPair();
    assert.equal((await api('POST', '/v1/devices', registerDeviceRequest(account, spare))).status, 201);
    const realAccount = registerDeviceRequest(account, spare).account;
    const forged = await api('POST', '/v1/devices/remove', { ...removeDeviceRequest(spare, spare.publicKey), account: realAccount });
    assert.equal(forged.status, 401, 'signed by a key that is not the account');
    assert.equal(forged.json().reason, 'bad_signature');
    const res = await api('POST', '/v1/devices/remove', removeDeviceRequest(account, spare.publicKey));
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { removed: true, delivered: 0 });
    assert.equal((await poll(spare.publicKey)).status, 403);
  });

  it('refuses a store into a full dropbox with QuotaExceededError alias_quota', async () => {
    for (let i = 0; i < 20; i++) await store(100 + i);
    await assert.rejects(store(200), { name: 'QuotaExceededError', reason: 'alias_quota' });
  });

  it('has no /admin/store injection route any more', async () => {
    const res = await adminRequest(provider.adminPort!, 'POST', '/admin/store', { alias: alias.toString('base64url'), payload: '' });
    assert.equal(res.status, 404);
  });

  it('registers reply SURB ids for an alias', async () => {
    const ids = [new Uint8Array(16).fill(1), new Uint8Array(16).fill(2)];
    const res = await api('POST', '/v1/surbs', registerSurbsRequest(alias, aliasKey.privateKey, ids, Date.now() + 60_000));
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { registered: 2 });
    assert.deepEqual(Buffer.from(provider.surbs.lookup(ids[1])!), alias);
  });

  it('answers malformed input with a 4xx and a clear reason', async () => {
    const short = { ...pollRequest(alias, aliasKey.privateKey, phone.publicKey), alias: 'abc' };
    const r1 = await api('POST', '/v1/poll', short);
    assert.equal(r1.status, 400);
    assert.equal(r1.json().reason, 'schema');
    assert.match(r1.json().message, /alias/);
    const extra = { ...pollRequest(alias, aliasKey.privateKey, phone.publicKey), admin: true };
    assert.equal((await api('POST', '/v1/poll', extra)).status, 400);
    const notJson = await httpsRequest(provider.apiPort, ca, 'POST', '/v1/poll', undefined, '{"alias":');
    assert.equal(notJson.status, 400);
    const huge = await httpsRequest(provider.apiPort, ca, 'POST', '/v1/poll', undefined, JSON.stringify({ alias: 'x'.repeat(300_000) }));
    assert.equal(huge.status, 413);
    assert.equal(huge.json().reason, 'too_large');
    const none = await api('GET', '/v1/nothing');
    assert.equal(none.status, 404);
    assert.equal(none.json().reason, 'no_route');
  });

  it('answers hostile bodies on every route with a 4xx, never a 5xx', async () => {
    const b64 = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((u) => Buffer.from(u).toString('base64url'));
    const field = fc.oneof(b64(32), b64(16), b64(64), b64(8), fc.string(), fc.integer(), fc.constant(null), fc.array(b64(8), { maxLength: 3 }));
    const keys = ['alias', 'aliasKey', 'account', 'device', 'timestampMs', 'nonce', 'signature', 'aliasSignature', 'accountSignature', 'deviceSignature', 'ids', 'surbIds', 'expiresAtMs'];
    const body = fc.dictionary(fc.constantFrom(...keys), field, { maxKeys: 8 });
    const route = fc.constantFrom('/v1/devices', '/v1/aliases', '/v1/poll', '/v1/ack', '/v1/surbs');
    await fc.assert(
      fc.asyncProperty(route, body, fc.boolean(), async (path, b, fresh) => {
        if (fresh) b.timestampMs = Date.now();
        const res = await api('POST', path, b);
        return res.status >= 400 && res.status < 500;
      }),
      { seed: 1234, numRuns: 150 },
    );
  });

  it('exposes the counters and the dropbox-size histogram on /metrics without alias labels', async () => {
    const res = await adminRequest(provider.adminPort!, 'GET', '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.text, /^strata_provider_stored_total 26$/m);
    assert.match(res.text, /^strata_provider_delivered_total 6$/m);
    assert.match(res.text, /^strata_provider_store_rejected_total\{reason="alias_quota"\} 1$/m);
    assert.match(res.text, /^strata_provider_api_rejected_total\{route="\/v1\/poll",reason="bad_signature"\} \d+$/m);
    assert.match(res.text, /^strata_provider_dropbox_messages_count 1$/m);
    assert.match(res.text, /^strata_provider_dropbox_messages_sum 20$/m);
    assert.doesNotMatch(res.text, /alias=/);
  });
});

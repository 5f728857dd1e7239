import assert from 'node:assert/strict';
import { sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseProviderConfig } from '../src/config.js';
import { identityHandle, identityRotationBytes, identityStatementBytes } from '../src/identity-registry.js';
import { Provider } from '../src/provider.js';
import { ed25519PublicKey, generateEd25519KeyPair, type Ed25519KeyPair } from '../src/request-signing.js';
import { SELF_SIGNED_CERT_FILE } from '../src/tls.js';
import { httpsRequest, tempDir } from './helpers.js';

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

interface Keys {
  readonly ed: Ed25519KeyPair;
  readonly x: Buffer;
}
function keys(fill: number): Keys {
  return { ed: generateEd25519KeyPair(), x: Buffer.alloc(32, fill) };
}

/** The POST /v1/identities body: `k` under `handle`, countersigned by `previous` when given. */
function statement(handle: Uint8Array, k: Keys, publishedAtMs: number, previous?: Keys): Record<string, unknown> {
  const bytes = identityStatementBytes(handle, k.ed.publicKey, k.x, publishedAtMs);
  return {
    handle: b64(handle),
    ed25519: b64(k.ed.publicKey),
    x25519: b64(k.x),
    publishedAtMs,
    signature: b64(sign(null, bytes, k.ed.privateKey)),
    ...(previous ? { rotationSignature: b64(sign(null, identityRotationBytes(bytes), previous.ed.privateKey)) } : {}),
  };
}

describe('published identities (POST /v1/identities, POST /v1/identities/lookup)', () => {
  let dir: ReturnType<typeof tempDir>;
  let provider: Provider;
  let ca: Buffer;
  const api = (method: string, path: string, body?: unknown) => httpsRequest(provider.apiPort, ca, method, path, body);
  const config = () =>
    parseProviderConfig({ dataDir: dir.path, name: 'p', api: { host: '127.0.0.1', port: 0 }, admin: { enabled: false }, dropbox: { messageBytes: 64, pollEntries: 2, maxIdentities: 3 } });

  before(async () => {
    dir = tempDir();
    provider = await Provider.start(config(), { logger: pino({ level: 'silent' }) });
    ca = readFileSync(join(dir.path, SELF_SIGNED_CERT_FILE));
  });
  after(async () => {
    await provider?.stop();
    dir?.remove();
  });

  const alice = keys(1);
  const aliceHandle = identityHandle(alice.ed.publicKey, alice.x);

  it('publishes keys under the handle derived from them and serves them with the owner signature', async () => {
    const t = Date.now();
    const r = await api('POST', '/v1/identities', statement(aliceHandle, alice, t));
    assert.equal(r.status, 201);
    assert.deepEqual(r.json(), { created: true, rotated: false });
    const got = await api('POST', '/v1/identities/lookup', { handle: b64(aliceHandle) });
    assert.equal(got.status, 200);
    assert.equal(got.headers['cache-control'], 'no-store');
    const j = got.json();
    assert.equal(j.ed25519, b64(alice.ed.publicKey));
    assert.equal(j.x25519, b64(alice.x));
    assert.equal(j.publishedAtMs, t);
    assert.equal(j.rotationSignature, null);
    assert.ok(verify(null, identityStatementBytes(aliceHandle, alice.ed.publicKey, alice.x, t), ed25519PublicKey(alice.ed.publicKey), Buffer.from(j.signature, 'base64url')));
  });

  it('answers a republication of the same keys as a repeat', async () => {
    const r = await api('POST', '/v1/identities', statement(aliceHandle, alice, Date.now() + 1));
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { created: false, rotated: false });
  });

  it('answers an unknown handle with 404 unknown_identity and a malformed one with 400 schema', async () => {
    const unknown = await api('POST', '/v1/identities/lookup', { handle: b64(Buffer.alloc(32, 9)) });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json().reason, 'unknown_identity');
    const bad = await api('POST', '/v1/identities/lookup', { handle: 'not-a-handle' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().reason, 'schema');
  });

  it('refuses a first statement under a handle that belongs to other keys (no squatting)', async () => {
    const mallory = keys(2);
    const victim = keys(3);
    const r = await api('POST', '/v1/identities', statement(identityHandle(victim.ed.publicKey, victim.x), mallory, Date.now()));
    assert.equal(r.status, 403);
    assert.equal(r.json().reason, 'handle_mismatch');
  });

  it('refuses a statement whose signature does not verify, and one dated outside the window', async () => {
    const bob = keys(4);
    const h = identityHandle(bob.ed.publicKey, bob.x);
    const forged = { ...statement(h, bob, Date.now()), signature: b64(Buffer.alloc(64, 1)) };
    const r = await api('POST', '/v1/identities', forged);
    assert.equal(r.status, 401);
    assert.equal(r.json().reason, 'bad_signature');
    // A key that is no Ed25519 point, and fields of the wrong length: a 4xx each, never a crash.
    const notAPoint = { ...statement(h, bob, Date.now()), ed25519: b64(Buffer.alloc(32, 0xff)) };
    assert.equal((await api('POST', '/v1/identities', notAPoint)).status, 401);
    assert.equal((await api('POST', '/v1/identities', { ...statement(h, bob, Date.now()), rotationSignature: 'AA' })).json().reason, 'schema');
    assert.equal((await api('POST', '/v1/identities', { ...statement(h, bob, Date.now()), extra: 1 })).json().reason, 'schema');
    const old = await api('POST', '/v1/identities', statement(h, bob, Date.now() - 3_600_000));
    assert.equal(old.status, 401);
    assert.equal(old.json().reason, 'stale_timestamp');
  });

  it('replaces the keys of a handle only with a rotation signature by the keys it holds, and never rolls back', async () => {
    const carol = keys(5);
    const h = identityHandle(carol.ed.publicKey, carol.x);
    const t0 = Date.now();
    assert.equal((await api('POST', '/v1/identities', statement(h, carol, t0))).status, 201);
    const rekeyed = keys(6);
    const unsigned = await api('POST', '/v1/identities', statement(h, rekeyed, t0 + 10));
    assert.equal(unsigned.status, 401);
    assert.equal(unsigned.json().reason, 'bad_signature');
    const byStranger = await api('POST', '/v1/identities', statement(h, rekeyed, t0 + 10, keys(7)));
    assert.equal(byStranger.status, 401);
    const rotated = await api('POST', '/v1/identities', statement(h, rekeyed, t0 + 10, carol));
    assert.equal(rotated.status, 200);
    assert.deepEqual(rotated.json(), { created: false, rotated: true });
    const j = (await api('POST', '/v1/identities/lookup', { handle: b64(h) })).json();
    assert.equal(j.ed25519, b64(rekeyed.ed.publicKey));
    assert.notEqual(j.rotationSignature, null);
    // The old keys' own statement, even a newer one, cannot take the handle back.
    const rollback = await api('POST', '/v1/identities', statement(h, carol, t0 + 20));
    assert.equal(rollback.status, 401);
    // A countersigned but older statement loses to the newer one on record.
    const stale = await api('POST', '/v1/identities', statement(h, keys(8), t0 + 5, rekeyed));
    assert.equal(stale.status, 409);
    assert.equal(stale.json().reason, 'stale_statement');
  });

  it('refuses more identities than dropbox.maxIdentities with 429 identities', async () => {
    // alice and carol are held; one more fits, the next does not.
    const d = keys(9);
    assert.equal((await api('POST', '/v1/identities', statement(identityHandle(d.ed.publicKey, d.x), d, Date.now()))).status, 201);
    const e = keys(10);
    const r = await api('POST', '/v1/identities', statement(identityHandle(e.ed.publicKey, e.x), e, Date.now()));
    assert.equal(r.status, 429);
    assert.equal(r.json().reason, 'identities');
  });

  it('keeps published identities across a restart', async () => {
    await provider.stop();
    provider = await Provider.start(config(), { logger: pino({ level: 'silent' }) });
    const got = await api('POST', '/v1/identities/lookup', { handle: b64(aliceHandle) });
    assert.equal(got.status, 200);
    assert.equal(got.json().ed25519, b64(alice.ed.publicKey));
  });

  it('counts publications and lookups on /metrics without handle labels', async () => {
    const text = await provider.metrics.registry.metrics();
    assert.match(text, /strata_provider_identity_lookups_total\{result="found"\} 1/);
    assert.doesNotMatch(text, /handle=/);
  });
});

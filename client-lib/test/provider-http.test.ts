import assert from 'node:assert/strict';
import { decodePollResponse } from '@strata/core/provider-protocol';
import { ProviderHttp, nodeIdOfIdentityKey, parseWellKnown } from '../src/provider-http.js';
import { signedAck, signedPoll, signedRegisterAlias, signedRegisterDevice, signedRegisterSurbs } from '../src/provider-requests.js';
import { nodeBackend } from '../src/crypto-node.js';
import { makeTempDir, seededBytes } from './helpers.js';
import { startProvider, type RunningProvider } from './net-fixtures.js';

const key = (i: number) => {
  const seed = new Uint8Array(32).fill(i);
  return { seed, publicKey: nodeBackend.ed25519PublicKey(seed) };
};

describe('ProviderHttp (against the real provider binary)', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let provider: RunningProvider;

  before(async () => {
    tmp = makeTempDir();
    provider = await startProvider(tmp.dir, { authorities: [{ url: 'http://127.0.0.1:1', identityKey: 'ab'.repeat(32) }], network: { epochLengthMs: 60000 } });
  });
  const opened: ProviderHttp[] = [];
  const track = (h: ProviderHttp): ProviderHttp => {
    opened.push(h);
    return h;
  };
  after(async () => {
    for (const h of opened) h.close();
    await provider?.stop();
    tmp.remove();
  });

  it('reads the well-known document, verifies its signature and pins the certificate', async () => {
    const http = track(new ProviderHttp(provider.url));
    const wk = await http.wellKnown(nodeIdOfIdentityKey(provider.identityKey), nodeBackend);
    assert.deepEqual(wk.provider.identityKey, provider.identityKey);
    assert.deepEqual(wk.provider.linkKey, provider.linkKey);
    assert.equal(wk.dropbox.messageBytes, 2000);
    assert.equal(wk.authorities.length, 1);
    assert.match(http.pinnedCertSha256 ?? '', /^[0-9a-f]{64}$/);
  });

  it('refuses a provider other than the one the address names', async () => {
    const http = track(new ProviderHttp(provider.url));
    await assert.rejects(http.wellKnown(new Uint8Array(32).fill(1)), { name: 'ProviderApiError', reason: 'wrong-provider' });
  });

  it('refuses a certificate other than the pinned one', async () => {
    const http = track(new ProviderHttp(provider.url, { pinnedCertSha256: '00'.repeat(32) }));
    await assert.rejects(http.wellKnown(), { name: 'ProviderApiError', reason: 'cert-changed' });
  });

  it('registers a device and an alias, polls its (empty, fixed-size) dropbox, acknowledges and registers SURB ids', async () => {
    const http = track(new ProviderHttp(provider.url));
    const wk = await http.wellKnown();
    const account = key(1);
    const device = key(2);
    const aliasKey = key(3);
    const alias = seededBytes(32, 4);
    assert.equal((await http.postJson('/v1/devices', signedRegisterDevice(account, device, { backend: nodeBackend }))).created, true);
    assert.equal((await http.postJson('/v1/aliases', signedRegisterAlias(alias, aliasKey, account, { backend: nodeBackend }))).created, true);
    const bytes = await http.postForBytes('/v1/poll', signedPoll(alias, aliasKey, device.publicKey, { backend: nodeBackend }));
    assert.equal(bytes.length, wk.dropbox.pollResponseBytes);
    assert.deepEqual(decodePollResponse(bytes), { entries: [], more: false });
    const acked = await http.postJson('/v1/ack', signedAck(alias, aliasKey, device.publicKey, [seededBytes(8, 5)], { backend: nodeBackend }));
    assert.equal(acked.acknowledged, 0);
    const surbs = await http.postJson('/v1/surbs', signedRegisterSurbs(alias, aliasKey, [seededBytes(16, 6)], Date.now() + 60_000, { backend: nodeBackend }));
    assert.equal(surbs.registered, 1);
  });

  it('reports a refused signed request with the provider\'s reason', async () => {
    const http = track(new ProviderHttp(provider.url));
    const stranger = key(9);
    await assert.rejects(http.postForBytes('/v1/poll', signedPoll(seededBytes(32, 7), stranger, key(8).publicKey, { backend: nodeBackend })), {
      name: 'ProviderApiError',
      reason: 'http',
      status: 401,
      providerReason: 'bad_signature',
    });
  });

  it('reports an unreachable provider as a typed error', async () => {
    const http = track(new ProviderHttp('https://127.0.0.1:1'));
    await assert.rejects(http.wellKnown(), { name: 'ProviderApiError', reason: 'unreachable' });
  });

  it('rejects malformed well-known documents with bad-response', () => {
    assert.throws(() => parseWellKnown(new TextEncoder().encode('{')), { name: 'ProviderApiError', reason: 'bad-response' });
    assert.throws(() => parseWellKnown(new TextEncoder().encode('{"version":1,"provider":{"identityKey":"zz"}}')), { name: 'ProviderApiError', reason: 'bad-response' });
  });
});

// Three directory authorities as real child processes on real ports, with short epochs.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConsensusFetcher,
  EpochClock,
  StrataMetrics,
  concatBytes,
  toBase64,
  toHex,
  uploadDescriptor,
  verifyConsensus,
  type SignedConsensusJson,
} from '@strata/core';
import { LocalAuthorities, commitTo, encodeReveal, encodeVote, scheduleFor } from '@strata/directory';
import { makeTestNetwork, makeTestNode, testSigner, TEST_GEOMETRY_HASH } from '../../core/test/fixtures.js';
import { getConsensus, post, waitFor } from './helpers.js';

const EPOCH_MS = 6000;
const SCHEDULE = { uploadCloseBeforeEpochMs: 3000, votePhaseMs: 600, revealPhaseMs: 600, signPhaseMs: 600, tickMs: 20 };
/** Time we leave ourselves to upload before a window closes. */
const UPLOAD_MARGIN_MS = 2000;

describe('directory authorities (system)', function () {
  this.timeout(60_000);
  const nodes = makeTestNetwork(2, 6);
  const clock = new EpochClock({ lengthMs: EPOCH_MS });
  let dir: string;
  let net: LocalAuthorities;
  let trusted: Uint8Array[];
  let firstEpoch = -1;
  let firstDoc: SignedConsensusJson;

  /** The next epoch whose upload window is still open for a while. */
  function nextTarget(after = -1): number {
    let e = clock.current() + 1;
    while (e <= after || scheduleFor(clock, SCHEDULE, e).uploadCloseMs < Date.now() + UPLOAD_MARGIN_MS) e++;
    return e;
  }

  async function uploadAll(epoch: number, up: number[]): Promise<void> {
    const all = await Promise.all(nodes.map((n) => uploadDescriptor(net.urls, n.descriptorFor(epoch))));
    for (const results of all) {
      results.forEach((r, i) => {
        if (up.includes(i)) assert.ok(r.accepted, `upload to authority ${i}: ${r.status} ${r.reason}`);
        else assert.deepEqual([r.accepted, r.reason], [false, 'unreachable']);
      });
    }
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-directory-system-'));
    net = await LocalAuthorities.prepare({
      dir,
      count: 3,
      epochLengthMs: EPOCH_MS,
      schedule: SCHEDULE,
      allow: {
        mixes: nodes.filter((n) => n.role === 'mix').map((n) => n.signer.publicKey),
        providers: nodes.filter((n) => n.role === 'provider').map((n) => n.signer.publicKey),
      },
      sphinxGeometryHash: TEST_GEOMETRY_HASH,
      logLevel: process.env.STRATA_TEST_LOG_LEVEL ?? 'info',
    });
    trusted = net.identityKeys;
    await net.startAll();
  });

  after(async () => {
    if (net) await net.stopAll();
    if (process.env.STRATA_KEEP_TEST_DIR) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });

  it('three authorities reach the same signed document', async () => {
    const epoch = nextTarget();
    await uploadAll(epoch, [0, 1, 2]);
    const docs = await Promise.all(
      [0, 1, 2].map((i) =>
        waitFor(`authority ${i} to publish epoch ${epoch}`, async () => {
          return (await getConsensus(net.urls[i], epoch)) as SignedConsensusJson | undefined;
        }),
      ),
    );
    const verified = docs.map((d) => verifyConsensus(d, trusted, 2, { epoch, sphinxGeometryHash: TEST_GEOMETRY_HASH }));
    assert.equal(new Set(docs.map((d) => d.document)).size, 1, 'all authorities hold the same bytes');
    const c = verified[0].consensus;
    assert.equal(c.providers.length, 2);
    assert.deepEqual(c.layers.map((l) => l.length), [2, 2, 2]);
    firstEpoch = epoch;
    firstDoc = docs[0];
  });

  it('with one authority down the other two still produce a valid document', async () => {
    await net.stop(2);
    const epoch = nextTarget(firstEpoch);
    await uploadAll(epoch, [0, 1]);
    for (const i of [0, 1]) {
      const doc = await waitFor(`authority ${i} to publish epoch ${epoch}`, () => getConsensus(net.urls[i], epoch));
      const v = verifyConsensus(doc, trusted, 2, { epoch });
      assert.equal(v.signers.length, 2);
    }
    // A client asking all three (one refuses connections) still gets it.
    const fetcher = new ConsensusFetcher({ authorityUrls: [net.urls[2], ...net.urls.slice(0, 2)], trustedAuthorityKeys: trusted, threshold: 2, metrics: new StrataMetrics('system_test_client') });
    assert.equal((await fetcher.fetch(epoch)).stale, false);
  });

  it('keeps its state across a restart', async () => {
    await net.start(2);
    const doc = (await getConsensus(net.urls[2], firstEpoch)) as SignedConsensusJson;
    assert.ok(doc, 'restarted authority still serves the earlier document');
    const health = (await (await fetch(`${net.urls[2]}/healthz`)).json()) as { lastPublishedEpoch: number };
    assert.ok(health.lastPublishedEpoch >= firstEpoch);
    assert.equal(doc.document, firstDoc.document);
    verifyConsensus(doc, trusted, 2, { epoch: firstEpoch });
  });

  describe('refusals, each with its reason and nothing stored', () => {
    const url = (path: string): string => `${net.urls[0]}${path}`;
    const resign = (body: Uint8Array, signer = nodes[2].signer): string => toBase64(concatBytes(body, signer.sign(body)));

    it('refuses a descriptor with a forged signature', async () => {
      const sd = nodes[2].descriptorFor(nextTarget());
      const bad = sd.encoded.slice();
      bad[bad.length - 1] ^= 1;
      const r = await post(url('/v1/descriptors'), { descriptor: toBase64(bad) });
      assert.deepEqual([r.status, r.json.error], [400, 'signature']);
    });

    it('refuses a node id that is not the hash of the identity key', async () => {
      const sd = nodes[2].descriptorFor(nextTarget());
      const body = sd.body.slice();
      body['strata/descriptor/v1'.length + 9] ^= 1;
      const r = await post(url('/v1/descriptors'), { descriptor: resign(body) });
      assert.deepEqual([r.status, r.json.error], [400, 'node-id']);
    });

    it('refuses a descriptor for a past or far-future epoch', async () => {
      for (const epoch of [clock.current() - 1, clock.current() + 5]) {
        const r = await post(url('/v1/descriptors'), { descriptor: toBase64(nodes[2].descriptorFor(epoch).encoded) });
        assert.deepEqual([r.status, r.json.error], [400, 'epoch']);
      }
    });

    it('refuses a small-order Sphinx key', async () => {
      const body = nodes[2].descriptorFor(nextTarget()).body.slice();
      body.fill(0, body.length - 32);
      const r = await post(url('/v1/descriptors'), { descriptor: resign(body) });
      assert.deepEqual([r.status, r.json.error], [400, 'keys']);
    });

    it('refuses a link address that is not tcp://', async () => {
      const body = nodes[2].descriptorFor(nextTarget()).body.slice();
      const at = Buffer.from(body).indexOf('tcp://');
      body.set(new TextEncoder().encode('udp://'), at);
      const r = await post(url('/v1/descriptors'), { descriptor: resign(body) });
      assert.deepEqual([r.status, r.json.error], [400, 'address']);
    });

    it('refuses an identity key not on the allow list', async () => {
      const stranger = makeTestNode('mix', 29999);
      const r = await post(url('/v1/descriptors'), { descriptor: toBase64(stranger.descriptorFor(nextTarget()).encoded) });
      assert.deepEqual([r.status, r.json.error], [403, 'not-allowed']);
    });

    it('refuses a second, different descriptor for the same node and epoch', async () => {
      const epoch = nextTarget();
      const first = nodes[3].descriptorFor(epoch);
      assert.equal((await post(url('/v1/descriptors'), { descriptor: toBase64(first.encoded) })).status, 202);
      assert.equal((await post(url('/v1/descriptors'), { descriptor: toBase64(first.encoded) })).status, 200);
      const body = first.body.slice();
      body.set(new TextEncoder().encode('tcp://127.0.0.2'), Buffer.from(body).indexOf('tcp://127.0.0.1'));
      const r = await post(url('/v1/descriptors'), { descriptor: resign(body, nodes[3].signer) });
      assert.deepEqual([r.status, r.json.error], [409, 'conflict']);
    });

    it('takes the raw descriptor bytes as application/octet-stream too', async () => {
      const sd = nodes[4].descriptorFor(nextTarget());
      const res = await fetch(url('/v1/descriptors'), { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: sd.encoded });
      assert.ok([200, 202].includes(res.status), String(res.status));
      const bad = sd.encoded.slice();
      bad[bad.length - 1] ^= 1;
      const r2 = await fetch(url('/v1/descriptors'), { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bad });
      assert.deepEqual([r2.status, ((await r2.json()) as { error: string }).error], [400, 'signature']);
    });

    it('refuses malformed JSON, schema violations, bad base64 and oversized bodies', async () => {
      let r = await post(url('/v1/descriptors'), '{"descriptor": ', true);
      assert.deepEqual([r.status, r.json.error], [400, 'malformed-json']);
      r = await post(url('/v1/descriptors'), { descriptor: 'AAAA', extra: 1 });
      assert.deepEqual([r.status, r.json.error], [400, 'schema']);
      r = await post(url('/v1/descriptors'), { descriptor: 'AB==' });
      assert.deepEqual([r.status, r.json.error], [400, 'encoding']);
      r = await post(url('/v1/descriptors'), { descriptor: 'A'.repeat(64 * 1024) });
      assert.deepEqual([r.status, r.json.error], [413, 'too-large']);
    });

    it('refuses votes and reveals from unknown authorities and forged ones from known ones', async () => {
      const epoch = nextTarget();
      const stranger = testSigner('stranger/vote');
      const vote = encodeVote(epoch, commitTo(epoch, stranger.publicKey, new Uint8Array(32)), [], stranger);
      let r = await post(url('/v1/exchange/vote'), { message: toBase64(vote.encoded) });
      assert.deepEqual([r.status, r.json.error], [403, 'unknown-authority']);
      const forged = vote.encoded.slice();
      forged.set(net.identityKeys[1], 'strata/dir-vote/v1'.length + 8); // claims to be authority 1
      r = await post(url('/v1/exchange/vote'), { message: toBase64(forged) });
      assert.deepEqual([r.status, r.json.error], [400, 'signature']);
      r = await post(url('/v1/exchange/reveal'), { message: toBase64(encodeReveal(epoch, new Uint8Array(32), stranger).encoded) });
      assert.deepEqual([r.status, r.json.error], [403, 'unknown-authority']);
      r = await post(url('/v1/exchange/vote'), { message: toBase64(new Uint8Array(10)) });
      assert.deepEqual([r.status, r.json.error], [400, 'encoding']);
      // A signature claiming authority 1 that covers nothing this authority computed.
      r = await post(url('/v1/exchange/signature'), { epoch, authority: toHex(net.identityKeys[1]), signature: 'ab'.repeat(64) });
      assert.equal(r.status, 409);
      assert.ok(['not-ready', 'mismatch'].includes(r.json.error ?? ''), r.json.error);
      r = await post(url('/v1/exchange/signature'), { epoch, authority: toHex(stranger.publicKey), signature: 'ab'.repeat(64) });
      assert.deepEqual([r.status, r.json.error], [403, 'unknown-authority']);
    });

    it('answers 404 not-available for an epoch without a document, and 400 for a non-number', async () => {
      let res = await fetch(url('/v1/consensus/3'));
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { error: string }).error, 'not-available');
      res = await fetch(url('/v1/consensus/abc'));
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { error: string }).error, 'schema');
    });

    it('reports health and phase on /healthz', async () => {
      const res = await fetch(url('/healthz'));
      assert.equal(res.status, 200);
      const h = (await res.json()) as { ok: boolean; epoch: number; phase: string };
      assert.equal(h.ok, true);
      assert.ok(Math.abs(h.epoch - clock.current()) <= 1);
      assert.ok(['upload', 'vote', 'reveal', 'sign', 'published', 'failed'].includes(h.phase));
    });

    it('counts refusals by reason in /metrics', async () => {
      const text = await (await fetch(url('/metrics'))).text();
      assert.match(text, /strata_directory_rejected_total\{route="descriptors",reason="signature"\} 2/);
      assert.match(text, /strata_directory_rejected_total\{route="descriptors",reason="too-large"\} 1/);
      assert.match(text, /strata_directory_documents_total\{result="published"\} [1-9]/);
    });
  });
});

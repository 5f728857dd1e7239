// Directory benchmarks (JSON lines, medians):
//  - verifying a 100-node document (3 and 5 authorities), with and without re-checking every
//    descriptor signature; decoding; building it (tally) from three votes;
//  - the time from the upload window closing to a threshold-signed document, with three real
//    authority processes on loopback and the test schedule.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  EpochClock,
  buildConsensus,
  decodeConsensus,
  encodeConsensus,
  encodeSignedConsensusJson,
  signConsensus,
  toBase64,
  verifyConsensus,
} from '@strata/core';
import { LocalAuthorities, commitTo, encodeReveal, encodeVote, scheduleFor, tally } from '@strata/directory';
import { makeTestNetwork, testSecret, testSigner, TEST_GEOMETRY_HASH, TEST_PARAMS } from '../../core/test/fixtures.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function bench(name: string, iterations: number, fn: () => void, extra: Record<string, unknown> = {}): void {
  for (let i = 0; i < Math.min(20, iterations); i++) fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  const us = median(times) * 1000;
  console.log(JSON.stringify({ name, ...extra, us_per_op: Math.round(us * 10) / 10, ops_per_s: Math.round(1e6 / us) }));
}

const EPOCH = 1000;
const nodes = makeTestNetwork(10, 90);
const descriptors = nodes.map((n) => n.descriptorFor(EPOCH));
const consensus = buildConsensus({ epoch: EPOCH, descriptors, sharedRandom: testSecret('srv'), params: TEST_PARAMS, sphinxGeometryHash: TEST_GEOMETRY_HASH });
const bytes = encodeConsensus(consensus);

for (const n of [3, 5]) {
  const auths = Array.from({ length: n }, (_, i) => testSigner(`authority/${i}`));
  const threshold = Math.floor(n / 2) + 1;
  const doc = encodeSignedConsensusJson(EPOCH, bytes, auths.map((a) => signConsensus(bytes, a)));
  const text = JSON.stringify(doc);
  const keys = auths.map((a) => a.publicKey);
  bench('verify_consensus', 200, () => verifyConsensus(text, keys, threshold, { epoch: EPOCH }), { nodes: 100, authorities: n, bytes: bytes.length, json_bytes: text.length });
  if (n === 3) {
    bench('verify_consensus_with_descriptor_signatures', 50, () => verifyConsensus(text, keys, threshold, { epoch: EPOCH, verifyDescriptorSignatures: true }), { nodes: 100, authorities: n });
  }
}
bench('decode_consensus', 200, () => decodeConsensus(bytes), { nodes: 100 });
bench('encode_consensus', 200, () => encodeConsensus(consensus), { nodes: 100 });
{
  const auths = [0, 1, 2].map((i) => testSigner(`authority/${i}`));
  const secrets = [0, 1, 2].map((i) => testSecret(`reveal/${i}`));
  const votes = auths.map((a, i) => encodeVote(EPOCH, commitTo(EPOCH, a.publicKey, secrets[i]), descriptors, a));
  const reveals = auths.map((a, i) => encodeReveal(EPOCH, secrets[i], a));
  bench('tally_consensus', 50, () => tally({ epoch: EPOCH, votes, reveals, threshold: 2, params: TEST_PARAMS, sphinxGeometryHash: TEST_GEOMETRY_HASH, layers: 3 }), { nodes: 100, authorities: 3 });
}

// Agreement latency with three real authority processes.
async function agreement(): Promise<void> {
  const EPOCH_MS = 6000;
  const SCHEDULE = { uploadCloseBeforeEpochMs: 3000, votePhaseMs: 600, revealPhaseMs: 600, signPhaseMs: 600, tickMs: 20 };
  const dir = mkdtempSync(join(tmpdir(), 'strata-directory-bench-'));
  const net = await LocalAuthorities.prepare({
    dir,
    count: 3,
    epochLengthMs: EPOCH_MS,
    schedule: SCHEDULE,
    allow: { mixes: nodes.filter((n) => n.role === 'mix').map((n) => n.signer.publicKey), providers: nodes.filter((n) => n.role === 'provider').map((n) => n.signer.publicKey) },
    sphinxGeometryHash: TEST_GEOMETRY_HASH,
    logLevel: 'warn',
  });
  try {
    await net.startAll();
    const clock = new EpochClock({ lengthMs: EPOCH_MS });
    const round = async (up: number[]): Promise<number> => {
      let e = clock.current() + 1;
      while (scheduleFor(clock, SCHEDULE, e).uploadCloseMs < Date.now() + 1500) e++;
      const urls = up.map((i) => net.urls[i]);
      await Promise.all(
        nodes.map((n) => {
          const body = JSON.stringify({ descriptor: toBase64(n.descriptorFor(e).encoded) });
          return Promise.all(urls.map((u) => fetch(`${u}/v1/descriptors`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.text())));
        }),
      );
      const close = scheduleFor(clock, SCHEDULE, e).uploadCloseMs;
      // Poll every running authority until each serves the document; note when each first did.
      const seen = new Map<number, number>();
      while (seen.size < urls.length && Date.now() < close + 5000) {
        await Promise.all(
          urls.map(async (u, i) => {
            if (seen.has(i)) return;
            const r = await fetch(`${u}/v1/consensus/${e}`);
            await r.text();
            if (r.status === 200) seen.set(i, Date.now() - close);
          }),
        );
        await new Promise((r) => setTimeout(r, 5));
      }
      return seen.size === urls.length ? Math.max(...seen.values()) : -1;
    };
    const allUp = [await round([0, 1, 2]), await round([0, 1, 2])];
    console.log(JSON.stringify({ name: 'agreement_after_upload_close', authorities: 3, up: 3, nodes: 100, vote_reveal_sign_phase_ms: 600, ms_all_serving: allUp }));
    await net.stop(2);
    const oneDown = [await round([0, 1])];
    console.log(JSON.stringify({ name: 'agreement_after_upload_close', authorities: 3, up: 2, nodes: 100, vote_reveal_sign_phase_ms: 600, ms_all_serving: oneDown }));
  } finally {
    await net.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

await agreement();

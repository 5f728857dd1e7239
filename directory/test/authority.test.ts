// Three authorities in one process, on real ports with real LMDB files, driven by a manual
// clock: the whole exchange step by step, including a restart in the middle of it.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EpochClock, keygen, toHex, uploadDescriptor, verifyConsensus, type SignedConsensusJson } from '@strata/core';
import { parseDirectoryConfig, scheduleFor, startDirectory, type DirectoryConfig, type RunningDirectory } from '@strata/directory';
import { makeTestNetwork, TEST_GEOMETRY_HASH } from '../../core/test/fixtures.js';
import { getConsensus, waitFor } from './helpers.js';
import { freePort } from '@strata/core/free-port';

const EPOCH_MS = 60_000;
const SCHEDULE = { uploadCloseBeforeEpochMs: 30_000, votePhaseMs: 5000, revealPhaseMs: 5000, signPhaseMs: 5000, tickMs: 60_000 };
const E = 1000;


describe('Authority (in-process, manual clock)', function () {
  this.timeout(30_000);
  const nodes = makeTestNetwork(1, 3);
  let dir: string;
  let now = 0;
  const clock = new EpochClock({ lengthMs: EPOCH_MS, now: () => now });
  const s = scheduleFor(clock, SCHEDULE, E);
  const configs: DirectoryConfig[] = [];
  const running: (RunningDirectory | undefined)[] = [];
  let urls: string[] = [];
  let keys: Uint8Array[] = [];

  const start = async (i: number): Promise<void> => {
    running[i] = await startDirectory(configs[i], { clock });
  };
  const tickAll = async (): Promise<void> => {
    await Promise.all(running.map((r) => r?.authority.tick()));
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-authority-'));
    const ports = [await freePort(), await freePort(), await freePort()];
    urls = ports.map((p) => `http://127.0.0.1:${p}`);
    const ids = [0, 1, 2].map((i) => keygen(join(dir, `a${i}`)));
    keys = ids.map((k) => Buffer.from(k.identityKey, 'hex'));
    for (let i = 0; i < 3; i++) {
      configs.push(
        parseDirectoryConfig({
          identityKeyFile: join(dir, `a${i}`, 'identity.key'),
          dataDir: join(dir, `a${i}`, 'data'),
          listen: { host: '127.0.0.1', port: ports[i] },
          epoch: { lengthMs: EPOCH_MS },
          schedule: SCHEDULE,
          authorities: ids.map((k, j) => ({ identityKey: k.identityKey, url: urls[j] })),
          allow: { mixes: nodes.filter((n) => n.role === 'mix').map((n) => toHex(n.signer.publicKey)), providers: [toHex(nodes[0].signer.publicKey)] },
          network: { sphinxGeometryHash: toHex(TEST_GEOMETRY_HASH) },
          log: { level: 'silent' },
        }),
      );
    }
    now = s.uploadCloseMs - 10_000;
    for (let i = 0; i < 3; i++) await start(i);
  });

  after(async () => {
    await Promise.all(running.map((r) => r?.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('stays in the upload phase until the window closes', async () => {
    for (const n of nodes) assert.ok((await uploadDescriptor(urls, n.descriptorFor(E))).every((r) => r.accepted));
    await tickAll();
    assert.deepEqual(running.map((r) => r!.authority.phase(E)), ['upload', 'upload', 'upload']);
  });

  it('votes at the upload close and closes the vote set once all three voted', async () => {
    now = s.uploadCloseMs;
    await tickAll();
    await waitFor('all vote sets closed', async () => {
      await tickAll();
      return running.every((r) => r!.authority.phase(E) !== 'vote') ? true : undefined;
    });
  });

  it('resumes after a restart in the middle of the exchange and still co-signs', async () => {
    await running[1]!.stop();
    running[1] = undefined;
    await start(1);
    const docs = await waitFor('all three publish with three signatures', async () => {
      await tickAll();
      const d = (await Promise.all(urls.map((u) => getConsensus(u, E)))) as (SignedConsensusJson | undefined)[];
      return d.every((x) => x && x.signatures.length === 3) ? (d as SignedConsensusJson[]) : undefined;
    });
    assert.equal(new Set(docs.map((d) => d.document)).size, 1);
    const v = verifyConsensus(docs[0], keys, 2, { epoch: E });
    assert.equal(v.signers.length, 3);
    assert.equal(v.consensus.layers.flat().length, 3);
    assert.ok(now < s.epochStartMs);
  });

  it('refuses uploads for the epoch once its window closed', async () => {
    const r = await uploadDescriptor([urls[0]], nodes[1].descriptorFor(E));
    assert.deepEqual([r[0].accepted, r[0].reason], [false, 'epoch']);
  });

  it('records an epoch with no uploads as failed once it starts, and serves nothing for it', async () => {
    const next = scheduleFor(clock, SCHEDULE, E + 1);
    now = next.uploadCloseMs;
    await tickAll();
    now = next.signDeadlineMs;
    await tickAll();
    assert.deepEqual(running.map((r) => r!.authority.phase(E + 1)), ['sign', 'sign', 'sign']);
    now = next.epochStartMs;
    await waitFor('failed recorded', async () => {
      await tickAll();
      return running.every((r) => r!.authority.phase(E + 1) === 'failed') ? true : undefined;
    });
    assert.equal(await getConsensus(urls[0], E + 1), undefined);
  });
});

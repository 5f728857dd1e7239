import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '..', 'src', 'bin.ts');
const NODE_ARGS = ['--import', 'tsx', '--conditions=strata-source', BIN];

const TINY = {
  name: 'tiny',
  seed: 5,
  repetitions: 2,
  durationS: 8,
  warmupS: 1,
  topology: { layers: 2, width: 2, providers: 2 },
  hopDelayMeanMs: 50,
  users: { count: 8, lambdaPPerS: 3, lambdaLPerS: 1, lambdaDPerS: 1, contacts: 2 },
  realTraffic: { kind: 'poisson', ratePerUserPerS: 1 },
  metrics: { trackedTargets: 5, senderAnonymity: true, corruptSweep: [0, 0.5, 1] },
};

describe('strata-sim (child processes)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-sim-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('run writes the report, byte-identical apart from wall time for the same seed', async () => {
    const f = join(dir, 'tiny.json');
    writeFileSync(f, JSON.stringify(TINY));
    await run(process.execPath, [...NODE_ARGS, 'run', f, '--out', join(dir, 'a'), '--quiet']);
    await run(process.execPath, [...NODE_ARGS, 'run', f, '--out', join(dir, 'b'), '--quiet']);
    for (const name of ['summary.json', 'messages.csv', 'entropy-vs-delay.svg', 'latency-cdf.svg', 'entropy-vs-corrupt.svg', 'index.html']) {
      assert.ok(existsSync(join(dir, 'a', name)), name);
    }
    const strip = (p: string): string => {
      const s = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
      delete s.wall;
      return JSON.stringify(s);
    };
    const a = strip(join(dir, 'a', 'summary.json'));
    assert.equal(a, strip(join(dir, 'b', 'summary.json')));
    assert.equal(readFileSync(join(dir, 'a', 'messages.csv'), 'utf8'), readFileSync(join(dir, 'b', 'messages.csv'), 'utf8'));
    const s = JSON.parse(a) as { repetitions: number; metrics: Record<string, { n: number; ci95: unknown }> };
    assert.equal(s.repetitions, 2);
    assert.ok(s.metrics.latencyMs.n > 0 && Array.isArray(s.metrics.latencyMs.ci95));
  });

  it('run exits non-zero with a path-prefixed message on a bad scenario', async () => {
    const f = join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ name: 'bad', users: { count: -1 } }));
    await assert.rejects(run(process.execPath, [...NODE_ARGS, 'run', f, '--out', join(dir, 'o')]), (e: Error & { stderr: string }) => {
      assert.match(e.stderr, /ScenarioError: scenario\.users\.count/);
      return true;
    });
  });

  it('sweep runs every grid cell and resumes without redoing finished cells', async () => {
    const g = join(dir, 'grid.json');
    writeFileSync(g, JSON.stringify({ base: { ...TINY, repetitions: 1, metrics: { perMessageCsv: false } }, grid: { hopDelayMeanMs: [20, 80] } }));
    const out = join(dir, 'sweep');
    await run(process.execPath, [...NODE_ARGS, 'sweep', g, '--out', out, '--parallel', '2', '--quiet']);
    const sweep = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { cells: { id: string; means: Record<string, number> }[] };
    assert.equal(sweep.cells.length, 2);
    assert.ok(sweep.cells[1].means.latencyMs > sweep.cells[0].means.latencyMs);
    const keep = join(out, 'cells', sweep.cells[0].id, 'summary.json');
    const before = statSync(keep).mtimeMs;
    rmSync(join(out, 'cells', sweep.cells[1].id), { recursive: true });
    await run(process.execPath, [...NODE_ARGS, 'sweep', g, '--out', out, '--quiet']);
    assert.equal(statSync(keep).mtimeMs, before);
    assert.ok(existsSync(join(out, 'cells', sweep.cells[1].id, 'summary.json')));
  });
});

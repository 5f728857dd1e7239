// The CLI as a real child process, run from source.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VECTORS_DIR } from './helpers.js';

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', '--conditions=strata-source', BIN, ...args], { cwd: ROOT }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const lastLine = (s: string) => s.trim().split('\n').at(-1);

describe('sphinx-packet-ts CLI', function () {
  this.timeout(90_000); // child processes compile TypeScript on start; the machine is shared
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sphinx-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('check-vectors passes all four Katzenpost Sphinx vector files', async () => {
    const files = ['sphinx_vectors.json', 'lean_nike_vectors.json', 'kemsphinx_vectors.json', 'sphinx_commands_vectors.json'].map((f) => join(VECTORS_DIR, f));
    const r = await run(['check-vectors', ...files]);
    assert.equal(lastLine(r.stdout), '34 passed, 0 failed');
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim().split('\n').length, 35);
  });

  it('make-vectors output passes check-vectors for NIKE and KEM, with and without SURB', async () => {
    const files: string[] = [];
    const made = await Promise.all(
      [[], ['--surb'], ['--kem'], ['--kem', '--surb']].map((extra, i) => {
        const out = join(dir, `made-${i}.json`);
        files.push(out);
        return run(['make-vectors', '--hops', '4', '--payload-bytes', '120', '--count', '2', ...extra, '--out', out]);
      }),
    );
    for (const m of made) assert.equal(m.code, 0, m.stderr);
    const r = await run(['check-vectors', ...files]);
    assert.equal(lastLine(r.stdout), '8 passed, 0 failed');
    assert.match(r.stdout, /kem surb-reply 4 hops/);
    assert.match(r.stdout, /nike forward 4 hops/);
    assert.equal(r.code, 0);
  });

  it('check-vectors reports a corrupted file as failed and exits 1', async () => {
    const tests = JSON.parse(readFileSync(join(VECTORS_DIR, 'sphinx_vectors.json'), 'utf8'));
    tests[2].Payload = 'ff' + tests[2].Payload.slice(2);
    const bad = join(dir, 'corrupt.json');
    writeFileSync(bad, JSON.stringify(tests));
    const garbage = join(dir, 'garbage.json');
    writeFileSync(garbage, '{"truncated": ');
    const r = await run(['check-vectors', bad, garbage]);
    assert.equal(lastLine(r.stdout), '9 passed, 2 failed');
    assert.match(r.stdout, /FAIL .*corrupt\.json#2/);
    assert.equal(r.code, 1);
  });

  it('check-vectors exits 1 when nothing passed', async () => {
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '[]');
    const r = await run(['check-vectors', empty]);
    assert.equal(lastLine(r.stdout), '0 passed, 1 failed');
    assert.equal(r.code, 1);
  });
});

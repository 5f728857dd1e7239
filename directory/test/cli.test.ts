import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keygen } from '@strata/core';
import { directoryCommand } from '@strata/directory';

const BIN = resolve(fileURLToPath(import.meta.url), '../../src/bin.ts');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=strata-source', BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => res({ code, stdout, stderr }));
  });
}

describe('strata directory --config', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-directory-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is a commander command named directory', () => {
    assert.equal(directoryCommand().name(), 'directory');
  });

  it('refuses an invalid config with a path-prefixed error and exit code 2', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ identityKeyFile: 'k', authorities: [{ identityKey: 'ab'.repeat(32), url: 'http://a' }], listen: { port: 70000 } }));
    const r = await run(['--config', file, '--check']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /listen\.port: must be an integer in \[0, 65535\]/);
  });

  it('accepts a valid config with --check', async () => {
    const keys = keygen(join(dir, 'keys'));
    const file = join(dir, 'good.json');
    writeFileSync(file, JSON.stringify({ identityKeyFile: 'keys/identity.key', authorities: [{ identityKey: keys.identityKey, url: 'http://127.0.0.1:7000' }] }));
    const r = await run(['--config', file, '--check']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /config ok/);
  });
});

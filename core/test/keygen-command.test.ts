import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keygen, keygenCommand, nodeIdOf, readKeyFile, showKeys, toHex } from '@strata/core';

describe('keygen', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-keygen-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an identity key and a link key with mode 0600 and reports the node id', () => {
    const out = keygen(join(dir, 'keys'));
    assert.equal(statSync(out.identityKeyFile).mode & 0o777, 0o600);
    assert.equal(statSync(out.linkKeyFile).mode & 0o777, 0o600);
    const id = readKeyFile(out.identityKeyFile, 'ed25519-identity');
    assert.equal(out.nodeId, toHex(nodeIdOf(id.publicKey)));
    assert.deepEqual(showKeys(join(dir, 'keys')), out);
  });

  it('refuses to overwrite existing keys without --force', () => {
    keygen(dir);
    assert.throws(() => keygen(dir), { name: 'KeyError', reason: 'exists' });
    keygen(dir, { force: true });
  });

  it('is a commander command named keygen with --dir', async () => {
    const cmd = keygenCommand();
    assert.equal(cmd.name(), 'keygen');
    const written: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (written.push(s), true)) as typeof process.stdout.write;
    try {
      await cmd.parseAsync(['--dir', dir], { from: 'user' });
    } finally {
      process.stdout.write = orig;
    }
    assert.equal(JSON.parse(written.join('')).nodeId.length, 64);
  });
});

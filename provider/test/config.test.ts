import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TTL_MS, loadProviderConfig, parseProviderConfig } from '../src/config.js';
import { tempDir } from './helpers.js';

describe('parseProviderConfig', () => {
  it('fills every default and freezes the result', () => {
    const c = parseProviderConfig({ dataDir: '/tmp/x' });
    assert.equal(c.dropbox.ttlMs, DEFAULT_TTL_MS);
    assert.equal(c.dropbox.messageBytes, 2000);
    assert.equal(c.api.port, 8443);
    assert.equal(c.admin.host, '127.0.0.1');
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.dropbox));
    assert.ok(Object.isFrozen(c.api.tls.hostnames));
  });

  it('names the path of a bad value', () => {
    assert.throws(() => parseProviderConfig({ dataDir: '/x', dropbox: { pollEntries: 0 } }), (e: Error) => e.name === 'ProviderConfigError' && e.message.startsWith('provider.dropbox.pollEntries:'));
    assert.throws(() => parseProviderConfig({ dataDir: '/x', api: { port: 'x' } }), /^ProviderConfigError: provider\.api\.port:/);
  });

  it('rejects unknown options and a missing dataDir', () => {
    assert.throws(() => parseProviderConfig({ dataDir: '/x', dropbox: { tll: 1 } }), /provider\.dropbox\.tll: unknown option/);
    assert.throws(() => parseProviderConfig({}), /provider\.dataDir:/);
  });

  it('requires certFile and keyFile together', () => {
    assert.throws(() => parseProviderConfig({ dataDir: '/x', api: { tls: { certFile: '/c.pem' } } }), /provider\.api\.tls\.certFile: certFile and keyFile/);
  });

  it('checks every authority entry of the well-known section', () => {
    assert.throws(() => parseProviderConfig({ dataDir: '/x', wellKnown: { authorities: [{ url: 'https://a' }] } }), /provider\.wellKnown\.authorities\[0\]\.identityKey:/);
  });
});

describe('loadProviderConfig', () => {
  it('reads a JSON file and reports invalid JSON with the file name', () => {
    const dir = tempDir();
    try {
      const good = join(dir.path, 'good.json');
      writeFileSync(good, JSON.stringify({ dataDir: dir.path, dropbox: { pollEntries: 4 } }));
      assert.equal(loadProviderConfig(good).dropbox.pollEntries, 4);
      const bad = join(dir.path, 'bad.json');
      writeFileSync(bad, '{');
      assert.throws(() => loadProviderConfig(bad), (e: Error) => e.name === 'ProviderConfigError' && e.message.includes('bad.json'));
    } finally {
      dir.remove();
    }
  });
});

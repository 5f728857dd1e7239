import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, parseConfig, type ConfigReader } from '@strata/core';

const DEFAULTS = { listen: { host: '127.0.0.1', port: 7000 }, peers: [] as unknown[], dataDir: 'data' };

function validate(r: ConfigReader) {
  r.object('', ['listen', 'peers', 'dataDir']);
  r.object('listen', ['host', 'port']);
  return {
    listen: { host: r.string('listen.host'), port: r.int('listen.port', { min: 0, max: 65535 }) },
    peers: r.array('peers', (p) => ({ url: p.url('url', ['http:', 'https:']), key: p.hex('key', 32) })),
    dataDir: r.path('dataDir'),
  };
}

describe('config', () => {
  it('merges defaults under the given values and freezes the result', () => {
    const cfg = parseConfig({ listen: { port: 8000 } }, DEFAULTS, validate, '/srv');
    assert.equal(cfg.listen.host, '127.0.0.1');
    assert.equal(cfg.listen.port, 8000);
    assert.equal(cfg.dataDir, '/srv/data');
    assert.ok(Object.isFrozen(cfg) && Object.isFrozen(cfg.listen));
  });

  it('prefixes errors with the dotted path', () => {
    assert.throws(() => parseConfig({ listen: { port: 70000 } }, DEFAULTS, validate), {
      name: 'ConfigError',
      path: 'listen.port',
      message: 'listen.port: must be an integer in [0, 65535]',
    });
  });

  it('names the array item that is wrong', () => {
    const peers = [{ url: 'http://a', key: '00'.repeat(32) }, { url: 'ftp://b', key: '00'.repeat(32) }];
    assert.throws(() => parseConfig({ peers }, DEFAULTS, validate), { name: 'ConfigError', path: 'peers[1].url' });
    assert.throws(() => parseConfig({ peers: [{ url: 'http://a', key: 'zz' }] }, DEFAULTS, validate), { name: 'ConfigError', path: 'peers[0].key' });
  });

  it('rejects unknown keys (typos)', () => {
    assert.throws(() => parseConfig({ listen: { prot: 1 } }, DEFAULTS, validate), { name: 'ConfigError', path: 'listen.prot' });
  });

  it('loads a JSON file and resolves paths against its folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-config-'));
    try {
      const file = join(dir, 'c.json');
      writeFileSync(file, JSON.stringify({ dataDir: 'state' }));
      assert.equal(loadConfigFile(file, DEFAULTS, validate).dataDir, join(dir, 'state'));
      writeFileSync(file, '{oops');
      assert.throws(() => loadConfigFile(file, DEFAULTS, validate), { name: 'ConfigError', message: /not valid JSON/ });
      assert.throws(() => loadConfigFile(join(dir, 'missing.json'), DEFAULTS, validate), { name: 'ConfigError' });
      writeFileSync(file, '[]');
      assert.throws(() => loadConfigFile(file, DEFAULTS, validate), { name: 'ConfigError' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

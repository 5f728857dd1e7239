import { strict as assert } from 'node:assert';
import { DEFAULT_GEOMETRY, geometryHash } from 'sphinx-packet-ts';
import { parseDirectoryConfig } from '@strata/directory';

const KEY = 'ab'.repeat(32);
const valid = {
  identityKeyFile: 'keys/identity.key',
  authorities: [{ identityKey: KEY, url: 'http://127.0.0.1:7000/' }],
  network: { sphinxGeometryHash: '00'.repeat(32) },
};

describe('directory config', () => {
  it('fills defaults: 20-minute epochs, uploads closing half an epoch early, eighth-epoch phases', () => {
    const c = parseDirectoryConfig(valid, '/etc/strata');
    assert.equal(c.epoch.lengthMs, 1_200_000);
    assert.equal(c.schedule.uploadCloseBeforeEpochMs, 600_000);
    assert.equal(c.schedule.votePhaseMs, 150_000);
    assert.equal(c.identityKeyFile, '/etc/strata/keys/identity.key');
    assert.equal(c.authorities[0].url, 'http://127.0.0.1:7000');
    assert.equal(c.network.mixLayers, 3);
    assert.ok(Object.isFrozen(c.network));
  });

  it('defaults the geometry hash to that of the default Sphinx geometry', () => {
    const c = parseDirectoryConfig({ ...valid, network: {} });
    assert.deepEqual(c.network.sphinxGeometryHash, geometryHash(DEFAULT_GEOMETRY));
  });

  const cases: [string, Record<string, unknown>, string][] = [
    ['a missing identity key file', { identityKeyFile: undefined }, 'identityKeyFile'],
    ['a bad authority key', { authorities: [{ identityKey: 'xyz', url: 'http://a' }] }, 'authorities[0].identityKey'],
    ['an authority URL that is not http(s)', { authorities: [{ identityKey: KEY, url: 'ftp://a' }] }, 'authorities[0].url'],
    ['an authority listed twice', { authorities: [{ identityKey: KEY, url: 'http://a' }, { identityKey: KEY, url: 'http://b' }] }, 'authorities[1].identityKey'],
    ['a non-positive mu', { network: { sphinxGeometryHash: '00'.repeat(32), muPerSecond: 0 } }, 'network.muPerSecond'],
    ['a malformed geometry hash', { network: { sphinxGeometryHash: 'abc' } }, 'network.sphinxGeometryHash'],
    ['a bad allow-list entry', { allow: { mixes: ['nothex'] } }, 'allow.mixes[0]'],
    ['phases that do not fit before the epoch', { epoch: { lengthMs: 10_000 }, schedule: { uploadCloseBeforeEpochMs: 1000, votePhaseMs: 600, revealPhaseMs: 600 } }, 'schedule'],
    ['an unknown key', { lisen: {} }, 'lisen'],
    ['a port out of range', { listen: { port: 70000 } }, 'listen.port'],
    ['a zero connection cap per source', { limits: { maxConnectionsPerSource: 0 } }, 'limits.maxConnectionsPerSource'],
  ];
  for (const [what, patch, path] of cases) {
    it(`refuses ${what} with the path ${path}`, () => {
      assert.throws(() => parseDirectoryConfig({ ...valid, ...patch }), (err: Error & { path?: string }) => {
        assert.equal(err.name, 'ConfigError');
        assert.equal(err.path, path);
        assert.ok(err.message.startsWith(`${path}: `), err.message);
        return true;
      });
    });
  }
});

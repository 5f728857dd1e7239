import { strict as assert } from 'node:assert';
import { ConfigError, ConsensusError, DescriptorError, KeyError, StrataError } from '@strata/core';

describe('errors', () => {
  it('set their names and reasons and stay StrataErrors', () => {
    const cases: [StrataError, string, string][] = [
      [new ConfigError('a.b', 'must be x'), 'ConfigError', 'config'],
      [new ConsensusError('threshold', 'm'), 'ConsensusError', 'threshold'],
      [new DescriptorError('node-id', 'm'), 'DescriptorError', 'node-id'],
      [new KeyError('permissions', 'm'), 'KeyError', 'permissions'],
    ];
    for (const [err, name, reason] of cases) {
      assert.ok(err instanceof StrataError && err instanceof Error);
      assert.equal(err.name, name);
      assert.equal(err.reason, reason);
    }
  });

  it('prefixes a config error message with its path', () => {
    const err = new ConfigError('listen.port', 'must be an integer');
    assert.equal(err.message, 'listen.port: must be an integer');
    assert.equal(err.path, 'listen.port');
  });
});

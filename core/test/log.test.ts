import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { createLogger } from '@strata/core';

describe('log', () => {
  it('redacts keys, payloads and client addresses, at top level and one level down', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger({ component: 'test', destination });
    log.info({ privateKey: 'SECRET1', peer: { remoteAddress: 'SECRET2', payload: 'SECRET3' }, epoch: 4 }, 'hello');
    const line = lines.join('');
    assert.doesNotMatch(line, /SECRET/);
    assert.match(line, /"epoch":4/);
    assert.match(line, /"component":"test"/);
  });
});

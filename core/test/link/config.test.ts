import { strict as assert } from 'node:assert';
import { commandBytesOf, frameBytesForBody, linkPrologue, resolveLinkConfig } from '../../src/link/config.js';

describe('resolveLinkConfig', () => {
  it('fills defaults and freezes the result', () => {
    const c = resolveLinkConfig({ frameBytes: 3100 });
    assert.equal(c.frameBytes, 3100);
    assert.equal(c.rekeyAfterFrames, 65536);
    assert.ok(Object.isFrozen(c));
  });

  it('names the offending path', () => {
    assert.throws(() => resolveLinkConfig({ frameBytes: 3100, rekeyAfterFrames: 1 }, 'mix.link'), (e: Error) =>
      e.name === 'ConfigError' && e.message.startsWith('mix.link.rekeyAfterFrames:'));
    assert.throws(() => resolveLinkConfig({ frameBytes: 70000 }), (e: Error) =>
      e.name === 'ConfigError' && e.message.startsWith('link.frameBytes:'));
  });

  it('sizes a frame for a body and back', () => {
    assert.equal(frameBytesForBody(2000), 2 + 16 + 6 + 2000);
    assert.equal(commandBytesOf(frameBytesForBody(2000)), 6 + 2000);
  });

  it('binds frame size and rekey period into the prologue', () => {
    const a = linkPrologue({ frameBytes: 3100, rekeyAfterFrames: 10 });
    assert.notDeepEqual(a, linkPrologue({ frameBytes: 3101, rekeyAfterFrames: 10 }));
    assert.notDeepEqual(a, linkPrologue({ frameBytes: 3100, rekeyAfterFrames: 11 }));
  });
});

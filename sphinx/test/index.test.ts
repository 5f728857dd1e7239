import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as sphinx from '../src/index.js';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { browser: Record<string, string> };

describe('package index', () => {
  it('exports the API other packages use', () => {
    for (const name of [
      'Geometry', 'DEFAULT_GEOMETRY', 'geometryHash', 'encodeCommands', 'decodeCommands', 'createPacket', 'unwrapPacket',
      'prepareNodeKey', 'createSurb', 'packetFromSurb', 'decryptSurbPayload', 'SphinxError', 'InvalidPacketError',
      'nativeBackend', 'portableBackend', 'defaultBackend', 'generateNodeKeyPair',
    ]) {
      assert.ok(name in sphinx, name);
    }
    assert.equal(sphinx.defaultBackend().name, 'native');
  });

  it('keeps node: imports out of every module but the native backend and the CLI', () => {
    const allowed = new Set(['backend-native.ts', 'bin.ts']);
    for (const f of readdirSync(SRC).filter((f) => f.endsWith('.ts') && !allowed.has(f))) {
      assert.doesNotMatch(readFileSync(SRC + f, 'utf8'), /from ['"]node:/, f);
    }
  });

  it('maps the node-only modules to browser stand-ins that exist', () => {
    for (const [from, to] of Object.entries(pkg.browser)) {
      const src = (p: string) => p.replace('./dist/', '').replace(/\.js$/, '.ts');
      assert.ok(readdirSync(SRC).includes(src(from)), from);
      assert.ok(readdirSync(SRC).includes(src(to)), to);
    }
  });
});

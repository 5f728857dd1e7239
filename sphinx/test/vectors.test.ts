import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { nativeBackend, portableBackend, type CryptoBackend } from '../src/index.js';
import { checkVectorFile, checkVectorTest, geometryOfTest, makeVectorTests, parseVectorFile } from '../src/vectors.js';
import { VECTORS_DIR } from './helpers.js';

const FILES = ['sphinx_vectors.json', 'lean_nike_vectors.json', 'kemsphinx_vectors.json', 'sphinx_commands_vectors.json'];
const read = (f: string) => readFileSync(`${VECTORS_DIR}/${f}`, 'utf8');

describe('vectors', () => {
  for (const backend of [nativeBackend(), portableBackend()] as CryptoBackend[]) {
    for (const file of FILES) {
      it(`passes every test of ${file} with the ${backend.name} backend`, () => {
        const checks = checkVectorFile(read(file), backend);
        assert.ok(checks.length >= 4);
        for (const c of checks) assert.deepEqual(c.failures, [], `${file}#${c.index} ${c.label}`);
      });
    }
  }

  // unwrapPacketInto on every engine: libsodium and OpenSSL X25519 (native) and @noble (portable).
  const engines: [string, CryptoBackend][] = [['native', nativeBackend()], ['native openssl', nativeBackend('openssl')], ['portable', portableBackend()]];
  for (const [name, backend] of engines) {
    for (const file of FILES.filter((f) => f !== 'sphinx_commands_vectors.json')) {
      it(`passes every test of ${file} through unwrapPacketInto with the ${name} backend`, () => {
        const checks = checkVectorFile(read(file), backend, 'unwrapPacketInto');
        assert.ok(checks.length >= 4);
        for (const c of checks) assert.deepEqual(c.failures, [], `${file}#${c.index} ${c.label}`);
      });
    }
  }

  it('refuses an unknown unwrap API name with SphinxArgumentError', () => {
    assert.throws(() => checkVectorFile(read('sphinx_vectors.json'), nativeBackend(), 'unwrap' as 'unwrapPacket'), { name: 'SphinxArgumentError', path: 'api' });
  });

  it('recognises the NIKE and KEM geometries of the Katzenpost files from their sizes', () => {
    assert.equal(geometryOfTest(parseVectorFile(read('sphinx_vectors.json'))[0])?.kind, 'nike');
    assert.equal(geometryOfTest(parseVectorFile(read('kemsphinx_vectors.json'))[9])?.kind, 'kem');
    assert.equal(geometryOfTest(parseVectorFile(read('kemsphinx_vectors.json'))[9])?.packetLength, 771);
  });

  it('reports a test whose intermediate packet was altered', () => {
    const t = parseVectorFile(read('sphinx_vectors.json'))[3];
    const p = t.Packets[2];
    t.Packets[2] = p.slice(0, 100) + (p[100] === '0' ? '1' : '0') + p.slice(101);
    const r = checkVectorTest(t, 3, nativeBackend());
    assert.equal(r.ok, false);
    assert.ok(r.failures.some((f) => f.includes('hop 1')));
  });

  it('reports a SURB test whose reply payload was altered', () => {
    const t = parseVectorFile(read('sphinx_vectors.json'))[7];
    t.Payload = (t.Payload[0] === 'a' ? 'b' : 'a') + t.Payload.slice(1);
    assert.equal(checkVectorTest(t, 7, nativeBackend()).ok, false);
  });

  it('refuses text that is not a vector file', () => {
    assert.throws(() => checkVectorFile('{not json'), { name: 'SphinxError' });
    assert.throws(() => checkVectorFile('[]'), { name: 'SphinxError' });
    assert.throws(() => checkVectorFile('[{"Nodes": 1}]'), { name: 'SphinxError' });
  });

  for (const kem of [false, true]) {
    for (const surb of [false, true]) {
      it(`makes ${kem ? 'KEM' : 'NIKE'} ${surb ? 'SURB-reply' : 'forward'} tests that check out`, () => {
        const tests = makeVectorTests({ hops: 3, payloadBytes: 64, kem, surb, count: 2 });
        assert.equal(tests.length, 2);
        for (const [i, t] of tests.entries()) {
          assert.equal(t.Packets.length, 4);
          assert.equal(t.Packets[3], '');
          assert.equal(t.Surb.length > 0, surb);
          const r = checkVectorTest(t, i);
          assert.deepEqual(r.failures, []);
          assert.equal(r.kind, kem ? 'kem' : 'nike');
        }
      });
    }
  }
});

describe('vectors with impossible sizes', () => {
  it('reports a test whose packet is shorter than its payload instead of throwing', () => {
    const t = parseVectorFile(read('sphinx_vectors.json'))[0];
    t.Packets[0] = t.Packets[0].slice(0, 100);
    const r = checkVectorTest(t, 0);
    assert.equal(r.ok, false);
    assert.equal(r.kind, 'unknown');
  });
});

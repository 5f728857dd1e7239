// Both backends against Katzenpost's primitive vectors, and against each other.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { loadSodiumX25519 } from '../src/backend-native.js';
import { KDF_INFO, nativeBackend, portableBackend, type CryptoBackend } from '../src/index.js';
import { checkVectorFile } from '../src/vectors.js';
import { hex, loadJson, seededRandom, toHex, VECTORS_DIR } from './helpers.js';

interface VectorFile<T> {
  vectors: T[];
}
const kdf = loadJson<VectorFile<Record<string, string>>>('primitives/kdf_sphinx.json').vectors;
const sha = loadJson<VectorFile<Record<string, string>>>('primitives/hash_sha512_256.json').vectors;
const mac = loadJson<VectorFile<Record<string, string>>>('primitives/mac_hmac_sha256.json').vectors;
const aes = loadJson<VectorFile<{ key_hex: string; iv_hex: string; length: number; keystream_hex: string }>>('primitives/stream_aes256ctr.json').vectors;
const chacha = loadJson<VectorFile<Record<string, string>>>('primitives/chacha20_deterministic_rand.json').vectors;

function expectKeyError(fn: () => unknown): void {
  assert.throws(fn, (e: Error & { reason?: string }) => e.name === 'InvalidPacketError' && e.reason === 'key');
}

const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000080', // 0 with bit 255 set
];

const SODIUM_LOADS = loadSodiumX25519() !== null;
/** Every native X25519 engine this machine has (libsodium is an optional dependency). */
const NATIVE_ENGINES: CryptoBackend[] = [nativeBackend('openssl'), ...(SODIUM_LOADS ? [nativeBackend('libsodium')] : [])];
const ALL_BACKENDS: CryptoBackend[] = [...NATIVE_ENGINES, portableBackend()];
const label = (b: CryptoBackend) => (b.x25519Engine ? `${b.name}/${b.x25519Engine}` : b.name);

for (const backend of ALL_BACKENDS) {
  describe(`${label(backend)} backend`, () => {
    it('derives the five Sphinx keys with HKDF-Expand-SHA256 (kdf_sphinx vectors)', () => {
      for (const v of kdf) {
        const okm = backend.hkdfExpandSha256(hex(v.ikm_hex), KDF_INFO, 160);
        assert.equal(toHex(okm.subarray(0, 32)), v.header_mac_hex);
        assert.equal(toHex(okm.subarray(32, 64)), v.header_encryption_hex);
        assert.equal(toHex(okm.subarray(64, 80)), v.header_encryption_iv_hex);
        assert.equal(toHex(okm.subarray(80, 128)), v.payload_encryption_hex);
        assert.equal(toHex(okm.subarray(128, 160)), v.blinding_factor_seed_hex);
      }
    });
    it('hashes with SHA-512/256 (hash_sha512_256 vectors)', () => {
      for (const v of sha) assert.equal(toHex(backend.sha512_256(hex(v.input_hex))), v.output_hex);
    });
    it('passes the primitive vectors through the Into forms too', () => {
      const out = new Uint8Array(32);
      for (const v of sha) {
        backend.sha512_256Into(hex(v.input_hex), out);
        assert.equal(toHex(out), v.output_hex);
      }
      for (const v of mac) {
        backend.hmacSha256Into(hex(v.key_hex), hex(v.msg_hex), out);
        assert.equal(toHex(out), v.mac_hex);
      }
      for (const v of kdf) {
        const okm = new Uint8Array(160);
        backend.hkdfExpandSha256Into(hex(v.ikm_hex), KDF_INFO, okm);
        assert.equal(toHex(okm.subarray(128, 160)), v.blinding_factor_seed_hex);
        assert.equal(toHex(okm.subarray(0, 32)), v.header_mac_hex);
      }
      for (const v of aes) {
        const stream = new Uint8Array(v.length);
        backend.aes256CtrInto(hex(v.key_hex), hex(v.iv_hex), new Uint8Array(v.length), stream);
        assert.equal(toHex(stream), v.keystream_hex);
      }
      for (const v of chacha) {
        backend.chacha20Keystream32Into(hex(v.key_hex), out);
        assert.equal(toHex(out), v.keystream_hex.slice(0, 64));
      }
    });
    it('computes the full 32-byte HMAC-SHA256 (mac_hmac_sha256 vectors)', () => {
      for (const v of mac) assert.equal(toHex(backend.hmacSha256(hex(v.key_hex), hex(v.msg_hex))), v.mac_hex);
    });
    it('produces the AES-256-CTR keystream with a 128-bit counter (stream_aes256ctr vectors)', () => {
      for (const v of aes) assert.equal(toHex(backend.aes256Ctr(hex(v.key_hex), hex(v.iv_hex), new Uint8Array(v.length))), v.keystream_hex);
    });
    it('derives blinding factors from ChaCha20 with a zero nonce (chacha20_deterministic_rand vectors)', () => {
      for (const v of chacha) assert.equal(toHex(backend.chacha20Keystream32(hex(v.key_hex))), v.keystream_hex.slice(0, 64));
    });
    it('rejects every low-order X25519 point before multiplying', () => {
      for (const u of LOW_ORDER) expectKeyError(() => backend.importPoint(hex(u)));
    });
    it('agrees on X25519 key agreement in both directions', () => {
      const r = seededRandom(11);
      const a = r(32);
      const b = r(32);
      const A = backend.x25519Base(backend.importScalar(a));
      const B = backend.x25519Base(backend.importScalar(b));
      const ab = backend.x25519(backend.importScalar(a), backend.importPoint(B));
      const ba = backend.x25519(backend.importScalar(b), backend.importPoint(A));
      assert.equal(toHex(ab), toHex(ba));
    });
    it('returns plain Uint8Arrays of the requested length from randomBytes', () => {
      const x = backend.randomBytes(40);
      assert.equal(x.length, 40);
      assert.ok(x instanceof Uint8Array);
    });
  });
}

for (const n of NATIVE_ENGINES) describe(`native (${n.x25519Engine}) and portable backends`, () => {
  const p = portableBackend();
  it('compute the same X25519 results for random scalars and points', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (k, peer) => {
        const P = n.x25519Base(n.importScalar(peer));
        assert.equal(toHex(p.x25519Base(p.importScalar(peer))), toHex(P));
        assert.equal(toHex(n.x25519(n.importScalar(k), n.importPoint(P))), toHex(p.x25519(p.importScalar(k), p.importPoint(P))));
      }),
      { seed: 5, numRuns: 20 },
    );
  });
  it('compute the same HKDF, HMAC, hashes and streams for random inputs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 700 }), fc.integer({ min: 1, max: 255 }), (key, data, len) => {
        assert.equal(toHex(n.hkdfExpandSha256(key, data, len)), toHex(p.hkdfExpandSha256(key, data, len)));
        assert.equal(toHex(n.hmacSha256(key, data)), toHex(p.hmacSha256(key, data)));
        assert.equal(toHex(n.sha256(data)), toHex(p.sha256(data)));
        assert.equal(toHex(n.sha512_256(data)), toHex(p.sha512_256(data)));
        const iv = key.subarray(0, 16);
        assert.equal(toHex(n.aes256Ctr(key, iv, data)), toHex(p.aes256Ctr(key, iv, data)));
        assert.equal(toHex(n.chacha20Keystream32(key)), toHex(p.chacha20Keystream32(key)));
      }),
      { seed: 6, numRuns: 200 },
    );
  });
  it('compute the same X25519 results for arbitrary 32-byte u-coordinates, top bit and non-canonical values included', () => {
    const r = seededRandom(12);
    const inputs = [
      ...Array.from({ length: 8 }, () => r(32)),
      hex('f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'), // ≥ p with bit 255 set
      hex('0900000000000000000000000000000000000000000000000000000000000080'), // 9 with bit 255 set
      hex('efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'), // p + 2
    ];
    for (const u of inputs) {
      const k = r(32);
      assert.equal(toHex(n.x25519(n.importScalar(k), n.importPoint(u))), toHex(p.x25519(p.importScalar(k), p.importPoint(u))));
    }
  });
  it('compute the same HKDF-Expand for PRKs longer than one SHA-256 block and outputs of many blocks', () => {
    const r = seededRandom(13);
    for (const [prkLen, len] of [[64, 160], [65, 33], [100, 255 * 32], [200, 1]]) {
      const prk = r(prkLen);
      const info = r(29);
      assert.equal(toHex(n.hkdfExpandSha256(prk, info, len)), toHex(p.hkdfExpandSha256(prk, info, len)));
    }
  });
  it('agree on an IV whose 128-bit counter wraps mid-stream', () => {
    const key = new Uint8Array(32).fill(1);
    const iv = new Uint8Array(16).fill(0xff);
    assert.equal(toHex(n.aes256Ctr(key, iv, new Uint8Array(48))), toHex(p.aes256Ctr(key, iv, new Uint8Array(48))));
  });
  for (const file of ['sphinx_vectors.json', 'lean_nike_vectors.json', 'kemsphinx_vectors.json']) {
    it(`pass every test of ${file} with the native backend on ${n.x25519Engine}`, () => {
      const checks = checkVectorFile(readFileSync(`${VECTORS_DIR}/${file}`, 'utf8'), n);
      assert.ok(checks.length >= 4);
      for (const c of checks) assert.deepEqual(c.failures, [], `${file}#${c.index} ${c.label}`);
    });
  }
});

describe('native backend X25519 engines', () => {
  it('uses libsodium by default when sodium-native loads, OpenSSL otherwise', () => {
    assert.equal(nativeBackend().x25519Engine, SODIUM_LOADS ? 'libsodium' : 'openssl');
    assert.equal(nativeBackend('openssl').x25519Engine, 'openssl');
    assert.equal(nativeBackend('auto'), nativeBackend());
  });
  it('refuses an unknown engine name with SphinxArgumentError', () => {
    assert.throws(() => nativeBackend('gmp' as 'auto'), { name: 'SphinxArgumentError' });
  });
  it('refuses key handles imported by the other engine', function () {
    if (!SODIUM_LOADS) this.skip();
    const s = nativeBackend('libsodium');
    const o = nativeBackend('openssl');
    const k = new Uint8Array(32).fill(7);
    const u = o.x25519Base(o.importScalar(k));
    assert.throws(() => s.x25519(o.importScalar(k), s.importPoint(u)), { name: 'SphinxArgumentError' });
    assert.throws(() => o.x25519(o.importScalar(k), s.importPoint(u)), { name: 'SphinxArgumentError' });
    assert.throws(() => s.x25519Base(o.importScalar(k)), { name: 'SphinxArgumentError' });
  });
  it('never prints an imported libsodium scalar', function () {
    if (!SODIUM_LOADS) this.skip();
    const secret = new Uint8Array(32).fill(0xab);
    const k = nativeBackend('libsodium').importScalar(secret);
    for (const text of [inspect(k, { showHidden: true, depth: 5 }), JSON.stringify(k), String(Object.values(k))]) {
      assert.ok(!text.includes('171') && !text.toLowerCase().includes('abab'), text); // 0xab = 171
    }
  });
  it('keeps its own copy of imported scalars and points', function () {
    if (!SODIUM_LOADS) this.skip();
    const s = nativeBackend('libsodium');
    const k = new Uint8Array(32).fill(5);
    const u = s.x25519Base(s.importScalar(new Uint8Array(32).fill(6)));
    const K = s.importScalar(k);
    const U = s.importPoint(u);
    const before = toHex(s.x25519(K, U));
    k.fill(1);
    u.fill(9);
    assert.equal(toHex(s.x25519(K, U)), before);
  });
  it('relies on libsodium refusing a low-order point too (it returns -1), not only on the blocklist', function () {
    if (!SODIUM_LOADS) this.skip();
    const sodium = createRequire(import.meta.url)('sodium-native') as { crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void };
    for (const u of LOW_ORDER) assert.throws(() => sodium.crypto_scalarmult(new Uint8Array(32), new Uint8Array(32).fill(3), hex(u)));
  });
});

describe('backend Into forms', () => {
  for (const b of ALL_BACKENDS) {
    it(`write exactly what the allocating forms return (${label(b)})`, () => {
      const r = seededRandom(60);
      for (let i = 0; i < 8; i++) {
        const key = r(32);
        const data = r(i * 97);
        const iv = r(16);
        const u = b.x25519Base(b.importScalar(r(32)));
        const out32 = new Uint8Array(32).fill(0xee);
        b.x25519Into(b.importScalar(key), u, out32);
        assert.equal(toHex(out32), toHex(b.x25519(b.importScalar(key), b.importPoint(u))));
        b.x25519RawInto(key, u, out32);
        assert.equal(toHex(out32), toHex(b.x25519(b.importScalar(key), b.importPoint(u))));
        const okm = new Uint8Array(1 + i * 41).fill(0xee);
        b.hkdfExpandSha256Into(key, data, okm);
        assert.equal(toHex(okm), toHex(b.hkdfExpandSha256(key, data, okm.length)));
        const macKey = i === 7 ? r(100) : key; // a key longer than one SHA-256 block too
        b.hmacSha256Into(macKey, data, out32);
        assert.equal(toHex(out32), toHex(b.hmacSha256(macKey, data)));
        b.sha512_256Into(data, out32);
        assert.equal(toHex(out32), toHex(b.sha512_256(data)));
        const stream = new Uint8Array(data.length).fill(0xee);
        b.aes256CtrInto(key, iv, data, stream);
        assert.equal(toHex(stream), toHex(b.aes256Ctr(key, iv, data)));
        b.chacha20Keystream32Into(key, out32);
        assert.equal(toHex(out32), toHex(b.chacha20Keystream32(key)));
      }
    });

    it(`compute HMAC-SHA256 into out for short, block-sized, long and huge keys and messages (${label(b)})`, () => {
      const r = seededRandom(61);
      const out = new Uint8Array(32);
      for (const [k, n] of [[32, 0], [64, 444], [65, 1000], [200, 20 * 1024]]) {
        const key = r(k);
        const data = r(n);
        b.hmacSha256Into(key, data, out);
        assert.equal(toHex(out), toHex(portableBackend().hmacSha256(key, data)), `key ${k} B, data ${n} B`);
      }
    });

    it(`refuse a wrong-sized or overlapping out with SphinxArgumentError (${label(b)})`, () => {
      const bad = (fn: () => unknown) => assert.throws(fn, { name: 'SphinxArgumentError', path: 'out' });
      const key = new Uint8Array(32).fill(1);
      const u = b.x25519Base(b.importScalar(new Uint8Array(32).fill(2)));
      bad(() => b.x25519Into(b.importScalar(key), u, new Uint8Array(31)));
      bad(() => b.x25519RawInto(key, u, new Uint8Array(33)));
      bad(() => b.hkdfExpandSha256Into(key, key, [] as unknown as Uint8Array));
      bad(() => b.hmacSha256Into(key, key, new Uint8Array(16)));
      bad(() => b.sha512_256Into(key, new Uint8Array(64)));
      bad(() => b.chacha20Keystream32Into(key, new Uint8Array(0)));
      bad(() => b.aes256CtrInto(key, new Uint8Array(16), new Uint8Array(64), new Uint8Array(63)));
      const buf = new Uint8Array(96);
      bad(() => b.aes256CtrInto(key, new Uint8Array(16), buf.subarray(0, 64), buf.subarray(32, 96)));
    });

    it(`reject low-order points in x25519Into and x25519RawInto with reason key (${label(b)})`, () => {
      const k = b.importScalar(new Uint8Array(32).fill(7));
      for (const u of LOW_ORDER) {
        expectKeyError(() => b.x25519Into(k, hex(u), new Uint8Array(32)));
        expectKeyError(() => b.x25519RawInto(new Uint8Array(32).fill(7), hex(u), new Uint8Array(32)));
      }
    });
  }
});

describe('backend argument checks', () => {
  for (const b of ALL_BACKENDS) {
    it(`refuse wrong lengths and foreign key handles with SphinxArgumentError (${label(b)})`, () => {
      const bad = (fn: () => unknown) => assert.throws(fn, { name: 'SphinxArgumentError' });
      bad(() => b.importScalar(new Uint8Array(31)));
      bad(() => b.importPoint(new Uint8Array(33)));
      bad(() => b.aes256Ctr(new Uint8Array(32), new Uint8Array(12), new Uint8Array(4)));
      bad(() => b.chacha20Keystream32(new Uint8Array(16)));
      bad(() => b.hkdfExpandSha256(new Uint8Array(32), new Uint8Array(0), 255 * 32 + 1));
      bad(() => b.hmacSha256('key' as unknown as Uint8Array, new Uint8Array(1)));
      bad(() => b.sha512_256([1] as unknown as Uint8Array));
      bad(() => b.randomBytes(-1));
      const other = b.name === 'native' ? portableBackend() : nativeBackend();
      const k = other.importScalar(new Uint8Array(32).fill(1));
      bad(() => b.x25519Base(k));
      bad(() => b.x25519(b.importScalar(new Uint8Array(32).fill(1)), other.importPoint(new Uint8Array(32).fill(9))));
    });
  }
});

/**
 * AEZ v5 (Hoang, Krovetz, Rogaway, "AEZ v5: Authenticated Encryption by Enciphering", CAESAR round 3),
 * byte-compatible with Katzenpost's Sphinx payload cipher (Yawning Angel's Go port of Ted Krovetz's
 * reference code; checked against sprp_aez.json and the npm `aez` package).
 *
 * Public API
 *   aezEncrypt(key, nonce, plaintext, tau = 0, ad = [])  -> ciphertext (|plaintext| + tau bytes)
 *   aezDecrypt(key, nonce, ciphertext, tau = 0, ad = []) -> plaintext; with tau > 0 throws
 *                                                            AezAuthenticationError on a bad tag
 *   aezEncryptInto(key, nonce, src, dst) / aezDecryptInto(key, nonce, src, dst)
 *       The Sphinx case (tau = 0, no AD) without allocating: writes |src| bytes into dst
 *       (dst.length must equal src.length; dst may be src itself or overlap it: all input is
 *       read before any output is written).
 * Bad argument types, lengths or ranges throw SphinxArgumentError (the package's assert helper).
 * Keys of any length are accepted as the spec says (Extract: a 48-byte key is used as is, any
 * other length goes through BLAKE2b-384); nonces of any length; tau in bytes.
 *
 * Implementation notes
 *  - Blocks are handled as four little-endian 32-bit words (see aez-aes-round.ts), so the message
 *    is copied once into an aligned module-level scratch buffer, processed in place, copied out.
 *  - The tweak offsets (multiples of L, 2^k I, jJ) are computed once per call (cheap: the key
 *    changes every Sphinx hop) and xored into AES4/AES10 inputs directly.
 *  - Scratch is module-level (single-threaded per isolate) and wiped after each call.
 *  - The AES rounds are table-based and therefore not constant-time against cache-timing attacks
 *    (same as the Go round_vartime.go); the tau check is constant-time.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import { assertArray, assertBytes, assertInt } from './assert.js';
import * as round from './aez-aes-round.js';
import { SphinxError } from './errors.js';

// Imported bindings are module cells in V8 (a load and a hole check per access): hot code uses
// these module-local aliases instead.
const AES_KEY_WORDS = round.AES_KEY_WORDS;
const AES_OUT = round.AES_OUT;
const AES_LITTLE_ENDIAN = round.AES_LITTLE_ENDIAN;
const aes4 = round.aes4;
const aes10 = round.aes10;
const AES_T0 = round.AES_T0;
const AES_T1 = round.AES_T1;
const AES_T2 = round.AES_T2;
const AES_T3 = round.AES_T3;

export const AEZ_KEY_BYTES = 48;
export const AEZ_BLOCK_BYTES = 16;
/** tau is hashed as a 32-bit count of bits (AEZ v5, AEZ-hash: [tau]_128), so tau < 2^29 bytes. */
export const AEZ_MAX_TAU_BYTES = 2 ** 29 - 1;
/** AD strings per call (the spec allows any number; this keeps the jJ multiplier a small integer). */
export const AEZ_MAX_AD_STRINGS = 2 ** 24;
/** Messages up to this size keep their scratch buffer between calls; larger ones use a temporary. */
const SCRATCH_KEEP_BYTES = 64 * 1024;

/** Thrown by aezDecrypt when tau > 0 and the ciphertext does not authenticate. */
export class AezAuthenticationError extends SphinxError {
  override name = 'AezAuthenticationError';
  constructor(message = 'aez: ciphertext failed authentication') {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Module-level state (little-endian column words; see aez-aes-round.ts)
// ---------------------------------------------------------------------------------------------

const KEY8 = new Uint8Array(AES_KEY_WORDS.buffer); // I || J || L, 48 bytes
/** LM[4k..4k+3] = k·L for k = 0..7 (AEZ v5, E: offsets (i mod 8)·L). */
const LM = new Int32Array(32);
/** 2I, 2J, 3J, 4J and a running 2^k·I (tweak offsets of E^{j,i}). */
const I2 = new Int32Array(4);
const J2 = new Int32Array(4);
const J3 = new Int32Array(4);
const J4 = new Int32Array(4);
const JX = new Int32Array(4); // (5+k)·J for the k-th AD string
const ICUR = new Int32Array(4);
const PASS_XY = new Int32Array(4); // X or Y returned by corePass1 / corePass2
const DELTA = new Int32Array(4);
const BLK = new Int32Array(8);
const BLK8 = new Uint8Array(BLK.buffer);
const OUT8 = new Uint8Array(AES_OUT.buffer);
/** AEZ-core tail: fragment (bytes 0..31, 1-0 padded) and the last two blocks (bytes 32..63). */
const TAIL = new Int32Array(16);
const TAIL8 = new Uint8Array(TAIL.buffer);
/** AEZ-tiny halves. */
const TL = new Int32Array(4);
const TL8 = new Uint8Array(TL.buffer);
const TR = new Int32Array(4);
const TR8 = new Uint8Array(TR.buffer);
let scratch = new Int32Array(1024);
let scratch8 = new Uint8Array(scratch.buffer);
const EMPTY_AD: readonly Uint8Array[] = Object.freeze([]);

// ---------------------------------------------------------------------------------------------
// Argument checks (every exported function)
// ---------------------------------------------------------------------------------------------

/** Argument paths for error messages, built once (not on every call). */
interface ArgPaths {
  readonly fn: string;
  readonly key: string;
  readonly nonce: string;
  readonly data: string;
  readonly tau: string;
  readonly ad: string;
  readonly dst: string;
}

function argPaths(fn: string, data: string): ArgPaths {
  return Object.freeze({
    fn,
    key: `${fn}.key`,
    nonce: `${fn}.nonce`,
    data: `${fn}.${data}`,
    tau: `${fn}.tau`,
    ad: `${fn}.ad`,
    dst: `${fn}.dst`,
  });
}

const ENCRYPT_ARGS = argPaths('aezEncrypt', 'plaintext');
const DECRYPT_ARGS = argPaths('aezDecrypt', 'ciphertext');
const ENCRYPT_INTO_ARGS = argPaths('aezEncryptInto', 'src');
const DECRYPT_INTO_ARGS = argPaths('aezDecryptInto', 'src');

function checkCommon(p: ArgPaths, key: unknown, nonce: unknown, data: unknown): void {
  if (!AES_LITTLE_ENDIAN) throw new SphinxError(`${p.fn}: AEZ needs a little-endian platform`);
  assertBytes(key, p.key);
  assertBytes(nonce, p.nonce);
  assertBytes(data, p.data);
}

function checkTau(p: ArgPaths, tau: unknown): number {
  if (tau === undefined) return 0;
  assertInt(tau, p.tau, 0, AEZ_MAX_TAU_BYTES);
  return tau;
}

function checkAd(p: ArgPaths, ad: unknown): readonly Uint8Array[] {
  if (ad === undefined) return EMPTY_AD;
  assertArray(ad, p.ad, 0, AEZ_MAX_AD_STRINGS);
  for (let k = 0; k < ad.length; k++) assertBytes(ad[k], `${p.ad}[${k}]`);
  return ad as readonly Uint8Array[];
}

function checkInto(p: ArgPaths, key: unknown, nonce: unknown, src: unknown, dst: unknown): void {
  checkCommon(p, key, nonce, src);
  assertBytes(dst, p.dst, (src as Uint8Array).length);
}

// ---------------------------------------------------------------------------------------------
// Block helpers
// ---------------------------------------------------------------------------------------------

function bswap(x: number): number {
  return (x >>> 24) | ((x >>> 8) & 0xff00) | ((x << 8) & 0xff0000) | (x << 24);
}

/** dst = 2·src in GF(2^128) (AEZ v5 notation: the block is a big-endian 128-bit string; reduce by 0x87). */
function dbl(src: Int32Array, so: number, dst: Int32Array, d: number): void {
  const b0 = bswap(src[so]);
  const b1 = bswap(src[so + 1]);
  const b2 = bswap(src[so + 2]);
  const b3 = bswap(src[so + 3]);
  dst[d] = bswap((b0 << 1) | (b1 >>> 31));
  dst[d + 1] = bswap((b1 << 1) | (b2 >>> 31));
  dst[d + 2] = bswap((b2 << 1) | (b3 >>> 31));
  dst[d + 3] = bswap((b3 << 1) ^ (-(b0 >>> 31) & 0x87)); // carry without a branch
}

function xor4(dst: Int32Array, d: number, a: Int32Array, ao: number, b: Int32Array, bo: number): void {
  dst[d] = a[ao] ^ b[bo];
  dst[d + 1] = a[ao + 1] ^ b[bo + 1];
  dst[d + 2] = a[ao + 2] ^ b[bo + 2];
  dst[d + 3] = a[ao + 3] ^ b[bo + 3];
}

/** dst = x·J (x ≥ 1) by double-and-add; the multiplier is public (an AD index). */
function multJ(x: number, dst: Int32Array): void {
  const t = ICUR; // free outside aezHash's string loop
  t.set(AES_KEY_WORDS.subarray(4, 8));
  dst.fill(0);
  while (x !== 0) {
    if (x & 1) xor4(dst, 0, dst, 0, t, 0);
    dbl(t, 0, t, 0);
    x >>>= 1;
  }
}

/** AEZ v5, Extract and the key-dependent offsets. */
function setupKey(key: Uint8Array): void {
  // Extract(K) = K if |K| = 384 bits, else BLAKE2b(K) with a 48-byte digest.
  if (key.length === AEZ_KEY_BYTES) KEY8.set(key);
  else {
    const ext = blake2b(key, { dkLen: AEZ_KEY_BYTES });
    KEY8.set(ext);
    ext.fill(0);
  }
  const k = AES_KEY_WORDS;
  LM.fill(0, 0, 4);
  LM.set(k.subarray(8, 12), 4); // 1L
  dbl(LM, 4, LM, 8); // 2L
  xor4(LM, 12, LM, 8, LM, 4); // 3L
  dbl(LM, 8, LM, 16); // 4L
  xor4(LM, 20, LM, 16, LM, 4); // 5L
  dbl(LM, 12, LM, 24); // 6L
  xor4(LM, 28, LM, 24, LM, 4); // 7L
  dbl(k, 0, I2, 0);
  dbl(k, 4, J2, 0);
  xor4(J3, 0, J2, 0, k, 4);
  dbl(J2, 0, J4, 0);
}

function wipeState(coreBytes: number): void {
  AES_KEY_WORDS.fill(0);
  LM.fill(0);
  I2.fill(0);
  J2.fill(0);
  J3.fill(0);
  J4.fill(0);
  JX.fill(0);
  ICUR.fill(0);
  DELTA.fill(0);
  BLK.fill(0);
  AES_OUT.fill(0);
  TAIL.fill(0);
  TL.fill(0);
  TR.fill(0);
  if (coreBytes > 0 && coreBytes <= scratch8.length) scratch8.fill(0, 0, coreBytes);
}

// ---------------------------------------------------------------------------------------------
// AEZ-hash and AEZ-prf
// ---------------------------------------------------------------------------------------------

/** Hash one tweak string with multiplier jJ (in jj) into DELTA. */
function hashString(s: Uint8Array, jj: Int32Array): void {
  const k = AES_KEY_WORDS;
  const n = s.length;
  ICUR.set(I2);
  let off = 0;
  // E^{j,i}(block_i) = AES4(block_i ⊕ jJ ⊕ 2^⌈i/8⌉ I ⊕ (i mod 8) L), i = 1, 2, ...
  for (let i = 1; n - off >= AEZ_BLOCK_BYTES; i++, off += AEZ_BLOCK_BYTES) {
    BLK8.set(s.subarray(off, off + AEZ_BLOCK_BYTES));
    const lo = (i & 7) * 4;
    aes4(
      BLK[0] ^ jj[0] ^ ICUR[0] ^ LM[lo],
      BLK[1] ^ jj[1] ^ ICUR[1] ^ LM[lo + 1],
      BLK[2] ^ jj[2] ^ ICUR[2] ^ LM[lo + 2],
      BLK[3] ^ jj[3] ^ ICUR[3] ^ LM[lo + 3],
    );
    xor4(DELTA, 0, DELTA, 0, AES_OUT, 0);
    if ((i & 7) === 0) dbl(ICUR, 0, ICUR, 0);
  }
  const rest = n - off;
  if (rest > 0 || n === 0) {
    // Final partial (or empty) string: E^{j,0}(s* || 10*) = AES4(... ⊕ jJ ⊕ I)
    BLK.fill(0, 0, 4);
    BLK8.set(s.subarray(off, n));
    BLK8[rest] = 0x80;
    aes4(BLK[0] ^ jj[0] ^ k[0], BLK[1] ^ jj[1] ^ k[1], BLK[2] ^ jj[2] ^ k[2], BLK[3] ^ jj[3] ^ k[3]);
    xor4(DELTA, 0, DELTA, 0, AES_OUT, 0);
  }
}

/** AEZ v5, AEZ-hash over T = ([tau]_128, N, A_1, ..., A_m); result in DELTA. */
function aezHash(nonce: Uint8Array, ad: readonly Uint8Array[], tauBytes: number): void {
  // [tau]_128 with tau in bits: big-endian in bytes 12..15 = word 3 byte-swapped.
  const tauWord = bswap((tauBytes * 8) >>> 0);
  // E^{3,1}([tau]_128) = AES4(x ⊕ 3J ⊕ 2I ⊕ 1L)
  aes4(J3[0] ^ I2[0] ^ LM[4], J3[1] ^ I2[1] ^ LM[5], J3[2] ^ I2[2] ^ LM[6], tauWord ^ J3[3] ^ I2[3] ^ LM[7]);
  DELTA.set(AES_OUT);
  hashString(nonce, J4); // j = 4 for the nonce
  for (let k = 0; k < ad.length; k++) {
    multJ(5 + k, JX); // j = 5 + k for the k-th AD string
    hashString(ad[k], JX);
  }
}

/** AEZ v5, AEZ-prf: out[0..tau) = AES10(Δ ⊕ [0]) || AES10(Δ ⊕ [1]) ... with E^{-1,3} = AES10(x ⊕ 3L). */
function aezPrf(out: Uint8Array, tau: number): void {
  BLK.fill(0, 4, 8); // bytes 16..31: the big-endian 128-bit counter
  for (let off = 0; off < tau; off += AEZ_BLOCK_BYTES) {
    aes10(
      DELTA[0] ^ BLK[4] ^ LM[12],
      DELTA[1] ^ BLK[5] ^ LM[13],
      DELTA[2] ^ BLK[6] ^ LM[14],
      DELTA[3] ^ BLK[7] ^ LM[15],
    );
    const take = Math.min(AEZ_BLOCK_BYTES, tau - off);
    out.set(take === AEZ_BLOCK_BYTES ? OUT8 : OUT8.subarray(0, take), off);
    for (let b = 31; b >= 16; b--) {
      BLK8[b] = (BLK8[b] + 1) & 0xff;
      if (BLK8[b] !== 0) break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// AEZ-core (|X| >= 32 bytes)
// ---------------------------------------------------------------------------------------------

// The two passes carry almost all the work (5 AES4 per 32 bytes), so AES4 is expanded inline here
// (same rounds as aes4() in aez-aes-round.ts: keys J, I, L, 0), with keys and tables in locals.

/** Returns X (AEZ-core pass 1 result) in PASS_XY; the intermediate (W_i, X_i) replace (M_i, M_i') in w. */
function corePass1(w: Int32Array, m: number): void {
  const T0 = AES_T0, T1 = AES_T1, T2 = AES_T2, T3 = AES_T3;
  const k = AES_KEY_WORDS;
  const kI0 = k[0], kI1 = k[1], kI2 = k[2], kI3 = k[3];
  const kJ0 = k[4], kJ1 = k[5], kJ2 = k[6], kJ3 = k[7];
  const kL0 = k[8], kL1 = k[9], kL2 = k[10], kL3 = k[11];
  const lm = LM;
  let x0 = 0, x1 = 0, x2 = 0, x3 = 0;
  let c0 = I2[0], c1 = I2[1], c2 = I2[2], c3 = I2[3]; // 2^⌈i/8⌉ I
  let e0: number, e1: number, e2: number, e3: number;
  let f0: number, f1: number, f2: number, f3: number;
  for (let i = 1, p = 0; i <= m; i++, p += 8) {
    const lo = (i & 7) << 2;
    // W_i = M_i ⊕ E^{1,i}(M_i'), E^{1,i}(X) = AES4(X ⊕ J ⊕ 2^⌈i/8⌉ I ⊕ (i mod 8) L)
    e0 = w[p + 4] ^ kJ0 ^ c0 ^ lm[lo];
    e1 = w[p + 5] ^ kJ1 ^ c1 ^ lm[lo + 1];
    e2 = w[p + 6] ^ kJ2 ^ c2 ^ lm[lo + 2];
    e3 = w[p + 7] ^ kJ3 ^ c3 ^ lm[lo + 3];
    f0 = T0[e0 & 255] ^ T1[(e1 >>> 8) & 255] ^ T2[(e2 >>> 16) & 255] ^ T3[e3 >>> 24] ^ kJ0;
    f1 = T0[e1 & 255] ^ T1[(e2 >>> 8) & 255] ^ T2[(e3 >>> 16) & 255] ^ T3[e0 >>> 24] ^ kJ1;
    f2 = T0[e2 & 255] ^ T1[(e3 >>> 8) & 255] ^ T2[(e0 >>> 16) & 255] ^ T3[e1 >>> 24] ^ kJ2;
    f3 = T0[e3 & 255] ^ T1[(e0 >>> 8) & 255] ^ T2[(e1 >>> 16) & 255] ^ T3[e2 >>> 24] ^ kJ3;
    e0 = T0[f0 & 255] ^ T1[(f1 >>> 8) & 255] ^ T2[(f2 >>> 16) & 255] ^ T3[f3 >>> 24] ^ kI0;
    e1 = T0[f1 & 255] ^ T1[(f2 >>> 8) & 255] ^ T2[(f3 >>> 16) & 255] ^ T3[f0 >>> 24] ^ kI1;
    e2 = T0[f2 & 255] ^ T1[(f3 >>> 8) & 255] ^ T2[(f0 >>> 16) & 255] ^ T3[f1 >>> 24] ^ kI2;
    e3 = T0[f3 & 255] ^ T1[(f0 >>> 8) & 255] ^ T2[(f1 >>> 16) & 255] ^ T3[f2 >>> 24] ^ kI3;
    f0 = T0[e0 & 255] ^ T1[(e1 >>> 8) & 255] ^ T2[(e2 >>> 16) & 255] ^ T3[e3 >>> 24] ^ kL0;
    f1 = T0[e1 & 255] ^ T1[(e2 >>> 8) & 255] ^ T2[(e3 >>> 16) & 255] ^ T3[e0 >>> 24] ^ kL1;
    f2 = T0[e2 & 255] ^ T1[(e3 >>> 8) & 255] ^ T2[(e0 >>> 16) & 255] ^ T3[e1 >>> 24] ^ kL2;
    f3 = T0[e3 & 255] ^ T1[(e0 >>> 8) & 255] ^ T2[(e1 >>> 16) & 255] ^ T3[e2 >>> 24] ^ kL3;
    e0 = T0[f0 & 255] ^ T1[(f1 >>> 8) & 255] ^ T2[(f2 >>> 16) & 255] ^ T3[f3 >>> 24];
    e1 = T0[f1 & 255] ^ T1[(f2 >>> 8) & 255] ^ T2[(f3 >>> 16) & 255] ^ T3[f0 >>> 24];
    e2 = T0[f2 & 255] ^ T1[(f3 >>> 8) & 255] ^ T2[(f0 >>> 16) & 255] ^ T3[f1 >>> 24];
    e3 = T0[f3 & 255] ^ T1[(f0 >>> 8) & 255] ^ T2[(f1 >>> 16) & 255] ^ T3[f2 >>> 24];
    const a0 = w[p] ^ e0;
    const a1 = w[p + 1] ^ e1;
    const a2 = w[p + 2] ^ e2;
    const a3 = w[p + 3] ^ e3;
    w[p] = a0;
    w[p + 1] = a1;
    w[p + 2] = a2;
    w[p + 3] = a3;
    // X_i = M_i' ⊕ E^{0,0}(W_i), E^{0,0}(X) = AES4(X ⊕ I)
    e0 = a0 ^ kI0;
    e1 = a1 ^ kI1;
    e2 = a2 ^ kI2;
    e3 = a3 ^ kI3;
    f0 = T0[e0 & 255] ^ T1[(e1 >>> 8) & 255] ^ T2[(e2 >>> 16) & 255] ^ T3[e3 >>> 24] ^ kJ0;
    f1 = T0[e1 & 255] ^ T1[(e2 >>> 8) & 255] ^ T2[(e3 >>> 16) & 255] ^ T3[e0 >>> 24] ^ kJ1;
    f2 = T0[e2 & 255] ^ T1[(e3 >>> 8) & 255] ^ T2[(e0 >>> 16) & 255] ^ T3[e1 >>> 24] ^ kJ2;
    f3 = T0[e3 & 255] ^ T1[(e0 >>> 8) & 255] ^ T2[(e1 >>> 16) & 255] ^ T3[e2 >>> 24] ^ kJ3;
    e0 = T0[f0 & 255] ^ T1[(f1 >>> 8) & 255] ^ T2[(f2 >>> 16) & 255] ^ T3[f3 >>> 24] ^ kI0;
    e1 = T0[f1 & 255] ^ T1[(f2 >>> 8) & 255] ^ T2[(f3 >>> 16) & 255] ^ T3[f0 >>> 24] ^ kI1;
    e2 = T0[f2 & 255] ^ T1[(f3 >>> 8) & 255] ^ T2[(f0 >>> 16) & 255] ^ T3[f1 >>> 24] ^ kI2;
    e3 = T0[f3 & 255] ^ T1[(f0 >>> 8) & 255] ^ T2[(f1 >>> 16) & 255] ^ T3[f2 >>> 24] ^ kI3;
    f0 = T0[e0 & 255] ^ T1[(e1 >>> 8) & 255] ^ T2[(e2 >>> 16) & 255] ^ T3[e3 >>> 24] ^ kL0;
    f1 = T0[e1 & 255] ^ T1[(e2 >>> 8) & 255] ^ T2[(e3 >>> 16) & 255] ^ T3[e0 >>> 24] ^ kL1;
    f2 = T0[e2 & 255] ^ T1[(e3 >>> 8) & 255] ^ T2[(e0 >>> 16) & 255] ^ T3[e1 >>> 24] ^ kL2;
    f3 = T0[e3 & 255] ^ T1[(e0 >>> 8) & 255] ^ T2[(e1 >>> 16) & 255] ^ T3[e2 >>> 24] ^ kL3;
    e0 = T0[f0 & 255] ^ T1[(f1 >>> 8) & 255] ^ T2[(f2 >>> 16) & 255] ^ T3[f3 >>> 24];
    e1 = T0[f1 & 255] ^ T1[(f2 >>> 8) & 255] ^ T2[(f3 >>> 16) & 255] ^ T3[f0 >>> 24];
    e2 = T0[f2 & 255] ^ T1[(f3 >>> 8) & 255] ^ T2[(f0 >>> 16) & 255] ^ T3[f1 >>> 24];
    e3 = T0[f3 & 255] ^ T1[(f0 >>> 8) & 255] ^ T2[(f1 >>> 16) & 255] ^ T3[f2 >>> 24];
    const b0 = w[p + 4] ^ e0;
    const b1 = w[p + 5] ^ e1;
    const b2 = w[p + 6] ^ e2;
    const b3 = w[p + 7] ^ e3;
    w[p + 4] = b0;
    w[p + 5] = b1;
    w[p + 6] = b2;
    w[p + 7] = b3;
    x0 ^= b0;
    x1 ^= b1;
    x2 ^= b2;
    x3 ^= b3;
    if ((i & 7) === 0) {
      ICUR[0] = c0; ICUR[1] = c1; ICUR[2] = c2; ICUR[3] = c3;
      dbl(ICUR, 0, ICUR, 0);
      c0 = ICUR[0]; c1 = ICUR[1]; c2 = ICUR[2]; c3 = ICUR[3];
    }
  }
  PASS_XY[0] = x0; PASS_XY[1] = x1; PASS_XY[2] = x2; PASS_XY[3] = x3;
}

/** Returns Y (AEZ-core pass 2 result) in PASS_XY; the output pairs (C_i, C_i') replace (W_i, X_i) in w. */
function corePass2(w: Int32Array, m: number, s0: number, s1: number, s2: number, s3: number): void {
  const T0 = AES_T0, T1 = AES_T1, T2 = AES_T2, T3 = AES_T3;
  const k = AES_KEY_WORDS;
  const kI0 = k[0], kI1 = k[1], kI2 = k[2], kI3 = k[3];
  const kJ0 = k[4], kJ1 = k[5], kJ2 = k[6], kJ3 = k[7];
  const kL0 = k[8], kL1 = k[9], kL2 = k[10], kL3 = k[11];
  const lm = LM;
  // S ⊕ 2J is the same for every pair
  const sj0 = s0 ^ J2[0], sj1 = s1 ^ J2[1], sj2 = s2 ^ J2[2], sj3 = s3 ^ J2[3];
  let y0 = 0, y1 = 0, y2 = 0, y3 = 0;
  let c0 = I2[0], c1 = I2[1], c2 = I2[2], c3 = I2[3];
  let e0: number, e1: number, e2: number, e3: number;
  let f0: number, f1: number, f2: number, f3: number;
  for (let i = 1, p = 0; i <= m; i++, p += 8) {
    const lo = (i & 7) << 2;
    const o0 = c0 ^ lm[lo];
    const o1 = c1 ^ lm[lo + 1];
    const o2 = c2 ^ lm[lo + 2];
    const o3 = c3 ^ lm[lo + 3];
    // S' = E^{2,i}(S) = AES4(S ⊕ 2J ⊕ 2^⌈i/8⌉ I ⊕ (i mod 8) L); Y_i = W_i ⊕ S'; Z_i = X_i ⊕ S'
    e0 = sj0 ^ o0;
    e1 = sj1 ^ o1;
    e2 = sj2 ^ o2;
    e3 = sj3 ^ o3;
    f0 = T0[e0 & 255] ^ T1[(e1 >>> 8) & 255] ^ T2[(e2 >>> 16) & 255] ^ T3[e3 >>> 24] ^ kJ0;
    f1 = T0[e1 & 255] ^ T1[(e2 >>> 8) & 255] ^ T2[(e3 >>> 16) & 255] ^ T3[e0 >>> 24] ^ kJ1;
    f2 = T0[e2 & 255] ^ T1[(e3 >>> 8) & 255] ^ T2[(e0 >>> 16) & 255] ^ T3[e1 >>> 24] ^ kJ2;
    f3 = T0[e3 & 255] ^ T1[(e0 >>> 8) & 255] ^ T2[(e1 >>> 16) & 255] ^ T3[e2 >>> 24] ^ kJ3;
    e0 = T0[f0 & 255] ^ T1[(f1 >>> 8) & 255] ^ T2[(f2 >>> 16) & 255] ^ T3[f3 >>> 24] ^ kI0;
    e1 = T0[f1 & 255] ^ T1[(f2 >>> 8) & 255] ^ T2[(f3 >>> 16) & 255] ^ T3[f0 >>> 24] ^ kI1;
    e2 = T0[f2 & 255] ^ T1[(f3 >>> 8) & 255] ^ T2[(f0 >>> 16) & 255] ^ T3[f1 >>> 24] ^ kI2;
    e3 = T0[f3 & 255] ^ T1[(f0 >>> 8) & 255] ^ T2[(f1 >>> 16) & 255] ^ T3[f2 >>> 24] ^ kI3;
    f0 = T0[e0 & 255] ^ T1[(e1 >>> 8) & 255] ^ T2[(e2 >>> 16) & 255] ^ T3[e3 >>> 24] ^ kL0;
    f1 = T0[e1 & 255] ^ T1[(e2 >>> 8) & 255] ^ T2[(e3 >>> 16) & 255] ^ T3[e0 >>> 24] ^ kL1;
    f2 = T0[e2 & 255] ^ T1[(e3 >>> 8) & 255] ^ T2[(e0 >>> 16) & 255] ^ T3[e1 >>> 24] ^ kL2;
    f3 = T0[e3 & 255] ^ T1[(e0 >>> 8) & 255] ^ T2[(e1 >>> 16) & 255] ^ T3[e2 >>> 24] ^ kL3;
    e0 = T0[f0 & 255] ^ T1[(f1 >>> 8) & 255] ^ T2[(f2 >>> 16) & 255] ^ T3[f3 >>> 24];
    e1 = T0[f1 & 255] ^ T1[(f2 >>> 8) & 255] ^ T2[(f3 >>> 16) & 255] ^ T3[f0 >>> 24];
    e2 = T0[f2 & 255] ^ T1[(f3 >>> 8) & 255] ^ T2[(f0 >>> 16) & 255] ^ T3[f1 >>> 24];
    e3 = T0[f3 & 255] ^ T1[(f0 >>> 8) & 255] ^ T2[(f1 >>> 16) & 255] ^ T3[f2 >>> 24];
    let a0 = w[p] ^ e0;
    let a1 = w[p + 1] ^ e1;
    let a2 = w[p + 2] ^ e2;
    let a3 = w[p + 3] ^ e3;
    let b0 = w[p + 4] ^ e0;
    let b1 = w[p + 5] ^ e1;
    let b2 = w[p + 6] ^ e2;
    let b3 = w[p + 7] ^ e3;
    y0 ^= a0;
    y1 ^= a1;
    y2 ^= a2;
    y3 ^= a3;
    // C_i' = Y_i ⊕ E^{0,0}(Z_i)
    e0 = b0 ^ kI0;
    e1 = b1 ^ kI1;
    e2 = b2 ^ kI2;
    e3 = b3 ^ kI3;
    f0 = T0[e0 & 255] ^ T1[(e1 >>> 8) & 255] ^ T2[(e2 >>> 16) & 255] ^ T3[e3 >>> 24] ^ kJ0;
    f1 = T0[e1 & 255] ^ T1[(e2 >>> 8) & 255] ^ T2[(e3 >>> 16) & 255] ^ T3[e0 >>> 24] ^ kJ1;
    f2 = T0[e2 & 255] ^ T1[(e3 >>> 8) & 255] ^ T2[(e0 >>> 16) & 255] ^ T3[e1 >>> 24] ^ kJ2;
    f3 = T0[e3 & 255] ^ T1[(e0 >>> 8) & 255] ^ T2[(e1 >>> 16) & 255] ^ T3[e2 >>> 24] ^ kJ3;
    e0 = T0[f0 & 255] ^ T1[(f1 >>> 8) & 255] ^ T2[(f2 >>> 16) & 255] ^ T3[f3 >>> 24] ^ kI0;
    e1 = T0[f1 & 255] ^ T1[(f2 >>> 8) & 255] ^ T2[(f3 >>> 16) & 255] ^ T3[f0 >>> 24] ^ kI1;
    e2 = T0[f2 & 255] ^ T1[(f3 >>> 8) & 255] ^ T2[(f0 >>> 16) & 255] ^ T3[f1 >>> 24] ^ kI2;
    e3 = T0[f3 & 255] ^ T1[(f0 >>> 8) & 255] ^ T2[(f1 >>> 16) & 255] ^ T3[f2 >>> 24] ^ kI3;
    f0 = T0[e0 & 255] ^ T1[(e1 >>> 8) & 255] ^ T2[(e2 >>> 16) & 255] ^ T3[e3 >>> 24] ^ kL0;
    f1 = T0[e1 & 255] ^ T1[(e2 >>> 8) & 255] ^ T2[(e3 >>> 16) & 255] ^ T3[e0 >>> 24] ^ kL1;
    f2 = T0[e2 & 255] ^ T1[(e3 >>> 8) & 255] ^ T2[(e0 >>> 16) & 255] ^ T3[e1 >>> 24] ^ kL2;
    f3 = T0[e3 & 255] ^ T1[(e0 >>> 8) & 255] ^ T2[(e1 >>> 16) & 255] ^ T3[e2 >>> 24] ^ kL3;
    e0 = T0[f0 & 255] ^ T1[(f1 >>> 8) & 255] ^ T2[(f2 >>> 16) & 255] ^ T3[f3 >>> 24];
    e1 = T0[f1 & 255] ^ T1[(f2 >>> 8) & 255] ^ T2[(f3 >>> 16) & 255] ^ T3[f0 >>> 24];
    e2 = T0[f2 & 255] ^ T1[(f3 >>> 8) & 255] ^ T2[(f0 >>> 16) & 255] ^ T3[f1 >>> 24];
    e3 = T0[f3 & 255] ^ T1[(f0 >>> 8) & 255] ^ T2[(f1 >>> 16) & 255] ^ T3[f2 >>> 24];
    a0 ^= e0;
    a1 ^= e1;
    a2 ^= e2;
    a3 ^= e3;
    // C_i = Z_i ⊕ E^{1,i}(C_i')
    e0 = a0 ^ kJ0 ^ o0;
    e1 = a1 ^ kJ1 ^ o1;
    e2 = a2 ^ kJ2 ^ o2;
    e3 = a3 ^ kJ3 ^ o3;
    f0 = T0[e0 & 255] ^ T1[(e1 >>> 8) & 255] ^ T2[(e2 >>> 16) & 255] ^ T3[e3 >>> 24] ^ kJ0;
    f1 = T0[e1 & 255] ^ T1[(e2 >>> 8) & 255] ^ T2[(e3 >>> 16) & 255] ^ T3[e0 >>> 24] ^ kJ1;
    f2 = T0[e2 & 255] ^ T1[(e3 >>> 8) & 255] ^ T2[(e0 >>> 16) & 255] ^ T3[e1 >>> 24] ^ kJ2;
    f3 = T0[e3 & 255] ^ T1[(e0 >>> 8) & 255] ^ T2[(e1 >>> 16) & 255] ^ T3[e2 >>> 24] ^ kJ3;
    e0 = T0[f0 & 255] ^ T1[(f1 >>> 8) & 255] ^ T2[(f2 >>> 16) & 255] ^ T3[f3 >>> 24] ^ kI0;
    e1 = T0[f1 & 255] ^ T1[(f2 >>> 8) & 255] ^ T2[(f3 >>> 16) & 255] ^ T3[f0 >>> 24] ^ kI1;
    e2 = T0[f2 & 255] ^ T1[(f3 >>> 8) & 255] ^ T2[(f0 >>> 16) & 255] ^ T3[f1 >>> 24] ^ kI2;
    e3 = T0[f3 & 255] ^ T1[(f0 >>> 8) & 255] ^ T2[(f1 >>> 16) & 255] ^ T3[f2 >>> 24] ^ kI3;
    f0 = T0[e0 & 255] ^ T1[(e1 >>> 8) & 255] ^ T2[(e2 >>> 16) & 255] ^ T3[e3 >>> 24] ^ kL0;
    f1 = T0[e1 & 255] ^ T1[(e2 >>> 8) & 255] ^ T2[(e3 >>> 16) & 255] ^ T3[e0 >>> 24] ^ kL1;
    f2 = T0[e2 & 255] ^ T1[(e3 >>> 8) & 255] ^ T2[(e0 >>> 16) & 255] ^ T3[e1 >>> 24] ^ kL2;
    f3 = T0[e3 & 255] ^ T1[(e0 >>> 8) & 255] ^ T2[(e1 >>> 16) & 255] ^ T3[e2 >>> 24] ^ kL3;
    e0 = T0[f0 & 255] ^ T1[(f1 >>> 8) & 255] ^ T2[(f2 >>> 16) & 255] ^ T3[f3 >>> 24];
    e1 = T0[f1 & 255] ^ T1[(f2 >>> 8) & 255] ^ T2[(f3 >>> 16) & 255] ^ T3[f0 >>> 24];
    e2 = T0[f2 & 255] ^ T1[(f3 >>> 8) & 255] ^ T2[(f0 >>> 16) & 255] ^ T3[f1 >>> 24];
    e3 = T0[f3 & 255] ^ T1[(f0 >>> 8) & 255] ^ T2[(f1 >>> 16) & 255] ^ T3[f2 >>> 24];
    b0 ^= e0;
    b1 ^= e1;
    b2 ^= e2;
    b3 ^= e3;
    w[p] = b0;
    w[p + 1] = b1;
    w[p + 2] = b2;
    w[p + 3] = b3;
    w[p + 4] = a0;
    w[p + 5] = a1;
    w[p + 6] = a2;
    w[p + 7] = a3;
    if ((i & 7) === 0) {
      ICUR[0] = c0; ICUR[1] = c1; ICUR[2] = c2; ICUR[3] = c3;
      dbl(ICUR, 0, ICUR, 0);
      c0 = ICUR[0]; c1 = ICUR[1]; c2 = ICUR[2]; c3 = ICUR[3];
    }
  }
  PASS_XY[0] = y0; PASS_XY[1] = y1; PASS_XY[2] = y2; PASS_XY[3] = y3;
}



/**
 * AEZ v5, AEZ-core, encipher (d = 0) or decipher (d = 1) src into dst (same length n >= 32).
 * Pairs (M_i, M_i') for i = 1..m, then a 0..31-byte fragment (M_u, M_v), then (M_x, M_y).
 */
function aezCore(src: Uint8Array, dst: Uint8Array, n: number, d: number): void {
  const fb = n & 31;
  const initial = n - fb - 32; // bytes in the pairs, a multiple of 32
  const m = initial >>> 5;
  let w = scratch;
  let w8 = scratch8;
  if (initial > w8.length) {
    w = new Int32Array(initial >>> 2);
    w8 = new Uint8Array(w.buffer);
    if (initial <= SCRATCH_KEEP_BYTES) {
      scratch = w;
      scratch8 = w8;
    }
  }
  // Read all input before writing any output (dst may alias src).
  w8.set(src.subarray(0, initial));
  TAIL.fill(0);
  TAIL8.set(src.subarray(initial, initial + fb), 0);
  TAIL8.set(src.subarray(n - 32, n), 32);
  if (fb > 0) TAIL8[fb] = 0x80; // 10* padding of the fragment's last (partial) block

  const o = AES_OUT;

  // Pass 1: W_i = M_i ⊕ E^{1,i}(M_i'); X_i = M_i' ⊕ E^{0,0}(W_i); X = ⊕ X_i.
  corePass1(w, m);
  let x0 = PASS_XY[0], x1 = PASS_XY[1], x2 = PASS_XY[2], x3 = PASS_XY[3];

  // Fragment into X: E^{0,4}(M_u) ⊕ E^{0,5}(M_v 10*)  or  E^{0,4}(M_u 10*).
  const tI0 = I2[0], tI1 = I2[1], tI2 = I2[2], tI3 = I2[3]; // 2I, the I offset of E^{0,i} for i = 1..8
  if (fb >= 16) {
    aes4(TAIL[0] ^ tI0 ^ LM[16], TAIL[1] ^ tI1 ^ LM[17], TAIL[2] ^ tI2 ^ LM[18], TAIL[3] ^ tI3 ^ LM[19]);
    x0 ^= o[0]; x1 ^= o[1]; x2 ^= o[2]; x3 ^= o[3];
    aes4(TAIL[4] ^ tI0 ^ LM[20], TAIL[5] ^ tI1 ^ LM[21], TAIL[6] ^ tI2 ^ LM[22], TAIL[7] ^ tI3 ^ LM[23]);
    x0 ^= o[0]; x1 ^= o[1]; x2 ^= o[2]; x3 ^= o[3];
  } else if (fb > 0) {
    aes4(TAIL[0] ^ tI0 ^ LM[16], TAIL[1] ^ tI1 ^ LM[17], TAIL[2] ^ tI2 ^ LM[18], TAIL[3] ^ tI3 ^ LM[19]);
    x0 ^= o[0]; x1 ^= o[1]; x2 ^= o[2]; x3 ^= o[3];
  }

  // S: R = X ⊕ M_x ⊕ Δ ⊕ E^{0,1+d}(M_y); R' = M_y ⊕ E^{-1,1+d}(R); S = R ⊕ R'.
  const la = (1 + d) << 2;
  aes4(TAIL[12] ^ tI0 ^ LM[la], TAIL[13] ^ tI1 ^ LM[la + 1], TAIL[14] ^ tI2 ^ LM[la + 2], TAIL[15] ^ tI3 ^ LM[la + 3]);
  let r0 = x0 ^ TAIL[8] ^ DELTA[0] ^ o[0];
  let r1 = x1 ^ TAIL[9] ^ DELTA[1] ^ o[1];
  let r2 = x2 ^ TAIL[10] ^ DELTA[2] ^ o[2];
  let r3 = x3 ^ TAIL[11] ^ DELTA[3] ^ o[3];
  aes10(r0 ^ LM[la], r1 ^ LM[la + 1], r2 ^ LM[la + 2], r3 ^ LM[la + 3]);
  let q0 = TAIL[12] ^ o[0], q1 = TAIL[13] ^ o[1], q2 = TAIL[14] ^ o[2], q3 = TAIL[15] ^ o[3];
  const sv0 = r0 ^ q0, sv1 = r1 ^ q1, sv2 = r2 ^ q2, sv3 = r3 ^ q3;

  // Pass 2: S' = E^{2,i}(S); Y_i = W_i ⊕ S'; Z_i = X_i ⊕ S'; Y = ⊕ Y_i;
  //         C_i' = Y_i ⊕ E^{0,0}(Z_i); C_i = Z_i ⊕ E^{1,i}(C_i'); output (C_i, C_i').
  corePass2(w, m, sv0, sv1, sv2, sv3);
  let y0 = PASS_XY[0], y1 = PASS_XY[1], y2 = PASS_XY[2], y3 = PASS_XY[3];

  // Fragment out and into Y: C_u = M_u ⊕ E^{-1,4}(S), C_v = M_v ⊕ E^{-1,5}(S) (truncated),
  // Y ⊕= E^{0,4}(C_u) ⊕ E^{0,5}(C_v 10*)  or  Y ⊕= E^{0,4}(C_u 10*).
  if (fb >= 16) {
    aes10(sv0 ^ LM[16], sv1 ^ LM[17], sv2 ^ LM[18], sv3 ^ LM[19]);
    TAIL[0] ^= o[0]; TAIL[1] ^= o[1]; TAIL[2] ^= o[2]; TAIL[3] ^= o[3];
    aes4(TAIL[0] ^ tI0 ^ LM[16], TAIL[1] ^ tI1 ^ LM[17], TAIL[2] ^ tI2 ^ LM[18], TAIL[3] ^ tI3 ^ LM[19]);
    y0 ^= o[0]; y1 ^= o[1]; y2 ^= o[2]; y3 ^= o[3];
    aes10(sv0 ^ LM[20], sv1 ^ LM[21], sv2 ^ LM[22], sv3 ^ LM[23]);
    TAIL[4] ^= o[0]; TAIL[5] ^= o[1]; TAIL[6] ^= o[2]; TAIL[7] ^= o[3];
    TAIL8.fill(0, fb, 32);
    TAIL8[fb] = 0x80;
    aes4(TAIL[4] ^ tI0 ^ LM[20], TAIL[5] ^ tI1 ^ LM[21], TAIL[6] ^ tI2 ^ LM[22], TAIL[7] ^ tI3 ^ LM[23]);
    y0 ^= o[0]; y1 ^= o[1]; y2 ^= o[2]; y3 ^= o[3];
  } else if (fb > 0) {
    aes10(sv0 ^ LM[16], sv1 ^ LM[17], sv2 ^ LM[18], sv3 ^ LM[19]);
    TAIL[0] ^= o[0]; TAIL[1] ^= o[1]; TAIL[2] ^= o[2]; TAIL[3] ^= o[3];
    TAIL8.fill(0, fb, 16);
    TAIL8[fb] = 0x80;
    aes4(TAIL[0] ^ tI0 ^ LM[16], TAIL[1] ^ tI1 ^ LM[17], TAIL[2] ^ tI2 ^ LM[18], TAIL[3] ^ tI3 ^ LM[19]);
    y0 ^= o[0]; y1 ^= o[1]; y2 ^= o[2]; y3 ^= o[3];
  }

  // Last two blocks: R ⊕= E^{-1,2-d}(R'); R' ⊕= E^{0,2-d}(R) ⊕ Δ ⊕ Y; output (R', R).
  const lb = (2 - d) << 2;
  aes10(q0 ^ LM[lb], q1 ^ LM[lb + 1], q2 ^ LM[lb + 2], q3 ^ LM[lb + 3]);
  r0 ^= o[0];
  r1 ^= o[1];
  r2 ^= o[2];
  r3 ^= o[3];
  aes4(r0 ^ tI0 ^ LM[lb], r1 ^ tI1 ^ LM[lb + 1], r2 ^ tI2 ^ LM[lb + 2], r3 ^ tI3 ^ LM[lb + 3]);
  q0 ^= o[0] ^ DELTA[0] ^ y0;
  q1 ^= o[1] ^ DELTA[1] ^ y1;
  q2 ^= o[2] ^ DELTA[2] ^ y2;
  q3 ^= o[3] ^ DELTA[3] ^ y3;
  TAIL[8] = q0; TAIL[9] = q1; TAIL[10] = q2; TAIL[11] = q3;
  TAIL[12] = r0; TAIL[13] = r1; TAIL[14] = r2; TAIL[15] = r3;

  dst.set(w8.subarray(0, initial), 0);
  if (fb > 0) dst.set(TAIL8.subarray(0, fb), initial);
  dst.set(TAIL8.subarray(32, 64), n - 32);
  if (w !== scratch) w.fill(0);
}

// ---------------------------------------------------------------------------------------------
// AEZ-tiny (1..31 bytes)
// ---------------------------------------------------------------------------------------------

/** E^{0,i}(BLK ⊕ Δ) = AES4(BLK ⊕ Δ ⊕ 2I ⊕ i·L) for i = 3, 6, 7 (⌈i/8⌉ = 1). */
function tinyE(li: number): void {
  const lo = li << 2;
  aes4(
    BLK[0] ^ DELTA[0] ^ I2[0] ^ LM[lo],
    BLK[1] ^ DELTA[1] ^ I2[1] ^ LM[lo + 1],
    BLK[2] ^ DELTA[2] ^ I2[2] ^ LM[lo + 2],
    BLK[3] ^ DELTA[3] ^ I2[3] ^ LM[lo + 3],
  );
}

/** Load the first ⌈n/2⌉ bytes of a half into BLK, 10*-padded at bit 4n (AEZ-tiny round input). */
function tinyRoundInput(half: Uint8Array, halfUp: number, halfDown: number, mask: number, pad: number, j: number): void {
  BLK.fill(0, 0, 4);
  BLK8.set(half.subarray(0, halfUp));
  BLK8[halfDown] = (BLK8[halfDown] & mask) | pad;
  BLK8[15] ^= j; // the round index is xored into the last byte (AEZ v5, AEZ-tiny: [i]_128)
}

/** AEZ v5, AEZ-tiny: a balanced Feistel network over n*4-bit halves, n = 1..31 bytes. */
function aezTiny(src: Uint8Array, dst: Uint8Array, n: number, d: number): void {
  let rounds: number;
  let li = 7;
  if (n === 1) rounds = 24;
  else if (n === 2) rounds = 16;
  else if (n < 16) rounds = 10;
  else {
    li = 6;
    rounds = 8;
  }
  const halfDown = n >>> 1;
  const halfUp = (n + 1) >>> 1;
  // Split into L (first n*4 bits) and R (last n*4 bits); with odd n, R starts mid-byte.
  TL.fill(0);
  TR.fill(0);
  TL8.set(src.subarray(0, halfUp));
  TR8.set(src.subarray(halfDown, halfDown + halfUp));
  let mask = 0x00;
  let pad = 0x80;
  if (n & 1) {
    for (let k = 0; k < halfDown; k++) TR8[k] = ((TR8[k] << 4) | (TR8[k + 1] >>> 4)) & 0xff;
    TR8[halfDown] = (TR8[halfDown] << 4) & 0xff;
    pad = 0x08;
    mask = 0xf0;
  }
  let j: number;
  let step: number;
  if (d !== 0) {
    if (n < 16) {
      // Undo the first-bit tweak of short strings: C[0] ⊕= msb(E^{0,3}(Δ ⊕ (C ∨ 10^127 ...)))
      BLK.fill(0, 0, 4);
      BLK8.set(src.subarray(0, n));
      BLK8[0] |= 0x80;
      tinyE(3);
      TL8[0] ^= OUT8[0] & 0x80;
    }
    j = rounds - 1;
    step = -1;
  } else {
    j = 0;
    step = 1;
  }
  for (let k = 0; k < rounds >>> 1; k++, j += 2 * step) {
    tinyRoundInput(TR8, halfUp, halfDown, mask, pad, j);
    tinyE(li);
    xor4(TL, 0, TL, 0, AES_OUT, 0);
    tinyRoundInput(TL8, halfUp, halfDown, mask, pad, j + step);
    tinyE(li);
    xor4(TR, 0, TR, 0, AES_OUT, 0);
  }
  // Output R || L (the halves swap), re-joining on a nibble boundary when n is odd.
  BLK.fill(0);
  BLK8.set(TR8.subarray(0, halfDown), 0);
  BLK8.set(TL8.subarray(0, halfUp), halfDown);
  if (n & 1) {
    for (let k = n - 1; k > halfDown; k--) BLK8[k] = (BLK8[k] >>> 4) | ((BLK8[k - 1] << 4) & 0xff);
    BLK8[halfDown] = (TL8[0] >>> 4) | (TR8[halfDown] & 0xf0);
  }
  if (n < 16 && d === 0) {
    // Short strings: flip the first bit by msb(E^{0,3}(Δ ⊕ (C ∨ 10^127))) so that it is not fixed.
    const first = BLK8[0];
    BLK8.fill(0, n, 16);
    BLK8[0] |= 0x80;
    tinyE(3);
    BLK8[0] = first ^ (OUT8[0] & 0x80);
  }
  dst.set(BLK8.subarray(0, n));
}

function encipher(src: Uint8Array, dst: Uint8Array, n: number): void {
  if (n === 0) return;
  if (n < 32) aezTiny(src, dst, n, 0);
  else aezCore(src, dst, n, 0);
}

function decipher(src: Uint8Array, dst: Uint8Array, n: number): void {
  if (n === 0) return;
  if (n < 32) aezTiny(src, dst, n, 1);
  else aezCore(src, dst, n, 1);
}

function coreScratchBytes(n: number): number {
  return n >= 32 ? n - (n & 31) - 32 : 0;
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * AEZ v5 Encrypt(K, N, A, tau, M): returns |M| + tau bytes. key: any length (48 = no Extract
 * hashing); nonce: any length; tau: authenticator bytes (0 = pure SPRP); ad: A_1..A_m.
 */
export function aezEncrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  tau?: number,
  ad?: readonly Uint8Array[],
): Uint8Array {
  checkCommon(ENCRYPT_ARGS, key, nonce, plaintext);
  const t = checkTau(ENCRYPT_ARGS, tau);
  const a = checkAd(ENCRYPT_ARGS, ad);
  const n = plaintext.length + t;
  const out = new Uint8Array(n);
  setupKey(key);
  aezHash(nonce, a, t);
  if (plaintext.length === 0) aezPrf(out, t);
  else if (t === 0) encipher(plaintext, out, n);
  else {
    out.set(plaintext); // M || 0^tau (AEZ v5, Encrypt)
    encipher(out, out, n);
  }
  wipeState(coreScratchBytes(n));
  return out;
}

/**
 * AEZ v5 Decrypt(K, N, A, tau, C): returns |C| - tau bytes. With tau > 0 throws
 * AezAuthenticationError unless the deciphered string ends in tau zero bytes (checked in
 * constant time); with tau = 0 it never fails.
 */
export function aezDecrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  tau?: number,
  ad?: readonly Uint8Array[],
): Uint8Array {
  checkCommon(DECRYPT_ARGS, key, nonce, ciphertext);
  const t = checkTau(DECRYPT_ARGS, tau);
  const a = checkAd(DECRYPT_ARGS, ad);
  const n = ciphertext.length;
  if (n < t) throw new AezAuthenticationError();
  setupKey(key);
  aezHash(nonce, a, t);
  if (n === t) {
    // Empty message: the ciphertext is AEZ-prf(Δ, tau) itself.
    const expect = new Uint8Array(t);
    aezPrf(expect, t);
    wipeState(0);
    let diff = 0;
    for (let i = 0; i < t; i++) diff |= expect[i] ^ ciphertext[i];
    expect.fill(0);
    if (diff !== 0) throw new AezAuthenticationError();
    return new Uint8Array(0);
  }
  const out = new Uint8Array(n);
  decipher(ciphertext, out, n);
  wipeState(coreScratchBytes(n));
  if (t === 0) return out;
  let diff = 0;
  for (let i = n - t; i < n; i++) diff |= out[i];
  if (diff !== 0) {
    out.fill(0); // release no unauthenticated plaintext
    throw new AezAuthenticationError();
  }
  return out.subarray(0, n - t);
}

/** AEZ v5 Encrypt with tau = 0 and no AD (the Sphinx SPRP), src -> dst; dst may alias src. */
export function aezEncryptInto(key: Uint8Array, nonce: Uint8Array, src: Uint8Array, dst: Uint8Array): void {
  checkInto(ENCRYPT_INTO_ARGS, key, nonce, src, dst);
  const n = src.length;
  setupKey(key);
  aezHash(nonce, EMPTY_AD, 0);
  encipher(src, dst, n);
  wipeState(coreScratchBytes(n));
}

/** AEZ v5 Decrypt with tau = 0 and no AD (the Sphinx SPRP inverse), src -> dst; dst may alias src. */
export function aezDecryptInto(key: Uint8Array, nonce: Uint8Array, src: Uint8Array, dst: Uint8Array): void {
  checkInto(DECRYPT_INTO_ARGS, key, nonce, src, dst);
  const n = src.length;
  setupKey(key);
  aezHash(nonce, EMPTY_AD, 0);
  decipher(src, dst, n);
  wipeState(coreScratchBytes(n));
}

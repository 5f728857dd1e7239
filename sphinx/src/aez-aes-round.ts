/**
 * The AES round function as AEZ v5 uses it: 32-bit T-table rounds on little-endian words.
 *
 * AEZ v5 (Hoang, Krovetz, Rogaway), definition of E: AEZ never uses AES with the standard key
 * schedule. It uses AES4 and AES10, i.e. 4 or 10 *full* AES rounds (SubBytes, ShiftRows,
 * MixColumns, AddRoundKey; the last round keeps its MixColumns) with round keys taken straight
 * from the extracted key K = I || J || L:
 *   AES4:  round keys (J, I, L, 0)                        (the whitening key is 0; the tweak
 *   AES10: round keys (I, J, L, I, J, L, I, J, L, I)       offsets are xored in by the caller)
 *
 * Word layout: a 16-byte block is four 32-bit words, one per AES column, each word holding the
 * column's bytes in little-endian order (row 0 in bits 0..7). That is exactly what an Int32Array
 * view over the block's bytes yields on a little-endian machine, so callers never byte-swap.
 * The T-tables are built for that layout (T1..T3 are byte rotations of T0).
 *
 * The tables make these rounds variable-time (cache-timing), like Yawning Angel's round_vartime.go
 * that Katzenpost used (a known limitation of any table-based software AES).
 *
 * Internal to aez.ts (no argument checks: these run in the hot path); not part of the package API.
 *
 * Scratch state lives at module level (JS runs one call at a time per isolate; workers get their
 * own module instance). Nothing here allocates after module load.
 */

/** True when an Int32Array view over bytes yields little-endian words (every supported Node target). */
export const AES_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** FIPS-197 §5.1.1: the AES S-box, computed (multiplicative inverse in GF(2^8), then the affine map). */
export const AES_SBOX: Uint8Array = buildSbox();

function buildSbox(): Uint8Array {
  const sbox = new Uint8Array(256);
  // Walk p through the multiplicative group with generator 3 and q through the inverses (times 3^-1).
  let p = 1;
  let q = 1;
  do {
    p = (p ^ ((p << 1) & 0xff) ^ (p & 0x80 ? 0x1b : 0)) & 0xff; // p *= 3
    q ^= q << 1; // q /= 3
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if (q & 0x80) q ^= 0x09;
    const rot = (x: number, n: number) => ((x << n) | (x >>> (8 - n))) & 0xff;
    sbox[p] = q ^ rot(q, 1) ^ rot(q, 2) ^ rot(q, 3) ^ rot(q, 4) ^ 0x63; // FIPS-197 eq. (5.1)
  } while (p !== 1);
  sbox[0] = 0x63;
  return sbox;
}

function xtime(x: number): number {
  return ((x << 1) ^ (x & 0x80 ? 0x1b : 0)) & 0xff;
}

/** T0[x]: column produced by MixColumns(SubBytes(x) in row 0): (2s, s, s, 3s), little-endian. */
const T0 = new Int32Array(256);
const T1 = new Int32Array(256);
const T2 = new Int32Array(256);
const T3 = new Int32Array(256);
for (let x = 0; x < 256; x++) {
  const s = AES_SBOX[x];
  const s2 = xtime(s);
  const s3 = s2 ^ s;
  const w = s2 | (s << 8) | (s << 16) | (s3 << 24);
  T0[x] = w;
  T1[x] = (w << 8) | (w >>> 24); // row 1 input: (3s, 2s, s, s)
  T2[x] = (w << 16) | (w >>> 16);
  T3[x] = (w << 24) | (w >>> 8);
}

/**
 * The tables, for callers that expand AES4 inline in a hot loop (V8 does not inline a function of
 * aes4's size). Read-only by contract.
 */
export const AES_T0: Int32Array = T0;
export const AES_T1: Int32Array = T1;
export const AES_T2: Int32Array = T2;
export const AES_T3: Int32Array = T3;

// V8 keeps exported bindings in module cells (a load plus a hole check on every access), so the
// hot code below uses these unexported names and exports aliases of the same arrays.
const KEY = new Int32Array(12);
const OUT = new Int32Array(4);

/** Round-key words: I (0..3), J (4..7), L (8..11), little-endian column words. */
export const AES_KEY_WORDS: Int32Array = KEY;

/** Output of the last aes4/aes10 call (four little-endian column words). */
export const AES_OUT: Int32Array = OUT;

/**
 * AES4 of the (already whitened) block x0..x3: four full rounds with keys J, I, L, 0.
 * Result in AES_OUT. ShiftRows: output column c row r comes from input column c+r.
 */
export function aes4(x0: number, x1: number, x2: number, x3: number): void {
  const k = KEY;
  let s0 = x0;
  let s1 = x1;
  let s2 = x2;
  let s3 = x3;
  let t0 = T0[s0 & 255] ^ T1[(s1 >>> 8) & 255] ^ T2[(s2 >>> 16) & 255] ^ T3[s3 >>> 24] ^ k[4];
  let t1 = T0[s1 & 255] ^ T1[(s2 >>> 8) & 255] ^ T2[(s3 >>> 16) & 255] ^ T3[s0 >>> 24] ^ k[5];
  let t2 = T0[s2 & 255] ^ T1[(s3 >>> 8) & 255] ^ T2[(s0 >>> 16) & 255] ^ T3[s1 >>> 24] ^ k[6];
  let t3 = T0[s3 & 255] ^ T1[(s0 >>> 8) & 255] ^ T2[(s1 >>> 16) & 255] ^ T3[s2 >>> 24] ^ k[7];
  s0 = T0[t0 & 255] ^ T1[(t1 >>> 8) & 255] ^ T2[(t2 >>> 16) & 255] ^ T3[t3 >>> 24] ^ k[0];
  s1 = T0[t1 & 255] ^ T1[(t2 >>> 8) & 255] ^ T2[(t3 >>> 16) & 255] ^ T3[t0 >>> 24] ^ k[1];
  s2 = T0[t2 & 255] ^ T1[(t3 >>> 8) & 255] ^ T2[(t0 >>> 16) & 255] ^ T3[t1 >>> 24] ^ k[2];
  s3 = T0[t3 & 255] ^ T1[(t0 >>> 8) & 255] ^ T2[(t1 >>> 16) & 255] ^ T3[t2 >>> 24] ^ k[3];
  t0 = T0[s0 & 255] ^ T1[(s1 >>> 8) & 255] ^ T2[(s2 >>> 16) & 255] ^ T3[s3 >>> 24] ^ k[8];
  t1 = T0[s1 & 255] ^ T1[(s2 >>> 8) & 255] ^ T2[(s3 >>> 16) & 255] ^ T3[s0 >>> 24] ^ k[9];
  t2 = T0[s2 & 255] ^ T1[(s3 >>> 8) & 255] ^ T2[(s0 >>> 16) & 255] ^ T3[s1 >>> 24] ^ k[10];
  t3 = T0[s3 & 255] ^ T1[(s0 >>> 8) & 255] ^ T2[(s1 >>> 16) & 255] ^ T3[s2 >>> 24] ^ k[11];
  const o = OUT;
  o[0] = T0[t0 & 255] ^ T1[(t1 >>> 8) & 255] ^ T2[(t2 >>> 16) & 255] ^ T3[t3 >>> 24];
  o[1] = T0[t1 & 255] ^ T1[(t2 >>> 8) & 255] ^ T2[(t3 >>> 16) & 255] ^ T3[t0 >>> 24];
  o[2] = T0[t2 & 255] ^ T1[(t3 >>> 8) & 255] ^ T2[(t0 >>> 16) & 255] ^ T3[t1 >>> 24];
  o[3] = T0[t3 & 255] ^ T1[(t0 >>> 8) & 255] ^ T2[(t1 >>> 16) & 255] ^ T3[t2 >>> 24];
}

/** AES10 of the (already whitened) block x0..x3: ten full rounds, keys I, J, L, I, J, L, I, J, L, I. */
export function aes10(x0: number, x1: number, x2: number, x3: number): void {
  const k = KEY;
  let s0 = x0;
  let s1 = x1;
  let s2 = x2;
  let s3 = x3;
  for (let r = 0; r < 10; r++) {
    const ko = (r % 3) * 4; // I, J, L repeating
    const t0 = T0[s0 & 255] ^ T1[(s1 >>> 8) & 255] ^ T2[(s2 >>> 16) & 255] ^ T3[s3 >>> 24] ^ k[ko];
    const t1 = T0[s1 & 255] ^ T1[(s2 >>> 8) & 255] ^ T2[(s3 >>> 16) & 255] ^ T3[s0 >>> 24] ^ k[ko + 1];
    const t2 = T0[s2 & 255] ^ T1[(s3 >>> 8) & 255] ^ T2[(s0 >>> 16) & 255] ^ T3[s1 >>> 24] ^ k[ko + 2];
    const t3 = T0[s3 & 255] ^ T1[(s0 >>> 8) & 255] ^ T2[(s1 >>> 16) & 255] ^ T3[s2 >>> 24] ^ k[ko + 3];
    s0 = t0;
    s1 = t1;
    s2 = t2;
    s3 = t3;
  }
  const o = OUT;
  o[0] = s0;
  o[1] = s1;
  o[2] = s2;
  o[3] = s3;
}

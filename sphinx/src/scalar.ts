// Scalar arithmetic mod the prime order ℓ of Curve25519's base point, used to collapse the sender's
// chain of X25519 blindings into one multiplication per hop.
//
// X25519(k, P) = clamp(k)·P and clamp(k) is always a multiple of 8, so a chain
// X25519(b_{i-1}, … X25519(b_0, X25519(x, P))) equals (c mod ℓ)·P' with c = clamp(x)·Πclamp(b_j),
// where P' is P with its small-order part removed — for any P. One X25519 with a 32-byte k gives
// the same u-coordinate iff clamp(k) ≡ ±c (mod ℓ) (x-only: u(−Q) = u(Q)). Clamped scalars are
// 2^254 + 8t, 0 ≤ t < 2^251; the two candidate t for +c and −c sum to −2^252 ≡ ℓ − 2^252 (about
// 2^124) mod ℓ, so when one is ≥ 2^251 the other is < 2^251: a representative exists except with
// probability about 2^-127. The caller still keeps the chain as a fallback.

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const TWO_254 = 2n ** 254n;
const TWO_251 = 2n ** 251n;

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}
const INV8 = modPow(8n, L - 2n, L); // Fermat: ℓ is prime

/** The scalar X25519 actually multiplies by (RFC 7748 §5 decodeScalar25519), reduced mod ℓ. */
export function clampedScalarModL(k: Uint8Array): bigint {
  let v = 0n;
  for (let i = 31; i >= 0; i--) {
    let byte = k[i];
    if (i === 0) byte &= 248;
    if (i === 31) byte = (byte & 127) | 64;
    v = (v << 8n) | BigInt(byte);
  }
  return v % L;
}

export function mulModL(a: bigint, b: bigint): bigint {
  return (a * b) % L;
}

/**
 * A 32-byte scalar k, already in clamped form, with k ≡ ±c (mod ℓ); null when neither sign has
 * one (negligible). Clamped scalars are 2^254 + 8t for 0 ≤ t < 2^251, so t = (±c − 2^254)·8⁻¹ mod ℓ must be < 2^251.
 */
export function clampedRepresentative(c: bigint): Uint8Array | null {
  for (const target of [c % L, (L - (c % L)) % L]) {
    const t = ((((target - TWO_254) % L) + L) % L) * INV8 % L;
    if (t < TWO_251) {
      let k = TWO_254 + 8n * t;
      const out = new Uint8Array(32);
      for (let i = 0; i < 32; i++) {
        out[i] = Number(k & 0xffn);
        k >>= 8n;
      }
      return out;
    }
  }
  return null;
}

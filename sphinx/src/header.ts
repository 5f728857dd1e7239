// Sphinx header creation (Danezis & Goldberg 2009 §3.2; Katzenpost sphinx.go createHeader and
// kemsphinx.go createKEMHeader). Returns the header and the per-hop payload SPRP keys.
import type { CryptoBackend, ScalarKey } from './backend.js';
import { xorInto } from './bytes.js';
import { writeCommand } from './commands.js';
import { AD_LENGTH, MAC_LENGTH, X25519_KEY_LENGTH } from './constants.js';
import { InvalidPacketError, SphinxArgumentError } from './errors.js';
import type { Geometry } from './geometry.js';
import { deriveKeys, type PacketKeys } from './kdf.js';
import { kemEncapsulate } from './kem.js';
import type { PathHop } from './path.js';
import { clampedRepresentative, clampedScalarModL, mulModL } from './scalar.js';

export interface SprpKey {
  key: Uint8Array; // 48 B AEZ key
  iv: Uint8Array; // 16 B AEZ nonce (= the hop's header IV)
}

export interface CreatedHeader {
  header: Uint8Array;
  sprpKeys: SprpKey[];
}

function importPathKey(backend: CryptoBackend, hop: PathHop, i: number) {
  try {
    return backend.importPoint(hop.publicKey);
  } catch (e) {
    if (e instanceof InvalidPacketError) throw new SphinxArgumentError(`path[${i}].publicKey`, 'is a low-order X25519 point');
    throw e;
  }
}

/**
 * NIKE key schedule (Sphinx §3.2): one ephemeral x; alpha_i = (x·b_0·…·b_{i-1})·G and
 * s_i = (x·b_0·…·b_{i-1})·y_i. With `combine` (the default) each hop's product of blinding factors
 * is folded into one scalar mod ℓ (scalar.ts), so a hop costs one import and one multiplication;
 * if no clamped scalar represents the product (negligible), or with `combine` off, the factors are
 * applied one X25519 at a time as Katzenpost does (n(n+1)/2 + n − 1 multiplications).
 */
function nikeSchedule(backend: CryptoBackend, path: readonly PathHop[], random: (n: number) => Uint8Array, combine: boolean) {
  const n = path.length;
  const xBytes = random(X25519_KEY_LENGTH);
  const x = backend.importScalar(xBytes);
  const alphas: Uint8Array[] = [backend.x25519Base(x)];
  const blindBytes: Uint8Array[] = [];
  const blinds: (ScalarKey | undefined)[] = [];
  const blind = (j: number): ScalarKey => (blinds[j] ??= backend.importScalar(blindBytes[j]));
  const keys: PacketKeys[] = [];
  let c = clampedScalarModL(xBytes);
  for (let i = 0; i < n; i++) {
    const y = importPathKey(backend, path[i], i);
    let s: Uint8Array;
    const k = i === 0 || !combine ? null : clampedRepresentative((c = mulModL(c, clampedScalarModL(blindBytes[i - 1]))));
    if (i === 0) {
      s = backend.x25519(x, y);
    } else if (k) {
      const K = backend.importScalar(k);
      alphas.push(backend.x25519Base(K));
      s = backend.x25519(K, y);
    } else {
      alphas.push(backend.x25519(blind(i - 1), backend.importPoint(alphas[i - 1])));
      s = backend.x25519(x, y);
      for (let j = 0; j < i; j++) s = backend.x25519(blind(j), backend.importPoint(s));
    }
    keys.push(deriveKeys(backend, s, true));
    // b_i = first 32 bytes of ChaCha20(blinding seed) (Katzenpost's NIKE.DerivePrivateKey path).
    if (i < n - 1) blindBytes.push(backend.chacha20Keystream32(keys[i].blindingSeed));
  }
  return { keys, groupElements: alphas };
}

/** KEM key schedule: one encapsulation per hop; the next hop's ciphertext rides in the routing info. */
function kemSchedule(backend: CryptoBackend, path: readonly PathHop[], random: (n: number) => Uint8Array) {
  const keys: PacketKeys[] = [];
  const cts: Uint8Array[] = [];
  for (let i = 0; i < path.length; i++) {
    const { ciphertext, sharedSecret } = kemEncapsulate(backend, path[i].publicKey, importPathKey(backend, path[i], i), random(X25519_KEY_LENGTH));
    cts.push(ciphertext);
    keys.push(deriveKeys(backend, sharedSecret, false));
  }
  return { keys, groupElements: cts };
}

/** Builds a header for `path` (already validated against `g`). */
export function createHeader(
  g: Geometry,
  path: readonly PathHop[],
  backend: CryptoBackend,
  random: (n: number) => Uint8Array,
  combineScalars = true,
): CreatedHeader {
  const n = path.length;
  const P = g.perHopRoutingInfoLength;
  const R = g.routingInfoLength;
  const { keys, groupElements } = g.kind === 'nike' ? nikeSchedule(backend, path, random, combineScalars) : kemSchedule(backend, path, random);

  // Filler (Sphinx §3.2 "phi"): the tail that hop i's decryption appends, as hop i+1 will see it.
  // pad_i = last (i+1)·P bytes of hop i's keystream over R+P bytes, XOR pad_{i-1} in its prefix.
  const streams: Uint8Array[] = [];
  const pads: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const ks = backend.aes256Ctr(keys[i].headerKey, keys[i].headerIv, new Uint8Array(R + P));
    const cut = R + P - (i + 1) * P;
    streams.push(ks.subarray(0, cut));
    const pad = ks.slice(cut);
    if (i > 0) xorInto(pad, pads[i - 1]);
    pads.push(pad);
  }

  // Routing info, built from the last hop back. Unused hop slots (short paths) are random bytes.
  const ri = new Uint8Array(R);
  let start = n * P; // ri[start..R) holds the random tail; hop i's block goes at ri[i·P..]
  ri.set(random(R - start), start);
  let mac: Uint8Array = new Uint8Array(MAC_LENGTH);
  const macInput = new Uint8Array(AD_LENGTH + g.groupElementLength + R);
  for (let i = n - 1; i >= 0; i--) {
    const terminal = i === n - 1;
    start = i * P;
    // This hop's block: its commands, then NextNodeHop(next id, next MAC), zero padding and (KEM)
    // the next hop's ciphertext in the last 32 bytes.
    const block = ri.subarray(start, start + P);
    block.fill(0);
    let off = 0;
    for (const c of path[i].commands) off = writeCommand(block, off, c);
    if (!terminal) {
      off = writeCommand(block, off, { type: 'nextNodeHop', id: path[i + 1].id, mac });
      if (g.kind === 'kem') block.set(groupElements[i + 1], P - g.groupElementLength);
    }
    // Encrypt hop i's view: ri[start..R) XOR keystream_i (length R - i·P).
    xorInto(ri.subarray(start), streams[i]);
    // MAC over AD || alpha_i || routing info as hop i receives it (its slice + the filler).
    macInput.fill(0, 0, AD_LENGTH); // version 0x0000
    macInput.set(groupElements[i], AD_LENGTH);
    macInput.set(ri.subarray(start), AD_LENGTH + g.groupElementLength);
    if (i > 0) macInput.set(pads[i - 1], AD_LENGTH + g.groupElementLength + (R - start));
    mac = backend.hmacSha256(keys[i].headerMac, macInput);
  }

  const header = new Uint8Array(g.headerLength);
  header.set(groupElements[0], AD_LENGTH);
  header.set(ri, g.routingInfoOffset);
  header.set(mac, g.macOffset);
  // The header IV doubles as the SPRP nonce: different key and primitive (Katzenpost sphinx.go).
  const sprpKeys = keys.map((k) => ({ key: k.payloadKey.slice(), iv: k.headerIv.slice() }));
  return { header, sprpKeys };
}

import { assertNumber } from './assert.js';
import type { Rng } from './rng.js';

/**
 * Per-hop mixing delays chosen by the sender (Loopix §4.1: each hop's delay ~ Exp(μ), mean 1/μ,
 * carried to the mix in the header; in Katzenpost the NodeDelay command). Each delay is clamped to
 * capMs so a rare huge draw cannot outlive the epoch's keys. Writes into `out` (no allocation when
 * given) and returns it. muPerMs is the rate per ms (mean delay 1/muPerMs ms).
 */
export function sampleHopDelays(muPerMs: number, hops: number, rng: Rng, capMs: number): number[];
export function sampleHopDelays<A extends { [i: number]: number; length: number }>(muPerMs: number, hops: number, rng: Rng, capMs: number, out: A): A;
export function sampleHopDelays<A extends { [i: number]: number; length: number }>(
  muPerMs: number,
  hops: number,
  rng: Rng,
  capMs: number,
  out?: A,
): A {
  assertNumber(muPerMs, 'muPerMs', { min: 0, minExclusive: true });
  assertNumber(hops, 'hops', { integer: true, min: 0 });
  assertNumber(capMs, 'capMs', { min: 0 });
  const dst = (out ?? new Array<number>(hops)) as A;
  if (dst.length < hops) throw new RangeError(`out: must hold at least ${hops} delays`);
  for (let i = 0; i < hops; i++) {
    const d = rng.exponential(muPerMs);
    dst[i] = d > capMs ? capMs : d;
  }
  return dst;
}

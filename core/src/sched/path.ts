import { SchedArgumentError } from './errors.js';
import type { Rng } from './rng.js';

/**
 * The minimal topology path selection needs: mixes by layer and the providers. Real daemons build
 * it from the consensus document (T = node descriptor); the simulator uses node indices (T = number).
 */
export interface Topology<T> {
  readonly layers: readonly (readonly T[])[];
  readonly providers: readonly T[];
}

/**
 * - `stratified` (Loopix §4, Katzenpost): one mix chosen uniformly per layer, layers in order.
 * - `cascade`: mix i of every layer forms cascade i; one cascade chosen uniformly (all layers must
 *   have the same width).
 * - `free`: each hop chosen uniformly among all mixes, independently (free route).
 */
export type RouteKind = 'stratified' | 'cascade' | 'free';

export interface PathOptions<T> {
  kind?: RouteKind;
  /** First element of the path (the sender's provider, or a mix sending its own loop). Default: a uniformly chosen provider. */
  from?: T;
  /** Last element (the destination provider, or the looping mix itself). Default: a uniformly chosen provider. */
  to?: T;
  /** Number of mix hops (default: number of layers). */
  hops?: number;
  /**
   * Layer of the first mix hop (stratified/cascade); later hops follow cyclically. A mix in layer i
   * sends its λM loop with startLayer i+1 and hops L−1, so the loop crosses every other layer once.
   */
  startLayer?: number;
  /** Array to write into (reused by hot callers: no allocation). Its length is set to hops + 2. */
  out?: T[];
}

/**
 * Chooses a route `[from, mix_1 … mix_hops, to]` over the topology with the injected Rng.
 * Each mix is uniform within its layer (stratified), cascade, or over all mixes (free).
 */
export function selectPath<T>(topology: Topology<T>, rng: Rng, opts: PathOptions<T> = {}): T[] {
  const layers = topology?.layers;
  const providers = topology?.providers;
  if (!Array.isArray(layers) || !Array.isArray(providers)) {
    throw new SchedArgumentError('topology: must have layers and providers arrays', 'type');
  }
  const L = layers.length;
  const kind = opts.kind ?? 'stratified';
  const hops = opts.hops ?? L;
  const start = opts.startLayer ?? 0;
  if (!Number.isInteger(hops) || hops < 0) throw new SchedArgumentError('opts.hops: must be a non-negative integer', 'range');
  if (hops > 0 && L === 0) throw new SchedArgumentError('topology.layers: must not be empty', 'range');
  if (!Number.isInteger(start) || start < 0) throw new SchedArgumentError('opts.startLayer: must be a non-negative integer', 'range');
  const needProvider = opts.from === undefined || opts.to === undefined;
  if (needProvider && providers.length === 0) {
    throw new SchedArgumentError('topology.providers: must not be empty', 'range');
  }
  const out = opts.out ?? [];
  out.length = hops + 2;
  out[0] = opts.from !== undefined ? opts.from : providers[rng.int(providers.length)];
  if (kind === 'stratified') {
    for (let h = 0; h < hops; h++) {
      const layer = layers[(start + h) % L];
      if (layer.length === 0) throw new SchedArgumentError(`topology.layers[${(start + h) % L}]: must not be empty`, 'range');
      out[h + 1] = layer[rng.int(layer.length)];
    }
  } else if (kind === 'cascade') {
    const width = layers[0].length;
    for (let l = 1; l < L; l++) {
      if (layers[l].length !== width) throw new SchedArgumentError('topology.layers: cascades need equal widths', 'range');
    }
    if (width === 0 && hops > 0) throw new SchedArgumentError('topology.layers[0]: must not be empty', 'range');
    const c = hops > 0 ? rng.int(width) : 0;
    for (let h = 0; h < hops; h++) out[h + 1] = layers[(start + h) % L][c];
  } else if (kind === 'free') {
    let total = 0;
    for (let l = 0; l < L; l++) total += layers[l].length;
    if (total === 0 && hops > 0) throw new SchedArgumentError('topology.layers: no mixes', 'range');
    for (let h = 0; h < hops; h++) {
      let i = rng.int(total);
      let l = 0;
      while (i >= layers[l].length) i -= layers[l++].length;
      out[h + 1] = layers[l][i];
    }
  } else {
    throw new SchedArgumentError(`opts.kind: unknown route kind ${String(kind)}`, 'value');
  }
  out[hops + 1] = opts.to !== undefined ? opts.to : providers[rng.int(providers.length)];
  return out;
}

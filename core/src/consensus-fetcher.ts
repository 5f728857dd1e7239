// Fetching the consensus for an epoch from a list of authorities. Every authority is asked (in
// parallel); the first response that verifies wins. One authority's 404 or error is never final.
// If none verifies, the last good document is returned (marked stale) for a bounded number of
// epochs, and the fallback is logged and counted.
import { assert, assertInt } from './assert.js';
import { ConsensusError } from './errors.js';
import type { Logger } from './log.js';
import { StrataMetrics } from './metrics.js';
import { verifyConsensus, type VerifiedConsensus, type VerifyConsensusOptions } from './consensus.js';

export const DEFAULT_FETCH_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_STALE_EPOCHS = 1;
/** Largest response body read from an authority. */
export const MAX_CONSENSUS_RESPONSE_BYTES = 2 << 20;

export interface ConsensusFetcherOptions {
  /** Base URLs of the authorities, e.g. http://127.0.0.1:7000 */
  authorityUrls: readonly string[];
  trustedAuthorityKeys: readonly Uint8Array[];
  threshold: number;
  /** How many epochs past its own the last good document may stand in (default 1). */
  maxStaleEpochs?: number;
  timeoutMs?: number;
  sphinxGeometryHash?: Uint8Array;
  /** Metrics of the calling component; counters `strata_<component>_consensus_fetch_total{result}`
   *  and `strata_<component>_consensus_rejected_total{reason}` are registered on it. */
  metrics?: StrataMetrics;
  logger?: Logger;
  fetch?: typeof fetch;
}

export interface FetchedConsensus {
  readonly verified: VerifiedConsensus;
  /** True when this is the last good document standing in for the requested epoch. */
  readonly stale: boolean;
}

/** Reads a response body as UTF-8, giving up (and cancelling) past `maxBytes`. */
async function readCapped(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new ConsensusError('encoding', 'response too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class ConsensusFetcher {
  private lastGood: VerifiedConsensus | undefined;
  private readonly fetched;
  private readonly rejected;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: ConsensusFetcherOptions) {
    assert(Array.isArray(options.authorityUrls) && options.authorityUrls.length > 0, 'authorityUrls must be non-empty');
    assertInt('threshold', options.threshold, 1, options.trustedAuthorityKeys.length);
    assertInt('maxStaleEpochs', options.maxStaleEpochs ?? DEFAULT_MAX_STALE_EPOCHS, 0, 1000);
    const metrics = options.metrics ?? new StrataMetrics('consensus_client');
    this.fetched = metrics.counter('consensus_fetch', 'Consensus fetches by result (ok, fallback, unavailable)', ['result'] as const);
    this.rejected = metrics.counter('consensus_rejected', 'Authority responses rejected, by reason', ['reason'] as const);
    this.fetchFn = options.fetch ?? fetch;
  }

  /** The newest document that verified. */
  get lastGoodConsensus(): VerifiedConsensus | undefined {
    return this.lastGood;
  }

  private async fetchOne(base: string, epoch: number, verify: VerifyConsensusOptions): Promise<VerifiedConsensus> {
    const url = `${base.replace(/\/+$/, '')}/v1/consensus/${epoch}`;
    let res: Response;
    try {
      res = await this.fetchFn(url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS) });
    } catch (err) {
      throw new ConsensusError('unavailable', `authority unreachable: ${(err as Error).message}`);
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new ConsensusError('unavailable', `authority answered ${res.status}`);
    }
    const len = Number(res.headers.get('content-length') ?? '0');
    if (len > MAX_CONSENSUS_RESPONSE_BYTES) {
      await res.body?.cancel();
      throw new ConsensusError('encoding', 'response too large');
    }
    const text = await readCapped(res, MAX_CONSENSUS_RESPONSE_BYTES);
    return verifyConsensus(text, this.options.trustedAuthorityKeys, this.options.threshold, verify);
  }

  /**
   * The verified document for `epoch` from any authority; else the last good document if it is at
   * most maxStaleEpochs older (stale: true); else throws ConsensusError('unavailable').
   */
  async fetch(epoch: number): Promise<FetchedConsensus> {
    assertInt('epoch', epoch);
    const verify: VerifyConsensusOptions = { epoch, ...(this.options.sphinxGeometryHash ? { sphinxGeometryHash: this.options.sphinxGeometryHash } : {}) };
    const attempts = this.options.authorityUrls.map((u) => this.fetchOne(u, epoch, verify));
    try {
      const verified = await Promise.any(attempts);
      if (!this.lastGood || verified.consensus.epoch >= this.lastGood.consensus.epoch) this.lastGood = verified;
      this.fetched.inc({ result: 'ok' });
      // Count the rejections of the others once they settle (without waiting for them).
      for (const a of attempts) a.catch((err: unknown) => this.countRejection(err));
      return { verified, stale: false };
    } catch {
      const results = await Promise.allSettled(attempts);
      const reasons = results.map((r) => (r.status === 'rejected' ? this.countRejection(r.reason) : 'ok'));
      const maxStale = this.options.maxStaleEpochs ?? DEFAULT_MAX_STALE_EPOCHS;
      const last = this.lastGood;
      if (last && epoch > last.consensus.epoch && epoch - last.consensus.epoch <= maxStale) {
        this.fetched.inc({ result: 'fallback' });
        this.options.logger?.warn({ epoch, lastGoodEpoch: last.consensus.epoch, reasons }, 'no verifiable consensus; keeping the last good document');
        return { verified: last, stale: true };
      }
      this.fetched.inc({ result: 'unavailable' });
      this.options.logger?.error({ epoch, reasons }, 'no verifiable consensus and no usable last good document');
      throw new ConsensusError('unavailable', `no authority served a verifiable document for epoch ${epoch} (${reasons.join(', ')})`);
    }
  }

  private countRejection(err: unknown): string {
    const reason = err instanceof ConsensusError ? err.reason : 'error';
    this.rejected.inc({ reason });
    return reason;
  }
}

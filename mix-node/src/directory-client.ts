// The mix node's view of the directory authorities: fetch the verified consensus of an epoch
// (core's ConsensusFetcher: every authority asked, threshold of signatures, last-good fallback) and
// upload this node's signed descriptor to every authority.
import { ConsensusFetcher } from '@strata/core/consensus-fetcher';
import type { Consensus } from '@strata/core/consensus';
import type { SignedDescriptor } from '@strata/core/descriptor';
import type { Logger } from '@strata/core/log';
import type { StrataMetrics } from '@strata/core/metrics';

/** What the node needs from the directory. */
export interface DirectoryClient {
  /** The verified consensus of `epoch` (or a stand-in last good one); throws ConsensusError. */
  fetchConsensus(epoch: number): Promise<Consensus>;
  /** Upload a signed descriptor to every authority; resolves with how many accepted it. */
  uploadDescriptor(signed: SignedDescriptor): Promise<number>;
}

/** The directory's upload route (it accepts the raw signed bytes as application/octet-stream). */
export const DESCRIPTOR_UPLOAD_PATH = '/v1/descriptors';
const UPLOAD_TIMEOUT_MS = 5000;

export interface HttpDirectoryClientOptions {
  authorities: readonly { url: string; identityKey: Uint8Array }[];
  threshold: number;
  sphinxGeometryHash: Uint8Array;
  metrics?: StrataMetrics;
  logger?: Logger;
}

export class HttpDirectoryClient implements DirectoryClient {
  private readonly fetcher: ConsensusFetcher;

  constructor(private readonly o: HttpDirectoryClientOptions) {
    this.fetcher = new ConsensusFetcher({
      authorityUrls: o.authorities.map((a) => a.url),
      trustedAuthorityKeys: o.authorities.map((a) => a.identityKey),
      threshold: o.threshold,
      sphinxGeometryHash: o.sphinxGeometryHash,
      ...(o.metrics ? { metrics: o.metrics } : {}),
      ...(o.logger ? { logger: o.logger } : {}),
    });
  }

  async fetchConsensus(epoch: number): Promise<Consensus> {
    return (await this.fetcher.fetch(epoch)).verified.consensus;
  }

  /** POST the descriptor bytes (body ‖ signature) to `<authority>/v1/descriptors`. */
  async uploadDescriptor(signed: SignedDescriptor): Promise<number> {
    const results = await Promise.allSettled(
      this.o.authorities.map(async (a) => {
        const res = await fetch(`${a.url.replace(/\/+$/, '')}${DESCRIPTOR_UPLOAD_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream' },
          body: signed.encoded,
          signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
        });
        await res.body?.cancel();
        if (res.status < 200 || res.status >= 300) throw new Error(`authority answered ${res.status}`);
      }),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    return ok;
  }
}

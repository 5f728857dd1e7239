// A node's view of the directory authorities: fetch the verified consensus of an epoch (core's
// ConsensusFetcher: every authority asked, threshold of signatures, last-good fallback) and upload
// the node's signed descriptor to every authority (core's uploadDescriptor, directory.md §Upload).
import { ConsensusFetcher } from '../consensus-fetcher.js';
import type { Consensus } from '../consensus.js';
import type { SignedDescriptor } from '../descriptor.js';
import { uploadDescriptor } from '../descriptor-upload.js';
import type { Logger } from '../log.js';
import type { StrataMetrics } from '../metrics.js';

/** What a node (mix or provider) needs from the directory. */
export interface DirectoryClient {
  /** The verified consensus of `epoch` (or a stand-in last good one); throws ConsensusError. */
  fetchConsensus(epoch: number): Promise<Consensus>;
  /** Upload a signed descriptor to every authority; resolves with how many accepted it. */
  uploadDescriptor(signed: SignedDescriptor): Promise<number>;
}

export interface HttpDirectoryClientOptions {
  authorities: readonly { url: string; identityKey: Uint8Array }[];
  threshold: number;
  sphinxGeometryHash: Uint8Array;
  /** Counts `<component>_consensus_{fetch,rejected}_total` on the daemon's registry. */
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

  async uploadDescriptor(signed: SignedDescriptor): Promise<number> {
    const results = await uploadDescriptor(this.o.authorities.map((a) => a.url), signed);
    return results.filter((r) => r.accepted).length;
  }
}

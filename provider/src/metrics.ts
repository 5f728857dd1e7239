import { Histogram } from 'prom-client';
import { StrataMetrics } from '@strata/core/metrics';

/**
 * The provider's Prometheus metrics on a registry of their own (@strata/core StrataMetrics, so
 * several providers can live in one process, e.g. in tests). No metric has a per-alias or
 * per-client label.
 */
export class ProviderMetrics {
  readonly strata = new StrataMetrics('provider');
  readonly registry = this.strata.registry;
  readonly stored = this.strata.counter('stored', 'Messages committed durably to a dropbox');
  readonly storeRejected = this.strata.counter('store_rejected', 'Messages refused by a dropbox, by reason (alias_quota, unknown_alias, bad_length, ...)', ['reason'] as const);
  readonly delivered = this.strata.counter('delivered', 'Messages removed because every device of the owner acknowledged them');
  readonly expired = this.strata.counter('expired', 'Messages removed at TTL');
  readonly polls = this.strata.counter('polls', 'Authenticated polls answered');
  readonly pollEntries = this.strata.counter('poll_entries', 'Poll response entries sent, real or dummy', ['kind'] as const);
  readonly acksSent = this.strata.counter('acks_sent', 'SURB-ACK delivery receipts sent back into the mixnet after a durable store');
  readonly identitiesPublished = this.strata.counter('identities_published', 'Identity statements accepted, by outcome (created, rotated, refreshed)', ['outcome'] as const);
  readonly identityLookups = this.strata.counter('identity_lookups', '/v1/identities/lookup answers, by result (found, unknown)', ['result'] as const);
  readonly apiRejected = this.strata.counter('api_rejected', 'Client API requests refused, by route and reason', ['route', 'reason'] as const);
  readonly commitSeconds = this.strata.histogram('commit', 'Time from the start of a group commit to its flush to disk', [], [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1]);
  /** Counts, not seconds: registered directly (StrataMetrics only names `_seconds` histograms). */
  readonly commitBatchOperations = new Histogram({
    name: 'strata_provider_commit_batch_operations',
    help: 'Operations folded into one durable LMDB transaction',
    buckets: [1, 2, 4, 8, 16, 64, 256, 1024, 4096, 16384],
    registers: [this.registry],
  });
  readonly dropboxMessages: Histogram;

  /** `dropboxSizes` is read at scrape time: the histogram shows the current distribution of dropbox sizes. */
  constructor(dropboxSizes: () => Iterable<number>) {
    this.dropboxMessages = new Histogram({
      name: 'strata_provider_dropbox_messages',
      help: 'Current number of messages per dropbox (one observation per alias at scrape time)',
      buckets: [0, 1, 10, 100, 1000, 10_000],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const n of dropboxSizes()) this.observe(n);
      },
    });
  }
}

import { Counter, Histogram, Registry } from 'prom-client';

/**
 * The provider's Prometheus metrics, on a registry of their own (several providers can live in one
 * process, e.g. in tests). No metric has a per-alias or per-client label.
 */
export class ProviderMetrics {
  readonly registry = new Registry();
  readonly stored = new Counter({ name: 'strata_provider_stored_total', help: 'Messages committed durably to a dropbox', registers: [this.registry] });
  readonly storeRejected = new Counter({
    name: 'strata_provider_store_rejected_total',
    help: 'Messages refused by a dropbox, by reason (alias_quota, unknown_alias, bad_length, ...)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly delivered = new Counter({ name: 'strata_provider_delivered_total', help: 'Messages removed because every device of the owner acknowledged them', registers: [this.registry] });
  readonly expired = new Counter({ name: 'strata_provider_expired_total', help: 'Messages removed at TTL', registers: [this.registry] });
  readonly polls = new Counter({ name: 'strata_provider_polls_total', help: 'Authenticated polls answered', registers: [this.registry] });
  readonly pollEntries = new Counter({
    name: 'strata_provider_poll_entries_total',
    help: 'Poll response entries sent, real or dummy',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly acksSent = new Counter({
    name: 'strata_provider_acks_sent_total',
    help: 'SURB-ACK delivery receipts sent back into the mixnet after a durable store',
    registers: [this.registry],
  });
  readonly apiRejected = new Counter({
    name: 'strata_provider_api_rejected_total',
    help: 'Client API requests refused, by route and reason',
    labelNames: ['route', 'reason'] as const,
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: 'strata_provider_commit_seconds',
    help: 'Time from the start of a group commit to its flush to disk',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly commitBatchOperations = new Histogram({
    name: 'strata_provider_commit_batch_operations',
    help: 'Operations folded into one durable LMDB transaction',
    buckets: [1, 2, 4, 8, 16, 64, 256, 1024, 4096, 16384],
    registers: [this.registry],
  });
  readonly dropboxMessages: Histogram;

  /** `dropboxSizes` is read at scrape time: the histogram shows the current distribution of dropbox sizes. */
  constructor(dropboxSizes: () => Iterable<number>) {
    const buckets = [0, 1, 10, 100, 1000, 10_000];
    this.dropboxMessages = new Histogram({
      name: 'strata_provider_dropbox_messages',
      help: 'Current number of messages per dropbox (one observation per alias at scrape time)',
      buckets,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const n of dropboxSizes()) this.observe(n);
      },
    });
  }
}

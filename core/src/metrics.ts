// Metrics for every daemon: one prom-client Registry per component with names enforced as
// `strata_<component>_<thing>_{total,seconds}`, plus GET /metrics and GET /healthz on fastify.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { assert, assertString } from './assert.js';

const NAME_PART_RE = /^[a-z][a-z0-9_]*$/;
const DEFAULT_GAUGES_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export class StrataMetrics {
  readonly registry = new Registry();

  constructor(readonly component: string, options: { defaultMetrics?: boolean } = {}) {
    assertString('component', component);
    assert(NAME_PART_RE.test(component), 'component must be lower-case snake_case');
    if (options.defaultMetrics) {
      const prefix = `strata_${component}_`;
      collectDefaultMetrics({ register: this.registry, prefix });
      // prom-client names three of its default gauges `*_total`, which Prometheus reserves for
      // counters (`promtool check metrics` rejects them): drop them, the rest stays.
      for (const gauge of DEFAULT_GAUGES_NAMED_TOTAL) this.registry.removeSingleMetric(prefix + gauge);
    }
  }

  private name(thing: string, suffix: string): string {
    assert(NAME_PART_RE.test(thing), `metric thing must be lower-case snake_case: ${thing}`);
    return `strata_${this.component}_${thing}${suffix}`;
  }

  /** The metric already registered under `name`, if its type matches (else throws). */
  private existing<M>(name: string, type: abstract new (...args: never[]) => M): M | undefined {
    const m = this.registry.getSingleMetric(name);
    if (m === undefined) return undefined;
    assert(m instanceof type, `metric ${name} already registered with another type`);
    return m as M;
  }

  /** Counter `strata_<component>_<thing>_total` with a fixed label set (same name → same counter). */
  counter<L extends string = never>(thing: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    const name = this.name(thing, '_total');
    return this.existing<Counter<L>>(name, Counter) ?? new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** Histogram `strata_<component>_<thing>_seconds`. */
  histogram<L extends string = never>(thing: string, help: string, labelNames: readonly L[] = [], buckets?: number[]): Histogram<L> {
    const name = this.name(thing, '_seconds');
    return this.existing<Histogram<L>>(name, Histogram) ?? new Histogram({ name, help, labelNames, registers: [this.registry], ...(buckets ? { buckets } : {}) });
  }

  /** Gauge `strata_<component>_<thing>` (a level, so no suffix). */
  gauge<L extends string = never>(thing: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    const name = this.name(thing, '');
    return this.existing<Gauge<L>>(name, Gauge) ?? new Gauge({ name, help, labelNames, registers: [this.registry] });
  }
}

/**
 * Per-packet counting for a prom-client Counter of at most one label: `add(value)` is a plain
 * addition; `flushInto(counter)`, called from the counter's `collect` (so at every scrape or
 * registry read), moves the sums in. prom-client's own inc() hashes the label object on every
 * call, which on a per-packet path costs more than what it counts.
 */
export class PendingCounts {
  private readonly pending = new Map<string, number>();

  constructor(private readonly labelName?: string) {
    assert(labelName === undefined || NAME_PART_RE.test(labelName), 'labelName must be lower-case snake_case');
  }

  /** Count `n` under label value `value` ('' for a counter without labels). */
  add(value = '', n = 1): void {
    this.pending.set(value, (this.pending.get(value) ?? 0) + n);
  }

  flushInto(counter: Counter<string>): void {
    for (const [value, n] of this.pending) {
      if (n === 0) continue;
      if (this.labelName === undefined) counter.inc(n);
      else counter.inc({ [this.labelName]: value }, n);
      this.pending.set(value, 0);
    }
  }
}

export interface HealthStatus {
  ok: boolean;
  [detail: string]: unknown;
}

/** Registers GET /metrics (Prometheus text) and GET /healthz (200 when ok, else 503). */
export function registerOpsRoutes(app: FastifyInstance, metrics: StrataMetrics, health: () => HealthStatus = () => ({ ok: true })): void {
  app.get('/metrics', { schema: { querystring: { type: 'object', additionalProperties: false } } }, async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.get('/healthz', { schema: { querystring: { type: 'object', additionalProperties: false } } }, async (_req, reply) => {
    const status = health();
    reply.code(status.ok ? 200 : 503);
    return status;
  });
}

import Fastify, { type FastifyInstance } from 'fastify';
import { registerOpsRoutes } from '@strata/core/metrics';
import type { ProviderMetrics } from './metrics.js';

/**
 * The operator listener: plain HTTP, bound to loopback by default: GET /metrics (Prometheus text
 * format) and GET /healthz. Messages enter dropboxes only through the mixnet (Sphinx egress): the
 * round-1 injection hook POST /admin/store is gone.
 */
export async function buildAdminApi(metrics: ProviderMetrics): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  registerOpsRoutes(app, metrics.strata); // GET /metrics, GET /healthz
  return app;
}

import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { registerOpsRoutes } from '@strata/core/metrics';
import type { DropboxStore } from './dropbox-store.js';
import { ProviderError } from './errors.js';
import type { ProviderMetrics } from './metrics.js';

/**
 * The operator listener: plain HTTP, bound to loopback by default.
 *  - GET /metrics — Prometheus text format; GET /healthz.
 *  - POST /admin/store {alias, payload} — put a message into a dropbox exactly as mixnet egress does
 *    (same quota, same durability); answers 200 {id} only after the commit is on disk. For local
 *    services and for system tests; never expose this listener.
 */
export async function buildAdminApi(store: DropboxStore, metrics: ProviderMetrics, bodyLimitBytes: number): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: bodyLimitBytes });
  app.setErrorHandler((err: FastifyError | ProviderError, _req, reply) => {
    if (err instanceof ProviderError) return reply.status(err.status).send({ error: err.name, reason: err.reason, message: err.message });
    const fe = err as FastifyError;
    if (fe.validation) return reply.status(400).send({ error: 'ValidationError', reason: 'schema', message: fe.message });
    if (typeof fe.statusCode === 'number' && fe.statusCode < 500) return reply.status(fe.statusCode).send({ error: 'RequestError', reason: (fe.code ?? 'bad_request').toLowerCase(), message: fe.message });
    return reply.status(500).send({ error: 'InternalError', reason: 'internal', message: 'internal error' });
  });

  registerOpsRoutes(app, metrics.strata); // GET /metrics, GET /healthz

  app.post<{ Body: { alias: string; payload: string } }>(
    '/admin/store',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['alias', 'payload'],
          properties: { alias: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' }, payload: { type: 'string', pattern: '^[A-Za-z0-9_-]*$', maxLength: 100_000 } },
        },
      },
    },
    async (req) => {
      const { id } = await store.store(Buffer.from(req.body.alias, 'base64url'), Buffer.from(req.body.payload, 'base64url'));
      return { id: Buffer.from(id).toString('base64url') };
    },
  );
  return app;
}

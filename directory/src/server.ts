// The authority's HTTP API (fastify): JSON schema on every route, per-route body limits,
// refusals as 4xx {error: reason, message}, plus /metrics and /healthz.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { installRequestDeadline, registerOpsRoutes } from '@strata/core';
import { installConnectionLimit } from '@strata/core/http-connection-limit';
import type { Authority, SignatureMessage } from './authority.js';
import { RequestError } from './errors.js';

const B64 = { type: 'string', minLength: 4, pattern: '^[A-Za-z0-9+/]+={0,2}$' } as const;

const messageBody = {
  type: 'object',
  required: ['message'],
  additionalProperties: false,
  properties: { message: B64 },
} as const;

const accepted = {
  type: 'object',
  properties: { status: { type: 'string' }, epoch: { type: 'integer' }, nodeId: { type: 'string' } },
} as const;

const errorReply = { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } } } as const;

export function buildServer(authority: Authority): FastifyInstance {
  const limits = authority.config.limits;
  const app = Fastify({
    logger: false, // our own logger; request logs would carry client addresses
    bodyLimit: limits.uploadBodyBytes,
    connectionTimeout: limits.requestTimeoutMs * 2,
    requestTimeout: limits.requestTimeoutMs,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });

  const routeLabel = (req: FastifyRequest): string =>
    (req.routeOptions.url ?? 'unknown').replace(/^\/v1\//, '').replace(/[^a-z]+/g, '_').replace(/^_|_$/g, '') || 'unknown';

  // Every request is answered within requestTimeoutMs or its connection is destroyed, counted as
  // reason 'timeout' (a trickled body is never dropped by Node's own timeouts: issue 9 fuzzing).
  installRequestDeadline(app, limits.requestTimeoutMs, (req) =>
    authority.refuse(routeLabel(req), new RequestError(408, 'timeout', 'request not completed in time')));
  // Open connections in all and per remote IP are capped too (issue 9: limits everywhere).
  installConnectionLimit(app.server, limits, (reason) =>
    authority.refuse('connection', new RequestError(503, reason === 'too_many_connections' ? 'too-many-connections' : 'too-many-from-source', 'connection refused')));

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const route = routeLabel(req);
    let status = 500;
    let reason = 'internal';
    let message = 'internal error';
    if (err instanceof RequestError) {
      ({ status, reason, message } = err);
    } else if (err.validation) {
      status = 400;
      reason = 'schema';
      message = err.message;
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      reason = 'too-large';
      message = 'request body too large';
    } else if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err instanceof SyntaxError) {
      status = 400;
      reason = 'malformed-json';
      message = 'request body is not valid JSON';
    } else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415;
      reason = 'media-type';
      message = 'send application/json';
    } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      status = err.statusCode;
      reason = 'bad-request';
      message = err.message;
    } else {
      authority.logger.error({ err }, 'request failed');
    }
    if (!(err instanceof RequestError) && status < 500) {
      try {
        authority.refuse(route, new RequestError(status, reason, message));
      } catch {
        /* counted */
      }
    }
    void reply.code(status).send({ error: reason, message });
  });

  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).send({ error: 'not-found', message: 'no such route' });
  });

  // Raw descriptor bytes (body ‖ signature) are accepted as application/octet-stream too.
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: limits.uploadBodyBytes }, (_req, body, done) => {
    done(null, body);
  });

  app.post<{ Body: { descriptor: string } | Buffer }>(
    '/v1/descriptors',
    {
      bodyLimit: limits.uploadBodyBytes,
      schema: {
        body: {
          content: {
            'application/json': { schema: { type: 'object', required: ['descriptor'], additionalProperties: false, properties: { descriptor: B64 } } },
            'application/octet-stream': { schema: {} },
          },
        },
        response: { 200: accepted, 202: accepted, '4xx': errorReply },
      },
    },
    async (req, reply) => {
      // A POST without a content type and without a body reaches the handler unparsed and
      // unvalidated (the body schema is per content type): refuse it (issue 9 fuzzing, was a 500).
      const body: unknown = req.body;
      if (!Buffer.isBuffer(body) && (typeof body !== 'object' || body === null)) {
        authority.refuse('descriptors', new RequestError(415, 'media-type', 'send application/json or application/octet-stream'));
      }
      const r = authority.acceptDescriptor(Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : req.body.descriptor);
      reply.code(r.stored ? 202 : 200);
      return { status: r.stored ? 'accepted' : 'already-stored', epoch: r.epoch, nodeId: r.nodeId };
    },
  );

  app.post<{ Body: { message: string } }>(
    '/v1/exchange/vote',
    { bodyLimit: limits.exchangeBodyBytes, schema: { body: messageBody, response: { '4xx': errorReply } } },
    async (req, reply) => {
      const r = authority.acceptVote(req.body.message);
      reply.code(r.stored ? 202 : 200);
      return { status: r.stored ? 'accepted' : 'already-stored' };
    },
  );

  app.post<{ Body: { message: string } }>(
    '/v1/exchange/reveal',
    { bodyLimit: 4096, schema: { body: messageBody, response: { '4xx': errorReply } } },
    async (req, reply) => {
      const r = authority.acceptReveal(req.body.message);
      reply.code(r.stored ? 202 : 200);
      return { status: r.stored ? 'accepted' : 'already-stored' };
    },
  );

  app.post<{ Body: SignatureMessage }>(
    '/v1/exchange/signature',
    {
      bodyLimit: 4096,
      schema: {
        body: {
          type: 'object',
          required: ['epoch', 'authority', 'signature'],
          additionalProperties: false,
          properties: {
            epoch: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
            authority: { type: 'string', pattern: '^[0-9a-f]{64}$' },
            signature: { type: 'string', pattern: '^[0-9a-f]{128}$' },
          },
        },
        response: { '4xx': errorReply },
      },
    },
    async (req, reply) => {
      authority.acceptSignature(req.body);
      reply.code(202);
      return { status: 'accepted' };
    },
  );

  app.get<{ Params: { epoch: string } }>(
    '/v1/consensus/:epoch',
    {
      schema: {
        params: { type: 'object', required: ['epoch'], properties: { epoch: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$' } } },
      },
    },
    async (req, reply) => {
      const epoch = Number(req.params.epoch);
      const json = authority.consensusJson(epoch);
      if (json === undefined) {
        reply.code(404);
        return { error: 'not-available', message: `no threshold-signed document for epoch ${epoch} here` };
      }
      reply.header('content-type', 'application/json; charset=utf-8');
      return json;
    },
  );

  app.get<{ Params: { kind: 'vote' | 'reveal'; epoch: string; author: string } }>(
    '/v1/exchange/:kind/:epoch/:author',
    {
      schema: {
        params: {
          type: 'object',
          required: ['kind', 'epoch', 'author'],
          properties: {
            kind: { type: 'string', enum: ['vote', 'reveal'] },
            epoch: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$' },
            author: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          },
        },
      },
    },
    async (req, reply) => {
      const message = authority.heldMessage(req.params.kind, Number(req.params.epoch), req.params.author);
      if (message === undefined) {
        reply.code(404);
        return { error: 'not-available', message: 'no such message here' };
      }
      return { message };
    },
  );

  registerOpsRoutes(app, authority.metrics, () => authority.health());
  return app;
}

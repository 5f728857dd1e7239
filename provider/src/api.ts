import { sign, type KeyObject } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { installRequestDeadline } from '@strata/core/http-deadline';
import { installConnectionLimit, type ConnectionLimits } from '@strata/core/http-connection-limit';
import { wellKnownSigningBytes as sharedWellKnownSigningBytes } from '@strata/core/provider-protocol';
import type { DropboxStore } from './dropbox-store.js';
import { MAX_ACK_IDS } from './dropbox-store.js';
import { ProviderError, ProviderValidationError, UnknownIdentityError } from './errors.js';
import type { ProviderMetrics } from './metrics.js';
import { ed25519PublicKey, generateEd25519KeyPair, listDigest, u64, type RequestVerifier } from './request-signing.js';
import { MAX_SURBS_PER_REQUEST, type SurbRegistry } from './surb-registry.js';
import type { TlsMaterial } from './tls.js';
import type { LinkKeyRegistry } from './link-key-registry.js';
import type { IdentityRegistry } from './identity-registry.js';

/** Defaults of api.maxConnections and api.maxConnectionsPerSource (provider config). */
const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = Object.freeze({ maxConnections: 10_000, maxConnectionsPerSource: 64 });

/** What /.well-known/strata serves (docs/spec/provider.md §Auto-configuration). */
export interface WellKnownDocument {
  readonly version: 1;
  readonly provider: { readonly name: string; readonly identityKey: string; readonly linkKey: string; readonly apiUrl: string };
  readonly authorities: readonly { readonly url: string; readonly identityKey: string }[];
  readonly network: Readonly<Record<string, unknown>>;
  readonly dropbox: {
    readonly messageBytes: number;
    readonly pollEntries: number;
    readonly pollResponseBytes: number;
    readonly ttlMs: number;
    readonly aliasQuotaMessages: number;
    readonly timestampWindowMs: number;
  };
}

export interface ClientApiOptions {
  readonly tls: TlsMaterial;
  readonly bodyLimitBytes: number;
  /** Every request must complete within this time or its connection is destroyed. */
  readonly requestTimeoutMs: number;
  /** Caps on open connections (default: api.maxConnections 10000, api.maxConnectionsPerSource 64). */
  readonly connectionLimits?: ConnectionLimits;
  readonly store: DropboxStore;
  readonly surbs: SurbRegistry;
  readonly verifier: RequestVerifier;
  readonly metrics: ProviderMetrics;
  /** Called per request so that apiUrl can reflect the bound port. */
  readonly wellKnown: () => WellKnownDocument;
  /** The provider's Ed25519 identity key: signs the well-known document (header `x-strata-signature`). */
  readonly identityKey: KeyObject;
  /** Where a device registration's optional `linkKey` goes (absent: the field is refused). */
  readonly linkKeys?: LinkKeyRegistry;
  /** Published identities (§10); absent: the /v1/identities routes answer 404 no_route. */
  readonly identities?: IdentityRegistry;
}

export const WELL_KNOWN_SIGNATURE_HEADER = 'x-strata-signature';
/** Bytes the identity key signs for /.well-known/strata: domain ‖ the exact response body (shared with client-lib). */
export function wellKnownSigningBytes(body: Uint8Array): Buffer {
  const b = sharedWellKnownSigningBytes(body);
  return Buffer.from(b.buffer, b.byteOffset, b.length);
}

// Raw binary fields travel as unpadded base64url; lengths are fixed by the patterns.
const b64url = (bytes: number) => ({ type: 'string', pattern: `^[A-Za-z0-9_-]{${Math.ceil((bytes * 4) / 3)}}$` }) as const;
const KEY = b64url(32);
const NONCE = b64url(16);
const SIG = b64url(64);
const TIMESTAMP = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;

const bodySchema = (properties: Record<string, unknown>) => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties),
  properties,
});

const ERROR_SCHEMA = {
  type: 'object',
  properties: { error: { type: 'string' }, reason: { type: 'string' }, message: { type: 'string' } },
} as const;

const dec = (s: string): Buffer => Buffer.from(s, 'base64url');

interface SignedBody {
  timestampMs: number;
  nonce: string;
}

/**
 * The client HTTPS API (fastify over TLS). Every route has a JSON schema; every refusal is a 4xx
 * `{error, reason, message}` and is counted in strata_provider_api_rejected_total{route,reason}.
 * Fastify's own request logging is off: client addresses are never logged.
 */
export async function buildClientApi(opts: ClientApiOptions): Promise<FastifyInstance> {
  const { store, surbs, verifier, metrics } = opts;
  const app = Fastify({
    https: { key: opts.tls.key, cert: opts.tls.cert },
    logger: false,
    bodyLimit: opts.bodyLimitBytes,
    connectionTimeout: opts.requestTimeoutMs * 2,
    requestTimeout: opts.requestTimeoutMs,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });

  const routeLabel = (req: FastifyRequest): string => req.routeOptions?.url ?? 'none';

  // Every request is answered within requestTimeoutMs or its connection is destroyed, counted as
  // reason 'timeout': a trickled body (slowloris) is never dropped by Node's own timeouts (issue 9).
  installRequestDeadline(app, opts.requestTimeoutMs, (req) => metrics.apiRejected.inc({ route: routeLabel(req), reason: 'timeout' }));
  // Open connections are capped in all and per remote IP, before the TLS handshake (issue 9 limits).
  installConnectionLimit(app.server, opts.connectionLimits ?? DEFAULT_CONNECTION_LIMITS, (reason) => metrics.apiRejected.inc({ route: 'connection', reason }));

  app.setErrorHandler((err: FastifyError | ProviderError, req: FastifyRequest, reply: FastifyReply) => {
    let status: number;
    let body: { error: string; reason: string; message: string };
    if (err instanceof ProviderError) {
      status = err.status;
      body = { error: err.name, reason: err.reason, message: err.message };
    } else if ((err as FastifyError).validation) {
      status = 400;
      body = { error: 'ValidationError', reason: 'schema', message: err.message };
    } else if (typeof (err as FastifyError).statusCode === 'number' && (err as FastifyError).statusCode! < 500) {
      status = (err as FastifyError).statusCode!;
      const code = (err as FastifyError).code ?? 'bad_request';
      body = { error: 'RequestError', reason: code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'too_large' : code.toLowerCase(), message: err.message };
    } else {
      status = 500;
      body = { error: 'InternalError', reason: 'internal', message: 'internal error' };
    }
    metrics.apiRejected.inc({ route: routeLabel(req), reason: body.reason });
    void reply.status(status).send(body);
  });

  app.setNotFoundHandler((req, reply) => {
    metrics.apiRejected.inc({ route: 'none', reason: 'no_route' });
    void reply.status(404).send({ error: 'NotFound', reason: 'no_route', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });

  const errorResponses = { 400: ERROR_SCHEMA, 401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA, 429: ERROR_SCHEMA, 503: ERROR_SCHEMA };

  // An unknown alias must look exactly like a bad signature, in its answer and in its timing: its
  // requests are verified against a decoy key whose private half was thrown away.
  const decoyKey = ed25519PublicKey(generateEd25519KeyPair().publicKey);
  const aliasKeyFor = (alias: Buffer): KeyObject => store.aliasInfo(alias)?.aliasKey ?? decoyKey;

  // The body is signed as sent, so that a client holding the provider's identity key (from its
  // address) can trust the document even over a self-signed TLS certificate.
  app.get('/.well-known/strata', { schema: { querystring: { type: 'object', additionalProperties: false } } }, async (_req, reply) => {
    const body = Buffer.from(JSON.stringify(opts.wellKnown()), 'utf8');
    const signature = sign(null, wellKnownSigningBytes(body), opts.identityKey);
    return reply.type('application/json').header(WELL_KNOWN_SIGNATURE_HEADER, signature.toString('base64url')).send(body);
  });

  app.post<{ Body: SignedBody & { account: string; device: string; linkKey?: string; accountSignature: string; deviceSignature: string } }>(
    '/v1/devices',
    {
      schema: {
        // linkKey (optional): the X25519 static key this device presents on the provider link (§2).
        body: { ...bodySchema({ account: KEY, device: KEY, timestampMs: TIMESTAMP, nonce: NONCE, accountSignature: SIG, deviceSignature: SIG }), properties: { account: KEY, device: KEY, linkKey: KEY, timestampMs: TIMESTAMP, nonce: NONCE, accountSignature: SIG, deviceSignature: SIG } },
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const b = req.body;
      const account = dec(b.account);
      const device = dec(b.device);
      const linkKey = b.linkKey === undefined ? undefined : dec(b.linkKey);
      if (linkKey && !opts.linkKeys) throw new ProviderValidationError('link_key', 'this provider takes no link keys (it is not in the mixnet)');
      // Both keys sign: the account authorises the device, the device proves it holds its key.
      await verifier.verifyAsync('register-device', linkKey ? [account, device, linkKey] : [account, device], b.timestampMs, dec(b.nonce), [
        { key: ed25519PublicKey(account), signature: dec(b.accountSignature) },
        { key: ed25519PublicKey(device), signature: dec(b.deviceSignature) },
      ]);
      const r = await store.registerDevice(account, device);
      if (linkKey && opts.linkKeys) await opts.linkKeys.register(linkKey, account);
      return reply.status(r.created ? 201 : 200).send(r);
    },
  );

  app.post<{ Body: SignedBody & { account: string; device: string; accountSignature: string } }>(
    '/v1/devices/remove',
    {
      schema: {
        body: bodySchema({ account: KEY, device: KEY, timestampMs: TIMESTAMP, nonce: NONCE, accountSignature: SIG }),
        response: { 200: { type: 'object', properties: { removed: { type: 'boolean' }, delivered: { type: 'integer' } } }, ...errorResponses },
      },
    },
    async (req) => {
      const b = req.body;
      const account = dec(b.account);
      const device = dec(b.device);
      await verifier.verifyAsync('remove-device', [account, device], b.timestampMs, dec(b.nonce), [{ key: ed25519PublicKey(account), signature: dec(b.accountSignature) }]);
      return store.removeDevice(account, device);
    },
  );

  app.post<{ Body: SignedBody & { alias: string; aliasKey: string; account: string; aliasSignature: string; accountSignature: string } }>(
    '/v1/aliases',
    { schema: { body: bodySchema({ alias: KEY, aliasKey: KEY, account: KEY, timestampMs: TIMESTAMP, nonce: NONCE, aliasSignature: SIG, accountSignature: SIG }), response: errorResponses } },
    async (req, reply) => {
      const b = req.body;
      const alias = dec(b.alias);
      const aliasKey = dec(b.aliasKey);
      const account = dec(b.account);
      await verifier.verifyAsync('register-alias', [alias, aliasKey, account], b.timestampMs, dec(b.nonce), [
        { key: ed25519PublicKey(aliasKey), signature: dec(b.aliasSignature) },
        { key: ed25519PublicKey(account), signature: dec(b.accountSignature) },
      ]);
      const r = await store.registerAlias(alias, aliasKey, account);
      return reply.status(r.created ? 201 : 200).send(r);
    },
  );

  app.post<{ Body: SignedBody & { alias: string; device: string; signature: string } }>(
    '/v1/poll',
    { schema: { body: bodySchema({ alias: KEY, device: KEY, timestampMs: TIMESTAMP, nonce: NONCE, signature: SIG }), response: errorResponses } },
    async (req, reply) => {
      const b = req.body;
      const alias = dec(b.alias);
      const device = dec(b.device);
      await verifier.verifyAsync('poll', [alias, device], b.timestampMs, dec(b.nonce), [{ key: aliasKeyFor(alias), signature: dec(b.signature) }]);
      const body = store.pollEncoded(alias, device);
      return reply.type('application/octet-stream').header('cache-control', 'no-store').send(body);
    },
  );

  app.post<{ Body: SignedBody & { alias: string; device: string; ids: string[]; signature: string } }>(
    '/v1/ack',
    {
      schema: {
        body: bodySchema({ alias: KEY, device: KEY, ids: { type: 'array', maxItems: MAX_ACK_IDS, items: b64url(8) }, timestampMs: TIMESTAMP, nonce: NONCE, signature: SIG }),
        response: { 200: { type: 'object', properties: { acknowledged: { type: 'integer' }, removed: { type: 'integer' } } }, ...errorResponses },
      },
    },
    async (req) => {
      const b = req.body;
      const alias = dec(b.alias);
      const device = dec(b.device);
      const ids = b.ids.map(dec);
      await verifier.verifyAsync('ack', [alias, device, listDigest(ids)], b.timestampMs, dec(b.nonce), [{ key: aliasKeyFor(alias), signature: dec(b.signature) }]);
      return store.ack(alias, device, ids);
    },
  );

  app.post<{ Body: SignedBody & { alias: string; surbIds: string[]; expiresAtMs: number; signature: string } }>(
    '/v1/surbs',
    {
      schema: {
        body: bodySchema({ alias: KEY, surbIds: { type: 'array', maxItems: MAX_SURBS_PER_REQUEST, items: b64url(16) }, expiresAtMs: TIMESTAMP, timestampMs: TIMESTAMP, nonce: NONCE, signature: SIG }),
        response: { 200: { type: 'object', properties: { registered: { type: 'integer' } } }, ...errorResponses },
      },
    },
    async (req) => {
      const b = req.body;
      const alias = dec(b.alias);
      const ids = b.surbIds.map(dec);
      await verifier.verifyAsync('register-surbs', [alias, listDigest(ids), u64(b.expiresAtMs)], b.timestampMs, dec(b.nonce), [{ key: aliasKeyFor(alias), signature: dec(b.signature) }]);
      return surbs.register(alias, ids, b.expiresAtMs);
    },
  );

  const identities = opts.identities;
  if (identities) {
    // provider.md §10. Authenticated by the identity statement itself (no account, alias or device is
    // named: publishing does not link the identity to any alias the client registered).
    app.post<{ Body: { handle: string; ed25519: string; x25519: string; publishedAtMs: number; signature: string; rotationSignature?: string } }>(
      '/v1/identities',
      {
        schema: {
          body: {
            ...bodySchema({ handle: KEY, ed25519: KEY, x25519: KEY, publishedAtMs: TIMESTAMP, signature: SIG }),
            properties: { handle: KEY, ed25519: KEY, x25519: KEY, publishedAtMs: TIMESTAMP, signature: SIG, rotationSignature: SIG },
          },
          response: { 200: { type: 'object', properties: { created: { type: 'boolean' }, rotated: { type: 'boolean' } } }, 201: { type: 'object', properties: { created: { type: 'boolean' }, rotated: { type: 'boolean' } } }, ...errorResponses },
        },
      },
      async (req, reply) => {
        const b = req.body;
        const r = await identities.publish({
          handle: dec(b.handle),
          ed25519PublicKey: dec(b.ed25519),
          x25519PublicKey: dec(b.x25519),
          publishedAtMs: b.publishedAtMs,
          signature: dec(b.signature),
          rotationSignature: b.rotationSignature === undefined ? undefined : dec(b.rotationSignature),
        });
        metrics.identitiesPublished.inc({ outcome: r.created ? 'created' : r.rotated ? 'rotated' : 'refreshed' });
        return reply.status(r.created ? 201 : 200).send(r);
      },
    );

    const enc = (x: Uint8Array): string => Buffer.from(x.buffer, x.byteOffset, x.length).toString('base64url');
    // A POST, not GET /v1/identities/:handle: the handle then never appears in a URL (reverse-proxy
    // access logs would otherwise keep who was looked up).
    app.post<{ Body: { handle: string } }>(
      '/v1/identities/lookup',
      { schema: { body: bodySchema({ handle: KEY }), response: errorResponses } },
      async (req, reply) => {
        const r = identities.get(dec(req.body.handle));
        metrics.identityLookups.inc({ result: r ? 'found' : 'unknown' });
        if (!r) throw new UnknownIdentityError();
        return reply.header('cache-control', 'no-store').send({
          handle: enc(r.handle),
          ed25519: enc(r.ed25519PublicKey),
          x25519: enc(r.x25519PublicKey),
          publishedAtMs: r.publishedAtMs,
          signature: enc(r.signature),
          rotationSignature: r.rotationSignature ? enc(r.rotationSignature) : null,
        });
      },
    );
  }

  return app;
}


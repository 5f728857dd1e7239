// In-process HTTP campaign helpers (issue 9): hostile requests driven through a real fastify
// instance with `app.inject()` (light-my-request), i.e. the daemon's whole request pipeline —
// routing, content-type parsers, body limits, JSON schemas, hooks, handlers, error handler — without
// the socket. That reaches 1,000,000 cases per route in minutes; what only a socket can carry
// (broken framing, chunking, slow clients, TLS) stays in test/fuzz/http.ts.
import type { FastifyInstance } from 'fastify';
import { invariant, mutateBytes, mutateJson, mutateString, recordInput, type FuzzTarget, type Rng } from './campaign.js';

type InjectMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS' | 'HEAD';
const METHODS: readonly InjectMethod[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];

export interface InjectRoute {
  method: 'GET' | 'POST';
  path: string;
  /** A valid JSON body, or raw bytes with their content type. */
  json?: unknown;
  raw?: { contentType: string; bytes: Uint8Array };
  /** Body limit of the route: oversized bodies are aimed just past it. */
  bodyLimit?: number;
  /**
   * A freshly signed valid body (new nonce and timestamp) for signed routes; the `json` above is
   * then the one signed request that every `replay` case sends again.
   */
  fresh?: (rnd: Rng) => unknown;
  /** Body fields that a forger would alter (signatures, keys, nonces, timestamps). */
  signedFields?: readonly string[];
}

/** One route family fuzzed as one campaign target: a name and its routes (repeat one to weight it). */
export interface InjectGroup {
  name: string;
  routes: readonly InjectRoute[];
}

export interface InjectRequest {
  method: InjectMethod;
  url: string;
  headers: Record<string, string>;
  payload?: Buffer | string;
}

function bodyOf(route: InjectRoute): { contentType?: string; body?: Buffer } {
  if (route.raw) return { contentType: route.raw.contentType, body: Buffer.from(route.raw.bytes) };
  if (route.json !== undefined) return { contentType: 'application/json', body: Buffer.from(JSON.stringify(route.json)) };
  return {};
}

/** One big filler buffer per size class, sliced for every oversized body (no 8 MiB alloc per case). */
const filler = new Map<number, Buffer>();
function fill(n: number): Buffer {
  const size = 2 ** Math.ceil(Math.log2(Math.max(n, 1024)));
  let b = filler.get(size);
  if (!b) filler.set(size, (b = Buffer.alloc(size, 0x61)));
  return b.subarray(0, n);
}

/** A field's meaning: hex and base64(url) strings compare by the bytes they decode to. */
function meaning(v: unknown): string {
  if (typeof v === 'string') return /^([0-9a-f]{2})+$/.test(v) ? `hex:${v}` : /^[A-Za-z0-9+/_-]+={0,2}$/.test(v) ? `b64:${Buffer.from(v, 'base64').toString('hex')}` : `str:${v}`;
  return JSON.stringify(v) ?? 'undefined';
}

/**
 * Flips, replaces or swaps one signed field of a valid JSON body (a forged signed request).
 * `changed` is false when the forgery means the same bytes (e.g. a base64 character whose spare
 * bits the decoder ignores): such a request may legitimately be accepted.
 */
function forge(rnd: Rng, json: Record<string, unknown>, fields: readonly string[]): { body: Record<string, unknown>; changed: boolean } {
  const out = { ...json };
  const k = rnd.pick(fields);
  const v = out[k];
  if (typeof v === 'number') out[k] = v + rnd.pick([1, -1, 1000, -60_000, 3_600_000]);
  else if (typeof v === 'string' && v.length > 0) {
    const chars = v.split('');
    const i = rnd.int(chars.length);
    // Stay in the field's alphabet (base64url / hex) so the schema passes and the check behind it runs.
    const alphabet = /^[0-9a-f]+$/.test(v) ? '0123456789abcdef' : /[+/=]/.test(v) ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    if (chars[i] !== '=') chars[i] = alphabet[(alphabet.indexOf(chars[i]) + 1 + rnd.int(alphabet.length - 1)) % alphabet.length];
    out[k] = chars.join('');
  } else if (Array.isArray(v)) out[k] = v.length > 0 && rnd.chance(0.5) ? v.slice(1) : [...v, rnd.pick(v.length > 0 ? v : ['AAAAAAAAAAA'])];
  // Or the value of another signed field (a key where a signature belongs, a swapped pair).
  if (rnd.chance(0.2)) out[k] = json[rnd.pick(fields)];
  return { body: out, changed: fields.some((f) => meaning(out[f]) !== meaning(json[f])) };
}

function injectable(url: string): boolean {
  try {
    new URL(url.startsWith('//') ? `http://localhost${url}` : url, 'http://localhost');
    return true;
  } catch {
    return false;
  }
}

/** One hostile request for `route`, through the whole fastify pipeline. */
export function hostileInjection(rnd: Rng, route: InjectRoute): { strategy: string; req: InjectRequest } {
  const { contentType, body } = bodyOf(route);
  const headers = (ct: string | undefined): Record<string, string> => (ct ? { 'content-type': ct } : {});
  const req = (strategy: string, payload: Buffer | string | undefined, h: Record<string, string>, url = route.path, method: InjectMethod = route.method) => ({
    strategy,
    req: { method, url, headers: h, ...(payload !== undefined ? { payload } : {}) },
  });
  switch (rnd.int(12)) {
    case 0: // Wrong types, missing and extra fields: structurally valid JSON.
      return req('json-types', JSON.stringify(mutateJson(rnd, route.json ?? {})) ?? 'null', headers('application/json'));
    case 1: // Malformed JSON / mutated body bytes.
      return req('body-bytes', Buffer.from(mutateBytes(rnd, body ?? Buffer.from('{}'))), headers(contentType ?? 'application/json'));
    case 2: {
      // A body just past (or far past) the route's limit.
      const limit = route.bodyLimit ?? 1 << 20;
      return req('huge-body', fill(limit + 1 + (rnd.chance(0.8) ? rnd.int(1024) : rnd.int(limit))), headers(contentType ?? 'application/json'));
    }
    case 3: {
      // A content-length that disagrees with the body (or is not a number at all).
      const b = body ?? Buffer.from('{}');
      const declared = rnd.pick([String(b.length + 1 + rnd.int(100)), String(Math.max(0, b.length - 1 - rnd.int(b.length))), '0', '-1', 'abc', '1e3', String(2 ** 53), ' 5']);
      return req('content-length', b, { ...headers(contentType ?? 'application/json'), 'content-length': declared });
    }
    case 4: {
      // Content-type games.
      const ct = rnd.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x', '', 'application/octet-stream', 'application/json, application/json', 'APPLICATION/JSON', 'application/json;;', 'application/jsonx', '*/*']);
      return req('content-type', body ?? Buffer.alloc(0), headers(ct || undefined));
    }
    case 5: {
      // Path and query mutations (params of the wrong type, traversal, encodings).
      const path = rnd.chance(0.5)
        ? mutateString(rnd, route.path)
        : `${route.path}${rnd.pick(['/..', '/%2e%2e', '?a=1&a=2', '/x'.repeat(200), '%00', '/-1', '/1e309', '/999999999999999999999', '?__proto__[x]=1', '?constructor[prototype][x]=1', '%', '%ff', '//', '#x', `?${'a=1&'.repeat(500)}`])}`;
      const url = path.startsWith('/') ? path : `/${path}`;
      // light-my-request parses the URL (WHATWG) on the client side and throws on some (e.g. '/\\x'
      // reads as a host): those go percent-encoded, per code point (`u`: a surrogate pair split in
      // two made encodeURIComponent throw, seed 1 case 424090). Raw request lines: socket targets.
      return injectable(url) ? req('path', body, headers(contentType), url) : req('path-encoded', body, headers(contentType), url.replace(/[^\x21-\x7e]|\\/gu, (c) => encodeURIComponent(c)));
    }
    case 6: // Wrong method.
      return req('method', body, headers(contentType), route.path, rnd.pick(METHODS));
    case 7: {
      // Header abuse: many headers, one huge header, hostile encodings.
      const h: Record<string, string> = headers(contentType);
      const r = rnd.int(4);
      if (r === 0) for (let i = 0; i < 100 + rnd.int(500); i++) h[`x-h${i}`] = 'v';
      else if (r === 1) h['x-big'] = 'a'.repeat(8192 + rnd.int(100_000));
      else if (r === 2) h['content-encoding'] = rnd.pick(['gzip', 'deflate', 'br', 'identity, gzip', 'x']);
      else h[rnd.pick(['x-forwarded-for', 'host', 'accept', 'x-strata-signature', 'transfer-encoding', 'expect'])] = mutateString(rnd, 'some-header-value');
      return req('headers', body, h);
    }
    case 8: // Replay: the one valid (signed) request again.
      return req('replay', body, headers(contentType));
    case 9: {
      // Forged: a valid body with one signed field altered (or, unsigned, one field mutated).
      const json = route.fresh?.(rnd) ?? route.json;
      if (json === undefined || json === null || typeof json !== 'object') return req('forged-bytes', Buffer.from(mutateBytes(rnd, body ?? Buffer.from('{}'))), headers(contentType ?? 'application/json'));
      const fields = route.signedFields ?? Object.keys(json);
      if (fields.length === 0) return req('forged-noop', JSON.stringify(mutateJson(rnd, json)), headers('application/json'));
      const forged = forge(rnd, json as Record<string, unknown>, fields);
      return req(forged.changed ? 'forged' : 'forged-noop', JSON.stringify(forged.body), headers('application/json'));
    }
    case 10: {
      // Honest: a freshly signed valid request (signed routes) or the valid one.
      const json = route.fresh?.(rnd);
      return json === undefined ? req('honest', body, headers(contentType)) : req('honest', JSON.stringify(json), headers('application/json'));
    }
    default: // Random bytes under a random content type, on this path.
      return req('random', Buffer.from(rnd.bytes(rnd.int(600))), headers(rnd.pick(['application/json', 'application/octet-stream', 'text/plain', '']) || undefined));
  }
}

export interface InjectCaseOptions {
  /** 5xx statuses that are documented fail-closed answers (e.g. the provider's 503). */
  allowed5xx?: readonly number[];
}

/**
 * One case: a random route of `routes`, a hostile request through `app.inject()`. Invariants: no
 * 5xx other than the allowed ones, no forged signed request accepted, and every refusal carries
 * the documented `{error, …}` JSON body.
 * Returns the outcome label `strategy:status`.
 */
export async function injectCase(rnd: Rng, app: FastifyInstance, routes: readonly InjectRoute[], opts: InjectCaseOptions = {}): Promise<string> {
  const route = rnd.pick(routes);
  const { strategy, req } = hostileInjection(rnd, route);
  recordInput({ route: `${route.method} ${route.path}`, strategy, method: req.method, url: req.url.slice(0, 512), headers: Object.keys(req.headers).length > 20 ? `${Object.keys(req.headers).length} headers` : req.headers, payload: req.payload === undefined ? undefined : typeof req.payload === 'string' ? req.payload.slice(0, 2048) : req.payload.subarray(0, 2048).toString('latin1') });
  const res = await app.inject(req);
  const s = res.statusCode;
  invariant(s < 500 || (opts.allowed5xx ?? []).includes(s), `answered ${s} to a ${strategy} request: ${res.body.slice(0, 200)}`);
  // A signed request with a field that now means something else is never accepted.
  invariant(strategy !== 'forged' || s < 200 || s >= 300, `accepted a forged request with ${s}: ${res.body.slice(0, 200)}`);
  if (s >= 400 && req.method !== 'HEAD') {
    let error: unknown;
    try {
      error = (JSON.parse(res.body) as { error?: unknown }).error;
    } catch {
      error = undefined;
    }
    invariant(typeof error === 'string' && error.length > 0, `answered ${s} without an {error} body to a ${strategy} request: ${res.body.slice(0, 200)}`);
  }
  return `${strategy}:${s}`;
}

/** Requests in flight at once per in-process target (each case is still one request). */
const INJECT_CONCURRENCY = 8;

export interface InjectTargetOptions<C> {
  /** Target name prefix: targets are `${prefix}_${group.name}`. */
  prefix: string;
  groups: (ctx: C) => readonly InjectGroup[];
  /** The same group names, known before setup (targets are declared before any daemon starts). */
  groupNames: readonly string[];
  setup(): Promise<C>;
  app(ctx: C): FastifyInstance;
  /** After the campaign: an honest request is still answered and stored data is intact. */
  after(ctx: C): Promise<void>;
  teardown(ctx: C): Promise<void>;
  allowed5xx?: readonly number[];
}

/** One in-process target per route group: 1,000,000 cases each by default, in a 300 s time box. */
export function injectTargets<C>(o: InjectTargetOptions<C>): FuzzTarget<C & { routesOf: Map<string, readonly InjectRoute[]> }>[] {
  type Ctx = C & { routesOf: Map<string, readonly InjectRoute[]> };
  return o.groupNames.map((group) => ({
    name: `${o.prefix}_${group}`,
    defaultCases: 1_000_000,
    defaultSeconds: 300,
    watchdogMs: 5000,
    // Requests mostly wait (LMDB commits, thread-pool signature checks): several in flight.
    concurrency: INJECT_CONCURRENCY,
    async setup() {
      const ctx = (await o.setup()) as Ctx;
      ctx.routesOf = new Map(o.groups(ctx).map((g) => [g.name, g.routes]));
      invariant(ctx.routesOf.has(group), `no route group ${group}`);
      return ctx;
    },
    expected: () => null,
    run: (ctx: Ctx, rnd: Rng) => injectCase(rnd, o.app(ctx), ctx.routesOf.get(group)!, { allowed5xx: o.allowed5xx ?? [] }),
    after: (ctx: Ctx) => o.after(ctx),
    teardown: (ctx: Ctx) => o.teardown(ctx),
  }));
}

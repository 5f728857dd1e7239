// HTTP campaign helpers shared by the directory and provider fuzz scripts: raw HTTP/1.1 requests
// over real sockets (plain or TLS), built from a route table and mutated at every level (JSON
// values, body bytes, framing, headers, sizes), plus slow clients that trickle their bytes.
// Well-framed requests reuse one keep-alive connection (KeepAliveConnection); broken framing,
// chunking, header abuse and oversized bodies get a fresh connection each.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { concat, invariant, mutateBytes, mutateJson, mutateString, recordInput, type Rng } from './campaign.js';

export interface HttpEndpoint {
  host: string;
  port: number;
  /** TLS without certificate checks (the fuzzer is not testing PKI). */
  tls?: boolean;
}

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** A valid JSON body (POST/PUT), or raw bytes with their content type. */
  json?: unknown;
  raw?: { contentType: string; bytes: Uint8Array };
  /** Extra headers a valid request carries (e.g. a signature). */
  headers?: Record<string, string>;
  /** Body limit of the route, to aim oversized bodies just past it. */
  bodyLimit?: number;
}

export interface HttpResult {
  status: number | null;
  bytes: number;
  head: string;
}

export function encodeRequest(method: string, path: string, headers: Record<string, string>, body?: Uint8Array): Uint8Array {
  const lines = [`${method} ${path} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''];
  const head = Buffer.from(lines.join('\r\n'), 'latin1');
  return body ? concat(head, body) : head;
}

export interface RawExchangeOptions {
  /**
   * Send the first `after` bytes at once, then `chunk` bytes every `everyMs`; `endless`: then
   * keep sending filler ('a') until the server closes.
   */
  trickle?: { chunk: number; everyMs: number; endless?: boolean; after?: number };
  keepOpen?: boolean;
  maxReplyBytes?: number;
  /** Give up (destroy, status null, head 'client-timeout') after this long. */
  clientTimeoutMs?: number;
}

/**
 * Sends `bytes` on a fresh connection (optionally in pieces `trickle.chunk` bytes every
 * `trickle.everyMs`), half-closes unless `keepOpen`, and collects the reply until the server
 * closes. Resolves with the status line's code (null when the server closed without a reply).
 */
export function rawExchange(
  ep: HttpEndpoint,
  bytes: Uint8Array,
  opts: RawExchangeOptions = {},
): Promise<HttpResult> {
  return new Promise((resolve) => {
    const socket: Socket = ep.tls
      ? tlsConnect({ host: ep.host, port: ep.port, rejectUnauthorized: false, servername: 'localhost' })
      : netConnect({ host: ep.host, port: ep.port });
    const chunks: Buffer[] = [];
    let total = 0;
    let timer: NodeJS.Timeout | undefined;
    let gaveUp = false;
    const giveUp = opts.clientTimeoutMs
      ? setTimeout(() => {
          gaveUp = true;
          socket.destroy();
        }, opts.clientTimeoutMs)
      : undefined;
    const done = (): void => {
      clearTimeout(timer);
      clearTimeout(giveUp);
      const all = Buffer.concat(chunks);
      const head = gaveUp && all.length === 0 ? 'client-timeout' : all.subarray(0, 200).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({ status: m ? Number(m[1]) : null, bytes: total, head });
    };
    socket.on('data', (c: Buffer) => {
      total += c.length;
      if (total <= (opts.maxReplyBytes ?? 1 << 20)) chunks.push(c);
    });
    socket.on('error', () => {});
    socket.on('close', done);
    socket.once(ep.tls ? 'secureConnect' : 'connect', () => {
      if (!opts.trickle) {
        socket.write(bytes);
        if (!opts.keepOpen) socket.end();
        return;
      }
      const { chunk, everyMs } = opts.trickle;
      let o = opts.trickle.after ?? 0;
      if (o > 0) socket.write(bytes.subarray(0, o));
      const step = (): void => {
        if (socket.destroyed) return;
        socket.write(o < bytes.length ? bytes.subarray(o, o + chunk) : Buffer.alloc(chunk, 0x61));
        o += chunk;
        if (o < bytes.length || opts.trickle?.endless) timer = setTimeout(step, everyMs);
        else if (!opts.keepOpen) socket.end();
      };
      step();
    });
  });
}

const CRLF = '\r\n';

function baseHeaders(ep: HttpEndpoint, contentType: string | undefined, length: number | undefined, connection: 'close' | 'keep-alive' = 'close'): Record<string, string> {
  const h: Record<string, string> = { host: `${ep.host}:${ep.port}`, connection };
  if (contentType) h['content-type'] = contentType;
  if (length !== undefined) h['content-length'] = String(length);
  return h;
}

function bodyOf(route: HttpRoute): { contentType?: string; body?: Uint8Array } {
  if (route.raw) return { contentType: route.raw.contentType, body: route.raw.bytes };
  if (route.json !== undefined) return { contentType: 'application/json', body: Buffer.from(JSON.stringify(route.json)) };
  return {};
}

/**
 * One hostile request for `route`: which strategy, the bytes on the wire, and whether it is one
 * well-framed request after which the connection may be reused (`keepAlive`: such requests then
 * say `connection: keep-alive`; the others always `close`).
 */
export function hostileRequest(rnd: Rng, ep: HttpEndpoint, route: HttpRoute, keepAlive = false): { strategy: string; bytes: Uint8Array; reusable: boolean; method: string } {
  const { contentType, body } = bodyOf(route);
  const extra = route.headers ?? {};
  const conn = keepAlive ? 'keep-alive' : 'close';
  const req = (path: string, headers: Record<string, string>, b?: Uint8Array): Uint8Array =>
    encodeRequest(route.method, path, { ...headers, ...extra }, b);
  const valid = (): Uint8Array => req(route.path, baseHeaders(ep, contentType, body?.length, conn), body);
  const r = hostileRequestOnce(rnd, ep, route, { contentType, body, extra, conn, req, valid });
  return { method: route.method, ...r, reusable: keepAlive && (r.reusable ?? false) };
}

function hostileRequestOnce(
  rnd: Rng,
  ep: HttpEndpoint,
  route: HttpRoute,
  x: { contentType?: string; body?: Uint8Array; extra: Record<string, string>; conn: 'close' | 'keep-alive'; req: (path: string, headers: Record<string, string>, b?: Uint8Array) => Uint8Array; valid: () => Uint8Array },
): { strategy: string; bytes: Uint8Array; reusable?: boolean; method?: string } {
  const { contentType, body, extra, conn, req, valid } = x;
  switch (rnd.int(12)) {
    case 0: {
      // Wrong types / missing / extra fields, structurally valid JSON.
      const j = Buffer.from(JSON.stringify(mutateJson(rnd, route.json ?? {})) ?? 'null');
      return { strategy: 'json-types', bytes: req(route.path, baseHeaders(ep, 'application/json', j.length, conn), j), reusable: true };
    }
    case 1: {
      // Malformed JSON / mutated body bytes, correct framing.
      const b = mutateBytes(rnd, body ?? Buffer.from('{}'));
      return { strategy: 'body-bytes', bytes: req(route.path, baseHeaders(ep, contentType ?? 'application/json', b.length, conn), b), reusable: true };
    }
    case 2: {
      // A real body just past (or far past) the route's limit.
      const limit = route.bodyLimit ?? 16 * 1024;
      const n = Math.min(limit + 1 + rnd.int(limit), 2 << 20);
      const b = new Uint8Array(n).fill(0x61);
      return { strategy: 'huge-body', bytes: req(route.path, baseHeaders(ep, contentType ?? 'application/json', n), b) };
    }
    case 3: {
      // Declared huge, little sent: the server must refuse on the header or time out.
      const b = body ?? new Uint8Array(10);
      return { strategy: 'huge-declared', bytes: req(route.path, baseHeaders(ep, contentType ?? 'application/json', rnd.pick([1 << 30, 2 ** 53, 9e15, 64 << 20])), b) };
    }
    case 4: {
      // Content type games.
      const ct = rnd.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x', '', 'application/octet-stream', 'application/json, application/json']);
      return { strategy: 'content-type', bytes: req(route.path, baseHeaders(ep, ct || undefined, body?.length ?? 0, conn), body ?? new Uint8Array(0)), reusable: true };
    }
    case 5: {
      // Path and query mutations (params of the wrong type, traversal, encodings).
      const path = rnd.chance(0.5)
        ? mutateString(rnd, route.path).replace(/[\s\r\n]/g, '%20')
        : `${route.path}${rnd.pick(['/..', '/%2e%2e', '?a=1&a=2', '/x'.repeat(200), '%00', '/-1', '/1e309', '/999999999999999999999', '?__proto__[x]=1'])}`;
      return { strategy: 'path', bytes: req(path.startsWith('/') ? path : `/${path}`, baseHeaders(ep, contentType, body?.length, conn), body), reusable: true };
    }
    case 6: {
      // Wrong method.
      const m = rnd.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'FOO']);
      return { strategy: 'method', bytes: encodeRequest(m, route.path, { ...baseHeaders(ep, contentType, body?.length, conn), ...extra }, body), reusable: true, method: m };
    }
    case 7: {
      // Chunked transfer with broken or hostile chunks.
      const b = body ?? Buffer.from('{}');
      const size = rnd.pick([b.length.toString(16), 'ffffffffffffffff', 'zz', '-1', `${b.length.toString(16)};ext=${'x'.repeat(100)}`]);
      const chunked = Buffer.from(`${size}${CRLF}${Buffer.from(b).toString('latin1')}${CRLF}${rnd.chance(0.5) ? `0${CRLF}${CRLF}` : ''}`, 'latin1');
      const h: Record<string, string> = { ...baseHeaders(ep, contentType ?? 'application/json', undefined), 'transfer-encoding': 'chunked', ...extra };
      if (rnd.chance(0.3)) h['content-length'] = String(b.length); // request smuggling shape
      return { strategy: 'chunked', bytes: encodeRequest(route.method, route.path, h, chunked) };
    }
    case 8: {
      // Header abuse: many headers, one huge header, duplicate content-length.
      const h: Record<string, string> = { ...baseHeaders(ep, contentType, body?.length), ...extra };
      const r = rnd.int(3);
      if (r === 0) for (let i = 0; i < 200 + rnd.int(2000); i++) h[`x-h${i}`] = 'v';
      else if (r === 1) h['x-big'] = 'a'.repeat(8192 + rnd.int(100_000));
      else return { strategy: 'headers', bytes: Buffer.from(`${route.method} ${route.path} HTTP/1.1${CRLF}host: x${CRLF}content-length: 1${CRLF}content-length: 5${CRLF}${CRLF}hello`, 'latin1') };
      return { strategy: 'headers', bytes: req(route.path, h, body) };
    }
    case 9:
      // Framing: mutated request bytes (request line, headers, body alike).
      return { strategy: 'framing', bytes: mutateBytes(rnd, valid()) };
    case 10:
      // Random bytes.
      return { strategy: 'random', bytes: rnd.bytes(rnd.int(600)) };
    default:
      return { strategy: 'valid', bytes: valid(), reusable: true };
  }
}

/**
 * One reusable connection (plain or TLS) for well-framed requests: each exchange writes one
 * request and reads one response, delimited by its content-length (none for HEAD, 204 and 304).
 * Whenever a reply cannot be delimited, the server closes, or the client gives up, the connection
 * is dropped and the next exchange opens a new one.
 */
export class KeepAliveConnection {
  #socket: Socket | undefined;
  #ready: Promise<void> | undefined;
  #buf: Buffer = Buffer.alloc(0);
  #onChange: (() => void) | undefined;
  #closed = true;
  /** Connections opened and requests sent so far (a measure of reuse). */
  opened = 0;
  requests = 0;

  constructor(readonly ep: HttpEndpoint, readonly clientTimeoutMs = 2000) {}

  #open(): Promise<void> {
    this.opened++;
    const socket: Socket = this.ep.tls
      ? tlsConnect({ host: this.ep.host, port: this.ep.port, rejectUnauthorized: false, servername: 'localhost' })
      : netConnect({ host: this.ep.host, port: this.ep.port });
    this.#socket = socket;
    this.#buf = Buffer.alloc(0);
    this.#closed = false;
    socket.on('data', (c: Buffer) => {
      if (socket !== this.#socket) return;
      this.#buf = this.#buf.length === 0 ? c : Buffer.concat([this.#buf, c]);
      this.#onChange?.();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (socket !== this.#socket) return;
      this.#closed = true;
      this.#onChange?.();
    });
    return new Promise<void>((resolve) => {
      socket.once(this.ep.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('close', () => resolve());
    });
  }

  drop(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
    this.#ready = undefined;
    this.#closed = true;
  }

  /** Sends one request; resolves with its reply (status null if closed or timed out unanswered). */
  async exchange(bytes: Uint8Array, method: string): Promise<HttpResult> {
    const reused = !this.#closed && this.#socket !== undefined;
    const r = await this.#exchangeOnce(bytes, method);
    // The server may close an idle kept-alive connection just as we write: once more on a new one.
    return reused && r.status === null && r.bytes === 0 && r.head === 'closed' ? this.#exchangeOnce(bytes, method) : r;
  }

  async #exchangeOnce(bytes: Uint8Array, method: string): Promise<HttpResult> {
    this.requests++;
    if (this.#closed || !this.#socket) this.#ready = this.#open();
    await this.#ready;
    const socket = this.#socket;
    if (!socket || this.#closed) return this.#finish(null, 'closed', 0, true);
    socket.write(bytes);
    return new Promise<HttpResult>((resolve) => {
      const timer = setTimeout(() => {
        this.#onChange = undefined;
        resolve(this.#finish(null, 'client-timeout', this.#buf.length, true));
      }, this.clientTimeoutMs);
      const check = (): void => {
        const r = this.#parse(method);
        if (r === undefined && !this.#closed) return;
        clearTimeout(timer);
        this.#onChange = undefined;
        if (r === undefined) resolve(this.#finish(statusOf(this.#buf), this.#buf.length === 0 ? 'closed' : this.#buf.subarray(0, 200).toString('latin1'), this.#buf.length, true));
        else resolve(r);
      };
      this.#onChange = check;
      check();
    });
  }

  #finish(status: number | null, head: string, bytes: number, drop: boolean): HttpResult {
    if (drop) this.drop();
    return { status, bytes, head };
  }

  /** One complete response at the start of the buffer, or undefined while incomplete. */
  #parse(method: string): HttpResult | undefined {
    const end = this.#buf.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const head = this.#buf.subarray(0, end).toString('latin1');
    const status = statusOf(this.#buf);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    const noBody = method === 'HEAD' || status === 204 || status === 304;
    if (!noBody && !length) return undefined; // delimited by close (or chunked): wait for the close
    const total = end + 4 + (noBody ? 0 : Number(length![1]));
    if (this.#buf.length < total) return undefined;
    const close = /\r\nconnection: *close/i.test(head) || this.#buf.length > total || status === null;
    const r = this.#finish(status, head.slice(0, 200), total, close);
    this.#buf = Buffer.alloc(0);
    return r;
  }
}

/** For the campaign log: how many requests went over how many connections. */
export function describeReuse(k: KeepAliveConnection): string {
  return `keep-alive: ${k.requests} well-framed requests over ${k.opened} connections`;
}

function statusOf(buf: Buffer): number | null {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf.subarray(0, 16).toString('latin1'));
  return m ? Number(m[1]) : null;
}

/** The server answered with a 5xx (or a reply that is not HTTP at all): the finding to report. */
export function checkReply(r: HttpResult, strategy: string, allowed5xx: readonly number[] = []): string {
  const ok = r.status === null || r.status < 500 || allowed5xx.includes(r.status);
  invariant(ok, `server answered ${r.status} to a ${strategy} request: ${r.head.split('\r\n')[0]}`);
  return `${strategy}:${r.status ?? (r.head === 'client-timeout' ? 'client-timeout' : 'closed')}`;
}

/** One hostile-request case: a random route, a mutated request, a reply that must not be a 5xx. */
export async function hostileRequestCase(
  rnd: Rng,
  ep: HttpEndpoint,
  routes: readonly HttpRoute[],
  opts: { exchange?: RawExchangeOptions; allowed5xx?: readonly number[]; keepAlive?: KeepAliveConnection } = {},
): Promise<string> {
  const route = rnd.pick(routes);
  const { strategy, bytes, reusable, method } = hostileRequest(rnd, ep, route, opts.keepAlive !== undefined);
  recordInput({ route: `${route.method} ${route.path}`, strategy, reusable, request: Buffer.from(bytes.subarray(0, 2048)).toString('latin1') });
  if (reusable && opts.keepAlive) return checkReply(await opts.keepAlive.exchange(bytes, method), strategy, opts.allowed5xx);
  return checkReply(await rawExchange(ep, bytes, opts.exchange), strategy, opts.allowed5xx);
}

/**
 * One slow-client case: `clients` connections trickle a JSON POST to `route` (stopping inside the
 * headers or inside the body, at random) a few bytes at a time, for ever; `honest()` must be
 * answered meanwhile, and the server must drop every slow client by itself. The outcome label says
 * how fast (Node checks request timeouts only every connectionsCheckingInterval, 30 s by default).
 */
export async function slowClientsCase(
  rnd: Rng,
  ep: HttpEndpoint,
  route: HttpRoute,
  opts: { host: string; clients: number; honest: () => Promise<void>; allowed5xx?: readonly number[] },
): Promise<string> {
  const body = Buffer.from(JSON.stringify(route.json));
  const declared = Math.max(body.length + 1, (route.bodyLimit ?? 4096) - 1);
  const full = encodeRequest('POST', route.path, { host: opts.host, 'content-type': 'application/json', 'content-length': String(declared), 'x-pad': '' }, body);
  const headEnd = Buffer.from(full).indexOf('\r\n\r\n');
  const inHeaders = rnd.chance(0.5);
  recordInput({ route: route.path, inHeaders, declared });
  const t0 = performance.now();
  // Stop inside the last header value (filler extends it), or trickle the body.
  const slow = Array.from({ length: opts.clients }, () =>
    rawExchange(ep, inHeaders ? full.subarray(0, headEnd) : full, {
      trickle: { chunk: 1 + rnd.int(3), everyMs: 50 + rnd.int(200), endless: true, after: inHeaders ? 0 : headEnd + 4 },
      keepOpen: true,
    }),
  );
  await opts.honest(); // while the slow clients hold connections
  const results = await Promise.all(slow); // each resolves when the server closes it
  for (const r of results) checkReply(r, 'slowloris', opts.allowed5xx);
  const s = (performance.now() - t0) / 1000;
  process.stderr.write(`slowloris case: ${inHeaders ? 'headers' : 'body'} dropped after ${s.toFixed(1)} s\n`);
  return `${inHeaders ? 'headers' : 'body'}:${results[0].status ?? 'closed'}:dropped-within-${s <= 2 ? '2' : s <= 10 ? '10' : s <= 35 ? '35' : 'more'}s`;
}

/**
 * Slowloris body (regression tests of directory_slowloris / provider_slowloris): writes `head`
 * (complete headers and the start of a body far shorter than its content-length), then one byte
 * every 20 ms — far below any idle timeout — until the server closes the connection.
 */
export async function trickleBodyUntilClosed(socket: import('node:net').Socket, head: string): Promise<void> {
  socket.write(head);
  const trickle = setInterval(() => socket.write('A'), 20);
  try {
    await new Promise((r) => socket.once('close', r));
  } finally {
    clearInterval(trickle);
    socket.destroy();
  }
}

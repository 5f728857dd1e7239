// The provider's HTTPS client API from the client's side (docs/spec/provider.md §3). Trust does not
// come from the TLS certificate (providers use self-signed ones): the well-known document is signed by
// the provider's identity key, whose hash (node id) the client's address names; the certificate seen
// then is pinned (SHA-256 of its DER) and every later connection must present the same one.
// Node-only (node:https); the rest of the package stays portable.
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { blake2b } from '@noble/hashes/blake2.js';
import { wellKnownSigningBytes } from '@strata/core/provider-protocol';
import { assertBytes, assertInt, assertString } from './assert.js';
import { ctEqual, hexToBytes } from './bytes.js';
import { portableBackend, type CryptoBackend } from './crypto-backend.js';
import { ProviderApiError } from './errors.js';

export const WELL_KNOWN_PATH = '/.well-known/strata';
export const WELL_KNOWN_SIGNATURE_HEADER = 'x-strata-signature';
export const MAX_PROVIDER_RESPONSE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_PROVIDER_TIMEOUT_MS = 10_000;

/** The parts of /.well-known/strata the client uses (provider.md §3.1). */
export interface WellKnown {
  readonly provider: { readonly name: string; readonly identityKey: Uint8Array; readonly linkKey: Uint8Array; readonly apiUrl: string };
  readonly authorities: readonly { readonly url: string; readonly identityKey: Uint8Array }[];
  readonly network: Readonly<Record<string, unknown>>;
  readonly dropbox: { readonly messageBytes: number; readonly pollEntries: number; readonly pollResponseBytes: number; readonly ttlMs: number };
}

/** BLAKE2b-256 of an identity key: the node id of the consensus and of addresses. */
export function nodeIdOfIdentityKey(identityKey: Uint8Array): Uint8Array {
  assertBytes(identityKey, 'identityKey', 32);
  return blake2b(identityKey, { dkLen: 32 });
}

interface RawResponse {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Uint8Array;
  readonly certSha256: string | undefined;
}

export interface ProviderHttpOptions {
  /** Hex SHA-256 of the certificate DER seen at bootstrap; later connections must match. */
  readonly pinnedCertSha256?: string;
  readonly timeoutMs?: number;
}

export class ProviderHttp {
  readonly baseUrl: URL;
  #pin: string | undefined;
  readonly #timeoutMs: number;
  // Keep-alive (one TLS handshake for many polls) but no session resumption: a resumed session shows
  // no peer certificate, and every connection's certificate is checked against the pin.
  readonly #agent = new HttpsAgent({ keepAlive: true, maxCachedSessions: 0, maxSockets: 4 });

  constructor(baseUrl: string, options: ProviderHttpOptions = {}) {
    assertString(baseUrl, 'provider.url', 2048, 1);
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new ProviderApiError('unreachable', 'provider url: not a URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ProviderApiError('unreachable', 'provider url: must be http: or https:');
    this.baseUrl = url;
    this.#pin = options.pinnedCertSha256;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS;
    assertInt(this.#timeoutMs, 'timeoutMs', 1, 600_000);
  }

  /** The certificate fingerprint pinned so far (undefined over http: or before the first call). */
  get pinnedCertSha256(): string | undefined {
    return this.#pin;
  }

  #request(method: 'GET' | 'POST', path: string, body: Uint8Array | undefined, contentType?: string): Promise<RawResponse> {
    const url = new URL(path, this.baseUrl);
    const tls = url.protocol === 'https:';
    const headers: Record<string, string | number> = {};
    if (body) {
      headers['content-type'] = contentType ?? 'application/json';
      headers['content-length'] = body.length;
    }
    return new Promise((resolve, reject) => {
      const opts = { method, host: url.hostname, port: url.port, path: url.pathname, headers, timeout: this.#timeoutMs, ...(tls ? { rejectUnauthorized: false, agent: this.#agent } : {}) };
      const req = (tls ? httpsRequest : httpRequest)(opts, (res) => {
        let certSha256: string | undefined;
        if (tls) {
          const cert = (res.socket as TLSSocket).getPeerCertificate?.();
          certSha256 = cert?.fingerprint256?.replace(/:/g, '').toLowerCase();
          if (this.#pin !== undefined && certSha256 !== this.#pin) {
            res.destroy();
            reject(new ProviderApiError('cert-changed', 'the provider presented a TLS certificate other than the pinned one'));
            return;
          }
        }
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (c: Buffer) => {
          total += c.length;
          if (total > MAX_PROVIDER_RESPONSE_BYTES) {
            res.destroy();
            reject(new ProviderApiError('too-large', 'provider response too large'));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: new Uint8Array(Buffer.concat(chunks)), certSha256 }));
        res.on('error', (err) => reject(new ProviderApiError('unreachable', `provider response failed: ${err.message}`)));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => reject(err instanceof ProviderApiError ? err : new ProviderApiError('unreachable', `provider unreachable: ${err.message}`)));
      req.end(body);
    });
  }

  static #fail(r: RawResponse, route: string): never {
    let reason: string | undefined;
    try {
      const j = JSON.parse(Buffer.from(r.body).toString('utf8')) as { reason?: unknown };
      if (typeof j.reason === 'string' && j.reason.length < 64) reason = j.reason;
    } catch {
      // not JSON: keep the status only
    }
    throw new ProviderApiError('http', `${route}: provider answered ${r.status}${reason ? ` (${reason})` : ''}`, r.status, reason);
  }

  /**
   * GET /.well-known/strata and verify its signature. `expectedNodeId` (from an address) must be the
   * BLAKE2b-256 of the document's identity key; without it the key is trusted on first use. On
   * success the TLS certificate is pinned.
   */
  async wellKnown(expectedNodeId?: Uint8Array, backend: CryptoBackend = portableBackend): Promise<WellKnown> {
    const r = await this.#request('GET', WELL_KNOWN_PATH, undefined);
    if (r.status !== 200) ProviderHttp.#fail(r, WELL_KNOWN_PATH);
    const doc = parseWellKnown(r.body);
    if (expectedNodeId !== undefined && !ctEqual(nodeIdOfIdentityKey(doc.provider.identityKey), expectedNodeId)) {
      throw new ProviderApiError('wrong-provider', 'the provider at this URL is not the one the address names');
    }
    const sigText = r.headers[WELL_KNOWN_SIGNATURE_HEADER];
    const sig = typeof sigText === 'string' && /^[A-Za-z0-9_-]{86}$/.test(sigText) ? new Uint8Array(Buffer.from(sigText, 'base64url')) : undefined;
    // provider.md §3.1: Ed25519_identity("strata-provider-v1:well-known" ‖ 0x00 ‖ body)
    if (!sig || !backend.ed25519Verify(sig, wellKnownSigningBytes(r.body), doc.provider.identityKey)) {
      throw new ProviderApiError('bad-signature', 'the well-known document is not signed by the provider identity key');
    }
    if (this.#pin === undefined) this.#pin = r.certSha256;
    return doc;
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  /** POST a signed JSON body; resolves with the parsed JSON answer (throws on non-2xx). */
  async postJson(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const r = await this.#request('POST', path, new TextEncoder().encode(JSON.stringify(body)));
    if (r.status < 200 || r.status > 299) ProviderHttp.#fail(r, path);
    try {
      const j = JSON.parse(Buffer.from(r.body).toString('utf8')) as unknown;
      if (typeof j !== 'object' || j === null) throw new Error('not an object');
      return j as Record<string, unknown>;
    } catch {
      throw new ProviderApiError('bad-response', `${path}: answer is not a JSON object`);
    }
  }

  /** POST a signed JSON body; resolves with the binary answer (the poll route). */
  async postForBytes(path: string, body: Record<string, unknown>): Promise<Uint8Array> {
    const r = await this.#request('POST', path, new TextEncoder().encode(JSON.stringify(body)));
    if (r.status !== 200) ProviderHttp.#fail(r, path);
    return r.body;
  }
}

function hexKey(v: unknown, what: string): Uint8Array {
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/i.test(v)) throw new ProviderApiError('bad-response', `well-known ${what}: must be 64 hex digits`);
  return hexToBytes(v.toLowerCase());
}

function posInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ProviderApiError('bad-response', `well-known ${what}: must be a non-negative integer`);
  return v;
}

/** Parses (not verifies) a well-known body; throws ProviderApiError('bad-response'). */
export function parseWellKnown(body: Uint8Array): WellKnown {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(Buffer.from(body).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new ProviderApiError('bad-response', 'well-known: not JSON');
  }
  const obj = (v: unknown, what: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProviderApiError('bad-response', `well-known ${what}: must be an object`);
    return v as Record<string, unknown>;
  };
  obj(j, 'document');
  if (j.version !== 1) throw new ProviderApiError('bad-response', 'well-known version: must be 1');
  const p = obj(j.provider, 'provider');
  const d = obj(j.dropbox, 'dropbox');
  if (!Array.isArray(j.authorities) || j.authorities.length > 64) throw new ProviderApiError('bad-response', 'well-known authorities: must be an array of at most 64');
  const str = (v: unknown, what: string): string => {
    if (typeof v !== 'string' || v.length > 2048) throw new ProviderApiError('bad-response', `well-known ${what}: must be a string`);
    return v;
  };
  return Object.freeze({
    provider: Object.freeze({ name: str(p.name, 'provider.name'), identityKey: hexKey(p.identityKey, 'provider.identityKey'), linkKey: hexKey(p.linkKey, 'provider.linkKey'), apiUrl: str(p.apiUrl, 'provider.apiUrl') }),
    authorities: Object.freeze(
      j.authorities.map((a, i) => {
        const o = obj(a, `authorities[${i}]`);
        return Object.freeze({ url: str(o.url, `authorities[${i}].url`), identityKey: hexKey(o.identityKey, `authorities[${i}].identityKey`) });
      }),
    ),
    network: Object.freeze({ ...obj(j.network ?? {}, 'network') }),
    dropbox: Object.freeze({
      messageBytes: posInt(d.messageBytes, 'dropbox.messageBytes'),
      pollEntries: posInt(d.pollEntries, 'dropbox.pollEntries'),
      pollResponseBytes: posInt(d.pollResponseBytes, 'dropbox.pollResponseBytes'),
      ttlMs: posInt(d.ttlMs, 'dropbox.ttlMs'),
    }),
  });
}

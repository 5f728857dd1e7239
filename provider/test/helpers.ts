import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temp directory; `remove()` deletes it. */
export function tempDir(prefix = 'strata-provider-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface HttpsResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  json(): any;
}

/** One HTTPS request over real TLS, trusting exactly `ca` (the provider's self-signed cert). */
export function httpsRequest(port: number, ca: Buffer, method: string, path: string, body?: unknown, rawBody?: string): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const data = rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
    const req = request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        method,
        path,
        ca,
        headers: data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const b = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, json: () => JSON.parse(b.toString('utf8')) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

/** Deterministic payload bytes for message `i` (fixed seed: the index). */
export function payloadFor(i: number, bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let j = 0; j < bytes; j++) b[j] = (i * 31 + j * 7) & 0xff;
  b.writeUInt32BE(i >>> 0, 0);
  return b;
}

/** Deterministic 32-byte alias id. */
export function aliasId(i: number): Buffer {
  const b = Buffer.alloc(32, 0xa5);
  b.writeUInt32BE(i, 0);
  return b;
}

// Uploading a node's signed descriptor to every directory authority
// (POST <authority>/v1/descriptors, JSON {"descriptor": base64}; docs/spec/directory.md §Upload).
import { assert, assertBytes } from './assert.js';
import { toBase64 } from './bytes.js';
import type { SignedDescriptor } from './descriptor.js';

export const DESCRIPTOR_UPLOAD_PATH = '/v1/descriptors';
export const DEFAULT_UPLOAD_TIMEOUT_MS = 5000;

export interface DescriptorUploadResult {
  readonly url: string;
  /** True when the authority stored it (202) or already held the identical descriptor (200). */
  readonly accepted: boolean;
  /** HTTP status, or 0 when the authority was unreachable. */
  readonly status: number;
  /** The authority's refusal reason (`epoch`, `not-allowed`, `conflict`, ...) or `unreachable`. */
  readonly reason?: string;
}

/** Uploads `signed` to every authority in parallel; never throws for one authority's failure. */
export async function uploadDescriptor(
  authorityUrls: readonly string[],
  signed: SignedDescriptor,
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<DescriptorUploadResult[]> {
  assert(Array.isArray(authorityUrls) && authorityUrls.length > 0, 'authorityUrls must be non-empty');
  assertBytes('signed.encoded', signed.encoded);
  const body = JSON.stringify({ descriptor: toBase64(signed.encoded) });
  const fetchFn = options.fetch ?? fetch;
  return Promise.all(
    authorityUrls.map(async (url): Promise<DescriptorUploadResult> => {
      try {
        const res = await fetchFn(`${url.replace(/\/+$/, '')}${DESCRIPTOR_UPLOAD_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS),
        });
        const text = await res.text();
        if (res.status === 200 || res.status === 202) return { url, accepted: true, status: res.status };
        let reason = `http-${res.status}`;
        try {
          const e = (JSON.parse(text) as { error?: unknown }).error;
          if (typeof e === 'string' && e.length <= 64) reason = e;
        } catch {
          /* not JSON */
        }
        return { url, accepted: false, status: res.status, reason };
      } catch {
        return { url, accepted: false, status: 0, reason: 'unreachable' };
      }
    }),
  );
}

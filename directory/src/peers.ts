// Pushing signed messages to peer authorities over HTTP. Each message is retried on its own
// (no head-of-line blocking) with capped exponential backoff until the peer takes it or the
// message's deadline passes; a 4xx naming a final reason stops the retries.
import type { Logger } from '@strata/core';

/** Peer answers after which retrying cannot help. */
const FINAL_REASONS = new Set(['equivocation', 'late', 'unknown-authority', 'signature', 'descriptor', 'encoding', 'commit', 'schema', 'malformed-json', 'too-large', 'mismatch']);
const MIN_BACKOFF_MS = 10;

export interface PushOutcome {
  inc(labels: { result: 'delivered' | 'refused' | 'expired' }): void;
}

export class PeerPusher {
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly url: string,
    private readonly options: { timeoutMs: number; maxBackoffMs: number; logger: Logger; outcome: PushOutcome; now: () => number },
  ) {}

  push(path: string, body: unknown, deadlineMs: number): void {
    if (this.stopped) return;
    void this.run(path, JSON.stringify(body), deadlineMs);
  }

  private async run(path: string, body: string, deadlineMs: number): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      if (this.options.now() >= deadlineMs) {
        this.options.outcome.inc({ result: 'expired' });
        return;
      }
      const verdict = await this.send(path, body);
      this.options.logger.debug({ peer: this.url, path, attempt, verdict }, 'push attempt');
      if (verdict !== 'retry') {
        this.options.outcome.inc({ result: verdict });
        return;
      }
      const wait = Math.min(this.options.maxBackoffMs, MIN_BACKOFF_MS * 2 ** Math.min(attempt, 12));
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.timers.delete(t);
          resolve();
        }, wait);
        this.timers.add(t);
      });
    }
  }

  private async send(path: string, body: string): Promise<'delivered' | 'refused' | 'retry'> {
    try {
      const res = await fetch(`${this.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const text = await res.text();
      if (res.ok) return 'delivered';
      let reason = '';
      try {
        reason = String((JSON.parse(text) as { error?: unknown }).error ?? '');
      } catch {
        /* not JSON */
      }
      this.options.logger.debug({ peer: this.url, path, status: res.status, reason }, 'push answered');
      if (res.status >= 400 && res.status < 500 && FINAL_REASONS.has(reason)) {
        this.options.logger.warn({ peer: this.url, path, status: res.status, reason }, 'peer refused a message');
        return 'refused';
      }
      return 'retry';
    } catch (err) {
      this.options.logger.debug({ peer: this.url, path, err: String(err) }, 'push failed');
      return 'retry';
    }
  }

  /** GET a signed message a peer holds (vote or reveal of some author); undefined if it has none. */
  async pull(path: string, timeoutMs: number): Promise<string | undefined> {
    try {
      const res = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
      if (res.status !== 200) {
        await res.body?.cancel();
        return undefined;
      }
      const json = (await res.json()) as { message?: unknown };
      return typeof json.message === 'string' ? json.message : undefined;
    } catch {
      return undefined;
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

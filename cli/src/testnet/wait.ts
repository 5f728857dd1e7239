// Waiting on conditions (never on fixed sleeps): poll `check` until it returns a truthy value.
import { TestnetError } from './errors.js';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Checked on every round; throwing from it aborts the wait (e.g. a daemon exited). */
  abort?: () => void;
}

/** Resolves with the first truthy value of `check`; TestnetError('timeout') after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, options: WaitOptions): Promise<NonNullable<T>> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let lastError: unknown;
  for (;;) {
    options.abort?.();
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
      lastError = undefined;
    } catch (err) {
      if (err instanceof TestnetError && err.reason !== 'timeout') throw err;
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new TestnetError('timeout', `timed out after ${options.timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

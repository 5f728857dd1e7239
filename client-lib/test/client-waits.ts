// Condition waits for the client's network tests (never a fixed sleep for the result itself).
import type { Client } from '../src/client.js';
import type { MessageStatus } from '../src/outbox.js';

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, intervalMs = 25): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Resolves with the message's status once it is 'stored' or 'failed'. */
export function finalState(c: Client, id: string): Promise<MessageStatus> {
  return new Promise((resolve) => {
    const check = (s: MessageStatus | undefined): void => {
      if (s && s.id === id && (s.state === 'stored' || s.state === 'failed')) {
        c.off('status', check);
        resolve(s);
      }
    };
    c.on('status', check);
    check(c.status(id));
  });
}

import type { Database, RootDatabase } from 'lmdb';
import { assertBytes, assertInteger } from './assert.js';
import { QuotaExceededError } from './errors.js';
import type { GroupCommit } from './group-commit.js';

export const LINK_KEY_BYTES = 32;
const ACCOUNT_BYTES = 32;

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

/**
 * Client link keys allowed to open a link to this provider (issue 5 item 1: "client keys registered
 * with the provider"). A device registration may carry the X25519 static key the device presents on
 * the link (docs/spec/provider.md §2, §9); the link listener admits exactly the registered keys.
 * LMDB sub-database `linkKeys`: linkKey → account. At most `maxPerAccount` keys per account.
 */
export class LinkKeyRegistry {
  readonly #db: Database<Buffer, Buffer>;
  readonly #keys = new Set<string>();
  readonly #perAccount = new Map<string, number>();

  constructor(env: RootDatabase, private readonly commit: GroupCommit, private readonly maxPerAccount: number) {
    assertInteger('maxPerAccount', maxPerAccount, 1, 1_000_000);
    this.#db = env.openDB<Buffer, Buffer>('linkKeys', { keyEncoding: 'binary', encoding: 'binary' });
    for (const { key, value } of this.#db.getRange({})) {
      this.#keys.add(hex(key));
      const a = hex(value);
      this.#perAccount.set(a, (this.#perAccount.get(a) ?? 0) + 1);
    }
  }

  /** Admit `linkKey` for `account` (durable when resolved). Idempotent for the same account. */
  async register(linkKey: Uint8Array, account: Uint8Array): Promise<{ created: boolean }> {
    assertBytes('linkKey', linkKey, LINK_KEY_BYTES);
    assertBytes('account', account, ACCOUNT_BYTES);
    const k = hex(linkKey);
    const a = hex(account);
    return this.commit.submit(() => {
      if (this.#keys.has(k)) return { created: false };
      const n = this.#perAccount.get(a) ?? 0;
      if (n >= this.maxPerAccount) throw new QuotaExceededError('account_link_keys', this.maxPerAccount);
      this.#db.putSync(Buffer.from(linkKey), Buffer.from(account));
      this.#keys.add(k);
      this.#perAccount.set(a, n + 1);
      return { created: true };
    });
  }

  /** True when a client presenting `linkKey` may open a link. */
  has(linkKey: Uint8Array): boolean {
    return linkKey instanceof Uint8Array && linkKey.length === LINK_KEY_BYTES && this.#keys.has(hex(linkKey));
  }

  get size(): number {
    return this.#keys.size;
  }
}

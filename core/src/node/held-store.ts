// Packets still held in the delay queue at a graceful shutdown, kept in LMDB until the next start.
// Saved with their wall-clock due time (the monotonic clock does not survive a restart); on
// `takeAll` they are read and deleted in one transaction, so each is restored exactly once.
// A packet whose due time passed while the node was down leaves at once on restart (late, not lost).
import { open, type RootDatabase } from 'lmdb';
import { assert, assertBytes } from '../assert.js';
import type { PendingItem } from './delay-queue.js';
import type { ForwardItem } from './engine.js';

const NODE_ID_BYTES = 32;

interface StoredHeld {
  dueWallMs: number;
  nextHop: Uint8Array;
  packet: Uint8Array;
}

export class HeldStore {
  private constructor(private readonly db: RootDatabase<StoredHeld, number>) {}

  static open(path: string): HeldStore {
    assert(typeof path === 'string' && path.length > 0, 'path: must be a non-empty string');
    return new HeldStore(open<StoredHeld, number>({ path, keyEncoding: 'uint32' }));
  }

  /** Persist `items` (as returned by MixEngine.stop), due at now + remainingMs of the wall clock. */
  async save(items: readonly PendingItem<ForwardItem>[], nowWallMs = Date.now()): Promise<void> {
    let key = this.db.getKeysCount();
    await this.db.transaction(() => {
      for (const { remainingMs, item } of items) {
        assertBytes('item.nextHop', item.nextHop, NODE_ID_BYTES);
        assertBytes('item.packet', item.packet);
        void this.db.put(key++, { dueWallMs: nowWallMs + remainingMs, nextHop: item.nextHop, packet: item.packet });
      }
    });
  }

  /** Read and delete every saved packet, with its remaining delay from now (≥ 0), in due order. */
  takeAll(nowWallMs = Date.now()): PendingItem<ForwardItem>[] {
    const out: PendingItem<ForwardItem>[] = [];
    this.db.transactionSync(() => {
      for (const { key, value } of this.db.getRange()) {
        out.push({
          remainingMs: Math.max(value.dueWallMs - nowWallMs, 0),
          item: { nextHop: new Uint8Array(value.nextHop), packet: new Uint8Array(value.packet) },
        });
        this.db.removeSync(key);
      }
    });
    return out.sort((a, b) => a.remainingMs - b.remainingMs);
  }

  get size(): number {
    return this.db.getKeysCount();
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

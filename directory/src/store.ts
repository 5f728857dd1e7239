// Authority state in LMDB: everything needed to resume after a restart (uploaded descriptors,
// votes, reveals, the authority's own reveal secret, closed sets, document, signatures,
// published documents). Keys are strings `<kind>/<epoch, 16 digits>/<id>`; values are bytes.
import { mkdirSync } from 'node:fs';
import { open, type RootDatabase } from 'lmdb';

export type RecordKind = 'desc' | 'vote' | 'reveal' | 'secret' | 'voteset' | 'revealset' | 'doc' | 'sig' | 'published' | 'failed';

const KINDS: readonly RecordKind[] = ['desc', 'vote', 'reveal', 'secret', 'voteset', 'revealset', 'doc', 'sig', 'published', 'failed'];

function pad(epoch: number): string {
  return String(epoch).padStart(16, '0');
}

function key(kind: RecordKind, epoch: number, id = ''): string {
  return `${kind}/${pad(epoch)}/${id}`;
}

export class AuthorityStore {
  private readonly db: RootDatabase<Buffer, string>;

  constructor(readonly path: string) {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    this.db = open<Buffer, string>({ path, encoding: 'binary', compression: false });
  }

  get(kind: RecordKind, epoch: number, id = ''): Uint8Array | undefined {
    const v = this.db.get(key(kind, epoch, id));
    return v === undefined ? undefined : new Uint8Array(v);
  }

  /** Durable write (committed before returning). */
  put(kind: RecordKind, epoch: number, id: string, value: Uint8Array): void {
    this.db.putSync(key(kind, epoch, id), Buffer.from(value));
  }

  getString(kind: RecordKind, epoch: number, id = ''): string | undefined {
    const v = this.get(kind, epoch, id);
    return v === undefined ? undefined : Buffer.from(v).toString('utf8');
  }

  putString(kind: RecordKind, epoch: number, id: string, value: string): void {
    this.put(kind, epoch, id, Buffer.from(value, 'utf8'));
  }

  /** All records of a kind for an epoch, as [id, value]. */
  list(kind: RecordKind, epoch: number): [string, Uint8Array][] {
    const prefix = key(kind, epoch);
    const out: [string, Uint8Array][] = [];
    for (const { key: k, value } of this.db.getRange({ start: prefix, end: `${prefix}\uffff` })) {
      out.push([k.slice(prefix.length), new Uint8Array(value)]);
    }
    return out;
  }

  count(kind: RecordKind, epoch: number): number {
    const prefix = key(kind, epoch);
    return this.db.getKeysCount({ start: prefix, end: `${prefix}\uffff` });
  }

  /** Deletes every record of every epoch < `oldestToKeep`. */
  prune(oldestToKeep: number): number {
    let removed = 0;
    for (const kind of KINDS) {
      const start = `${kind}/`;
      const end = key(kind, oldestToKeep);
      for (const k of this.db.getKeys({ start, end })) {
        this.db.removeSync(k);
        removed++;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

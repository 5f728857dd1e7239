// LMDB-backed encrypted store for all local client state (keys, contacts, outbox, history, ...).
//
// Layout (docs/spec/client.md §Secure store):
// - one LMDB environment `<dir>/client.mdb`, a named sub-database per table plus `header`;
// - the header record (plaintext JSON) holds the scrypt parameters, the salt and the data key wrapped
//   under the passphrase key: XChaCha20-Poly1305(kek, nonce, dataKey, aad = header params). A wrong
//   passphrase fails that AEAD and is refused with WrongPassphraseError before any record is read;
//   editing the parameters fails it too (they are the AAD);
// - keys are hidden: the stored key is HMAC-SHA256(nameKey, table || 0x00 || key), so the file does
//   not reveal contact names or message ids; the real key travels inside the encrypted value;
// - values: nonce(24) || XChaCha20-Poly1305(dataKey, nonce, u16 keyLen || key || value,
//   aad = "strata-store-v1" || table || storedKey), so a value cannot be moved to another slot.
// The data key is random (not the scrypt output), so a passphrase change rewraps 32 bytes only.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { open, type Database, type RootDatabase } from 'lmdb';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { assertInt, assertString } from './assert.js';
import { base64ToBytes, bytesToBase64, bytesToUtf8, concatBytes, readU16be, u16be, utf8ToBytes } from './bytes.js';
import { InvalidArgumentError, SecureStoreError, WrongPassphraseError } from './errors.js';

/** The typed sub-databases. Every module of the client keeps its state in exactly one of these. */
export const TABLE_NAMES = ['keys', 'contacts', 'requests', 'outbox', 'inbound', 'requests-inbound', 'delivered', 'history', 'settings'] as const;
export type TableName = (typeof TABLE_NAMES)[number];

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** 2^16 · r=8 → 64 MiB and ~0.3 s in pure JS on a 2.5 GHz core (measured): interactive unlock cost. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = Object.freeze({ N: 2 ** 16, r: 8, p: 1 });
/** Bounds accepted for stored or requested parameters (tests may go as low as 2^10). */
export const MIN_SCRYPT_LOG_N = 10;
export const MAX_SCRYPT_LOG_N = 22;
export const MAX_SCRYPT_MEMORY_BYTES = 512 * 1024 * 1024;
export const MAX_KEY_NAME_BYTES = 1024;
export const MAX_PASSPHRASE_CHARS = 4096;
/** LMDB reserves virtual address space only; 16 GiB leaves room for long histories and 10 MB media. */
export const DEFAULT_MAP_SIZE_BYTES = 16 * 1024 ** 3;

const STORE_FILE = 'client.mdb';
const HEADER_KEY = 'header';
const FORMAT = 'strata-secure-store';
const FORMAT_VERSION = 1;
const SALT_BYTES = 32;
const DATA_KEY_BYTES = 32;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const VALUE_AAD_PREFIX = utf8ToBytes('strata-store-v1');

interface HeaderRecord {
  format: string;
  version: number;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  wrappedKey: string;
}

export interface SecureStoreOptions {
  /** Directory holding the store (created if missing). */
  readonly dir: string;
  readonly passphrase: string;
  /** Only used when creating a store; defaults to DEFAULT_SCRYPT_PARAMS. */
  readonly scrypt?: Partial<ScryptParams>;
  /** Refuse to create: the store must already exist (SecureStoreError reason 'missing'). */
  readonly mustExist?: boolean;
  readonly mapSizeBytes?: number;
}

function validateScrypt(params: Partial<ScryptParams> | undefined, path: string): ScryptParams {
  const merged = { ...DEFAULT_SCRYPT_PARAMS, ...(params ?? {}) };
  assertInt(merged.N, `${path}.N`, 2 ** MIN_SCRYPT_LOG_N, 2 ** MAX_SCRYPT_LOG_N);
  if ((merged.N & (merged.N - 1)) !== 0) throw new InvalidArgumentError(`${path}.N: must be a power of two`);
  assertInt(merged.r, `${path}.r`, 1, 32);
  assertInt(merged.p, `${path}.p`, 1, 16);
  // scrypt needs 128·N·r bytes: bound it, so that an edited header cannot make unlocking exhaust memory
  if (128 * merged.N * merged.r > MAX_SCRYPT_MEMORY_BYTES) throw new InvalidArgumentError(`${path}: needs more than ${MAX_SCRYPT_MEMORY_BYTES} bytes`);
  return Object.freeze({ N: merged.N, r: merged.r, p: merged.p });
}

function headerAad(h: Pick<HeaderRecord, 'format' | 'version' | 'kdf' | 'N' | 'r' | 'p' | 'salt'>): Uint8Array {
  return utf8ToBytes(JSON.stringify([h.format, h.version, h.kdf, h.N, h.r, h.p, h.salt]));
}

async function deriveKek(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  // scryptAsync yields to the event loop, so unlocking never stalls other work for the full KDF time
  return scryptAsync(utf8ToBytes(passphrase.normalize('NFKC')), salt, { ...params, dkLen: 32 });
}

function wrapKey(kek: Uint8Array, dataKey: Uint8Array, aad: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  return concatBytes(nonce, xchacha20poly1305(kek, nonce, aad).encrypt(dataKey));
}

function buildHeader(params: ScryptParams, salt: Uint8Array, kek: Uint8Array, dataKey: Uint8Array): HeaderRecord {
  const base = { format: FORMAT, version: FORMAT_VERSION, kdf: 'scrypt' as const, ...params, salt: bytesToBase64(salt) };
  return { ...base, wrappedKey: bytesToBase64(wrapKey(kek, dataKey, headerAad(base))) };
}

function parseHeader(raw: unknown): HeaderRecord {
  if (typeof raw !== 'string') throw new SecureStoreError('bad-header', 'store header: not a string record');
  let h: HeaderRecord;
  try {
    h = JSON.parse(raw) as HeaderRecord;
  } catch {
    throw new SecureStoreError('bad-header', 'store header: not JSON');
  }
  if (h === null || typeof h !== 'object' || h.format !== FORMAT) throw new SecureStoreError('bad-header', 'store header: unknown format');
  if (h.version !== FORMAT_VERSION) throw new SecureStoreError('unsupported-version', `store header: version ${String(h.version)} is not supported`);
  if (h.kdf !== 'scrypt' || typeof h.salt !== 'string' || typeof h.wrappedKey !== 'string') {
    throw new SecureStoreError('bad-header', 'store header: missing fields');
  }
  try {
    validateScrypt({ N: h.N, r: h.r, p: h.p }, 'header.scrypt');
  } catch {
    throw new SecureStoreError('bad-header', 'store header: scrypt parameters out of bounds');
  }
  return h;
}

/** One typed sub-database. Keys are strings (hidden on disk), values bytes or JSON. */
export class SecureTable {
  readonly name: TableName;
  readonly #store: SecureStore;
  readonly #db: Database<Uint8Array, Uint8Array>;

  /** @internal use SecureStore.table(). */
  constructor(store: SecureStore, name: TableName, db: Database<Uint8Array, Uint8Array>) {
    this.#store = store;
    this.name = name;
    this.#db = db;
  }

  get(key: string): Uint8Array | undefined {
    const slot = this.#store._slot(this.name, key);
    const sealed = this.#db.get(slot);
    if (sealed === undefined) return undefined;
    const opened = this.#store._open(this.name, slot, sealed);
    if (opened.key !== key) throw new SecureStoreError('corrupt-record', `${this.name}: record key mismatch`);
    return opened.value;
  }

  has(key: string): boolean {
    return this.#db.doesExist(this.#store._slot(this.name, key));
  }

  getJson<T>(key: string): T | undefined {
    const value = this.get(key);
    if (value === undefined) return undefined;
    try {
      return JSON.parse(bytesToUtf8(value)) as T;
    } catch {
      throw new SecureStoreError('corrupt-record', `${this.name}: record is not JSON`);
    }
  }

  /** Writes (asynchronously committed; await for durability). Inside store.transaction, part of it. */
  async put(key: string, value: Uint8Array): Promise<void> {
    const slot = this.#store._slot(this.name, key);
    await this.#db.put(slot, this.#store._seal(this.name, slot, key, value));
  }

  putJson(key: string, value: unknown): Promise<void> {
    return this.put(key, utf8ToBytes(JSON.stringify(value)));
  }

  async delete(key: string): Promise<boolean> {
    return this.#db.remove(this.#store._slot(this.name, key));
  }

  /** All records, decrypted (order is that of the hidden keys, i.e. arbitrary). */
  *entries(): Generator<[string, Uint8Array]> {
    this.#store._assertOpen();
    for (const { key: slot, value } of this.#db.getRange()) {
      const opened = this.#store._open(this.name, slot as Uint8Array, value);
      yield [opened.key, opened.value];
    }
  }

  *keys(): Generator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *jsonEntries<T>(): Generator<[string, T]> {
    for (const [key, value] of this.entries()) {
      let parsed: T;
      try {
        parsed = JSON.parse(bytesToUtf8(value)) as T;
      } catch {
        throw new SecureStoreError('corrupt-record', `${this.name}: record is not JSON`);
      }
      yield [key, parsed];
    }
  }

  get count(): number {
    this.#store._assertOpen();
    return this.#db.getCount();
  }
}

export class SecureStore {
  readonly dir: string;
  readonly #root: RootDatabase;
  readonly #header: Database<string, string>;
  readonly #tables = new Map<TableName, SecureTable>();
  #dataKey: Uint8Array;
  #nameKey: Uint8Array;
  #closed = false;

  private constructor(dir: string, root: RootDatabase, header: Database<string, string>, dataKey: Uint8Array) {
    this.dir = dir;
    this.#root = root;
    this.#header = header;
    // HKDF split of the data key: one key for values, one for hiding key names
    this.#nameKey = hkdf(sha256, dataKey, undefined, utf8ToBytes('strata-store-v1 key names'), 32);
    this.#dataKey = hkdf(sha256, dataKey, undefined, utf8ToBytes('strata-store-v1 values'), 32);
    dataKey.fill(0);
    for (const name of TABLE_NAMES) {
      const db = root.openDB<Uint8Array, Uint8Array>({ name: `t:${name}`, encoding: 'binary', keyEncoding: 'binary' });
      this.#tables.set(name, new SecureTable(this, name, db));
    }
  }

  /**
   * Opens the store in `dir`, creating it (with a fresh random data key) if it does not exist.
   * Throws WrongPassphraseError if the passphrase does not unwrap the data key; nothing else is read.
   */
  static async open(options: SecureStoreOptions): Promise<SecureStore> {
    assertString(options?.dir, 'secureStore.dir', 4096, 1);
    assertString(options.passphrase, 'secureStore.passphrase', MAX_PASSPHRASE_CHARS, 1);
    const mapSize = options.mapSizeBytes ?? DEFAULT_MAP_SIZE_BYTES;
    assertInt(mapSize, 'secureStore.mapSizeBytes', 1024 * 1024, Number.MAX_SAFE_INTEGER);
    const createParams = validateScrypt(options.scrypt, 'secureStore.scrypt');
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const root = open({ path: join(options.dir, STORE_FILE), noSubdir: true, maxDbs: TABLE_NAMES.length + 2, mapSize });
    try {
      const header = root.openDB<string, string>({ name: 'header', encoding: 'string' });
      const raw = header.get(HEADER_KEY);
      if (raw === undefined) {
        if (options.mustExist) throw new SecureStoreError('missing', `no store in ${options.dir}`);
        const salt = randomBytes(SALT_BYTES);
        const dataKey = randomBytes(DATA_KEY_BYTES);
        const kek = await deriveKek(options.passphrase, salt, createParams);
        const record = buildHeader(createParams, salt, kek, dataKey);
        kek.fill(0);
        const created = await header.ifNoExists(HEADER_KEY, () => {
          header.put(HEADER_KEY, JSON.stringify(record));
        });
        if (!created) throw new SecureStoreError('exists', 'the store was created concurrently; open it again');
        return new SecureStore(options.dir, root, header, dataKey);
      }
      const h = parseHeader(raw);
      const kek = await deriveKek(options.passphrase, base64ToBytes(h.salt), { N: h.N, r: h.r, p: h.p });
      const wrapped = base64ToBytes(h.wrappedKey);
      if (wrapped.length !== NONCE_BYTES + DATA_KEY_BYTES + TAG_BYTES) throw new SecureStoreError('bad-header', 'store header: wrapped key length');
      let dataKey: Uint8Array;
      try {
        dataKey = xchacha20poly1305(kek, wrapped.subarray(0, NONCE_BYTES), headerAad(h)).decrypt(wrapped.subarray(NONCE_BYTES));
      } catch {
        throw new WrongPassphraseError();
      } finally {
        kek.fill(0);
      }
      return new SecureStore(options.dir, root, header, dataKey);
    } catch (err) {
      await root.close();
      throw err;
    }
  }

  table(name: TableName): SecureTable {
    this._assertOpen();
    const table = this.#tables.get(name);
    if (table === undefined) throw new InvalidArgumentError(`table: unknown table ${String(name)}`);
    return table;
  }

  /** Runs `action` in one LMDB write transaction: every put/delete issued inside commits together. */
  async transaction<T>(action: () => T): Promise<T> {
    this._assertOpen();
    return this.#root.transaction(action);
  }

  /** Rewraps the data key under a new passphrase (the old one must open the store). */
  async changePassphrase(oldPassphrase: string, newPassphrase: string, scrypt?: Partial<ScryptParams>): Promise<void> {
    this._assertOpen();
    assertString(newPassphrase, 'changePassphrase.newPassphrase', MAX_PASSPHRASE_CHARS, 1);
    const h = parseHeader(this.#header.get(HEADER_KEY));
    const oldKek = await deriveKek(oldPassphrase, base64ToBytes(h.salt), { N: h.N, r: h.r, p: h.p });
    const wrapped = base64ToBytes(h.wrappedKey);
    let dataKey: Uint8Array;
    try {
      dataKey = xchacha20poly1305(oldKek, wrapped.subarray(0, NONCE_BYTES), headerAad(h)).decrypt(wrapped.subarray(NONCE_BYTES));
    } catch {
      throw new WrongPassphraseError();
    }
    const params = validateScrypt(scrypt ?? { N: h.N, r: h.r, p: h.p }, 'changePassphrase.scrypt');
    const salt = randomBytes(SALT_BYTES);
    const kek = await deriveKek(newPassphrase, salt, params);
    const record = buildHeader(params, salt, kek, dataKey);
    kek.fill(0);
    dataKey.fill(0);
    await this.#header.put(HEADER_KEY, JSON.stringify(record));
  }

  /** Waits for pending writes, closes LMDB and wipes the keys held in memory. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#dataKey.fill(0);
    this.#nameKey.fill(0);
    await this.#root.close();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** @internal */
  _assertOpen(): void {
    if (this.#closed) throw new SecureStoreError('closed', 'the store is closed');
  }

  /** @internal the hidden LMDB key of (table, key). */
  _slot(table: TableName, key: string): Uint8Array {
    this._assertOpen();
    assertString(key, `${table}.key`, MAX_KEY_NAME_BYTES, 1);
    return hmac(sha256, this.#nameKey, concatBytes(utf8ToBytes(table), Uint8Array.of(0), utf8ToBytes(key)));
  }

  /** @internal */
  _seal(table: TableName, slot: Uint8Array, key: string, value: Uint8Array): Uint8Array {
    if (!(value instanceof Uint8Array)) throw new InvalidArgumentError(`${table}.value: must be a Uint8Array`);
    const keyBytes = utf8ToBytes(key);
    const nonce = randomBytes(NONCE_BYTES);
    const aad = concatBytes(VALUE_AAD_PREFIX, utf8ToBytes(table), slot);
    const plaintext = concatBytes(u16be(keyBytes.length), keyBytes, value);
    return concatBytes(nonce, xchacha20poly1305(this.#dataKey, nonce, aad).encrypt(plaintext));
  }

  /** @internal */
  _open(table: TableName, slot: Uint8Array, sealed: Uint8Array): { key: string; value: Uint8Array } {
    if (sealed.length < NONCE_BYTES + TAG_BYTES + 2) throw new SecureStoreError('corrupt-record', `${table}: record too short`);
    const aad = concatBytes(VALUE_AAD_PREFIX, utf8ToBytes(table), slot);
    let plaintext: Uint8Array;
    try {
      plaintext = xchacha20poly1305(this.#dataKey, sealed.subarray(0, NONCE_BYTES), aad).decrypt(sealed.subarray(NONCE_BYTES));
    } catch {
      throw new SecureStoreError('corrupt-record', `${table}: record fails authentication`);
    }
    const keyLength = readU16be(plaintext, 0);
    if (2 + keyLength > plaintext.length) throw new SecureStoreError('corrupt-record', `${table}: record key length`);
    return { key: bytesToUtf8(plaintext.subarray(2, 2 + keyLength)), value: plaintext.slice(2 + keyLength) };
  }
}

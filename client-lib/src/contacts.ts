// The contact book (docs/spec/client.md §Contacts): contacts added by address, their keys pinned on
// first use (TOFU) and checked against what their provider publishes — a different key is flagged and
// never silently accepted — fingerprint verification, the allow list, and the request queue where
// messages from senders who are not contacts wait for the user's decision.
import { randomBytes } from '@noble/hashes/utils.js';
import { assertBytes, assertInt, assertString } from './assert.js';
import { decodeAddress, encodeAddress, type Address } from './address.js';
import { base64ToBytes, bytesToBase64, bytesToHex, ctEqual } from './bytes.js';
import { ContactError } from './errors.js';
import { fingerprintsMatch, safetyNumber } from './fingerprint.js';
import { identityId, publicIdentity, type PublicIdentity } from './identity.js';
import type { SecureStore, SecureTable } from './secure-store.js';

export const MAX_CONTACT_NAME_CHARS = 200;

/**
 * 'unverified': keys pinned but no fingerprint comparison yet (the API marks such contacts);
 * 'verified': the user compared safety numbers; 'key-changed': a different key was seen — flagged
 * until the user accepts or rejects it.
 */
export type ContactTrust = 'unverified' | 'verified' | 'key-changed';
export type KeySource = 'provider' | 'address';

export interface KeyChange {
  readonly keys: PublicIdentity;
  readonly source: KeySource;
  readonly seenAtMs: number;
}

export interface Contact {
  /** Stable id: identityId() of the keys pinned when the contact was added. */
  readonly id: string;
  readonly name: string;
  readonly address: Address;
  /** The pinned keys: the only keys messages are accepted from and encrypted to. */
  readonly keys: PublicIdentity;
  readonly trust: ContactTrust;
  readonly verified: boolean;
  /** When the contact's provider last confirmed the pinned keys (undefined: never checked). */
  readonly providerConfirmedAtMs: number | undefined;
  readonly keyChange: KeyChange | undefined;
  readonly addedAtMs: number;
}

export type ObserveResult = 'confirmed' | 'changed';

export interface ContactRequest {
  readonly id: string;
  /** Arrival order. */
  readonly seq: number;
  readonly senderEd25519PublicKey: Uint8Array;
  readonly body: Uint8Array;
  readonly receivedAtMs: number;
}

export interface ContactBookOptions {
  readonly now?: () => number;
  /** Requests held at once (default 100); more are refused with ContactError('queue-full'). */
  readonly maxRequests?: number;
  /** Requests held from one sender (default 5). */
  readonly maxRequestsPerSender?: number;
  /** Largest request body kept (default 64 KiB). */
  readonly maxRequestBytes?: number;
}

interface KeysJson {
  ed: string;
  x: string;
}
interface ContactJson {
  v: 1;
  id: string;
  name: string;
  address: string;
  keys: KeysJson;
  verified: boolean;
  providerConfirmedAtMs: number | null;
  keyChange: { keys: KeysJson; source: KeySource; seenAtMs: number } | null;
  addedAtMs: number;
}
interface RequestJson {
  v: 1;
  id: string;
  seq: number;
  sender: string;
  body: string;
  receivedAtMs: number;
}

function keysToJson(k: PublicIdentity): KeysJson {
  return { ed: bytesToBase64(k.ed25519PublicKey), x: bytesToBase64(k.x25519PublicKey) };
}
function keysFromJson(k: KeysJson): PublicIdentity {
  return publicIdentity({ ed25519PublicKey: base64ToBytes(k.ed), x25519PublicKey: base64ToBytes(k.x) });
}
function sameKeys(a: PublicIdentity, b: PublicIdentity): boolean {
  // both halves compared, no early exit
  const ed = ctEqual(a.ed25519PublicKey, b.ed25519PublicKey);
  const x = ctEqual(a.x25519PublicKey, b.x25519PublicKey);
  return ed && x;
}

function toContact(j: ContactJson): Contact {
  const keyChange = j.keyChange === null ? undefined : Object.freeze({ keys: keysFromJson(j.keyChange.keys), source: j.keyChange.source, seenAtMs: j.keyChange.seenAtMs });
  return Object.freeze({
    id: j.id,
    name: j.name,
    address: decodeAddress(j.address),
    keys: keysFromJson(j.keys),
    trust: keyChange !== undefined ? 'key-changed' : j.verified ? 'verified' : 'unverified',
    verified: j.verified,
    providerConfirmedAtMs: j.providerConfirmedAtMs ?? undefined,
    keyChange,
    addedAtMs: j.addedAtMs,
  });
}

export class ContactBook {
  readonly #self: PublicIdentity;
  readonly #contacts: SecureTable;
  readonly #requests: SecureTable;
  readonly #now: () => number;
  readonly #maxRequests: number;
  readonly #maxRequestsPerSender: number;
  readonly #maxRequestBytes: number;
  /** Allow-list index: hex(pinned ed25519 key) → contact id. */
  readonly #byEd = new Map<string, string>();

  constructor(store: SecureStore, self: PublicIdentity, options: ContactBookOptions = {}) {
    this.#self = publicIdentity(self);
    this.#contacts = store.table('contacts');
    this.#requests = store.table('requests');
    this.#now = options.now ?? Date.now;
    this.#maxRequests = options.maxRequests ?? 100;
    this.#maxRequestsPerSender = options.maxRequestsPerSender ?? 5;
    this.#maxRequestBytes = options.maxRequestBytes ?? 64 * 1024;
    assertInt(this.#maxRequests, 'contacts.maxRequests', 1, 100_000);
    assertInt(this.#maxRequestsPerSender, 'contacts.maxRequestsPerSender', 1, this.#maxRequests);
    assertInt(this.#maxRequestBytes, 'contacts.maxRequestBytes', 1, 16 * 1024 * 1024);
    for (const [, j] of this.#contacts.jsonEntries<ContactJson>()) this.#byEd.set(bytesToHex(base64ToBytes(j.keys.ed)), j.id);
  }

  #json(id: string): ContactJson {
    const j = this.#contacts.getJson<ContactJson>(id);
    if (j === undefined) throw new ContactError('unknown', 'no such contact');
    return j;
  }

  /** Adds a contact from its shareable address; its keys are pinned now (trust 'unverified'). */
  async add(addressText: string, name: string): Promise<Contact> {
    assertString(name, 'contacts.add.name', MAX_CONTACT_NAME_CHARS, 1);
    const address = decodeAddress(addressText);
    if (sameKeys(address, this.#self)) throw new ContactError('self', 'this is our own address');
    const id = identityId(address);
    if (this.#contacts.has(id)) throw new ContactError('exists', 'this contact is already in the book');
    const edHex = bytesToHex(address.ed25519PublicKey);
    if (this.#byEd.has(edHex)) throw new ContactError('exists', 'a contact with this signing key is already in the book');
    const j: ContactJson = {
      v: 1,
      id,
      name,
      address: encodeAddress(address),
      keys: keysToJson(address),
      verified: false,
      providerConfirmedAtMs: null,
      keyChange: null,
      addedAtMs: this.#now(),
    };
    await this.#contacts.putJson(id, j);
    this.#byEd.set(edHex, id);
    return toContact(j);
  }

  get(id: string): Contact | undefined {
    const j = this.#contacts.getJson<ContactJson>(id);
    return j === undefined ? undefined : toContact(j);
  }

  list(): Contact[] {
    return [...this.#contacts.jsonEntries<ContactJson>()].map(([, j]) => toContact(j)).sort((a, b) => a.addedAtMs - b.addedAtMs || a.id.localeCompare(b.id));
  }

  /**
   * The allow list: the contact whose pinned signing key is `senderEd25519PublicKey`, else undefined
   * (the caller then queues the message as a request).
   */
  allowed(senderEd25519PublicKey: Uint8Array): Contact | undefined {
    assertBytes(senderEd25519PublicKey, 'contacts.allowed.sender', 32);
    const id = this.#byEd.get(bytesToHex(senderEd25519PublicKey));
    return id === undefined ? undefined : this.get(id);
  }

  /** The safety number to compare with the contact (the same on both devices). */
  safetyNumber(id: string): string {
    return safetyNumber(this.#self, keysFromJson(this.#json(id).keys));
  }

  /** Marks the contact verified if `typed` matches the safety number; returns whether it did. */
  async verify(id: string, typed: string): Promise<boolean> {
    assertString(typed, 'contacts.verify.typed', 200);
    if (!fingerprintsMatch(typed, this.safetyNumber(id))) return false;
    const j = this.#json(id);
    await this.#contacts.putJson(id, { ...j, verified: true });
    return true;
  }

  /**
   * Checks keys seen for the contact (published by its provider, or in an address received again)
   * against the pinned keys. Equal: recorded as confirmed. Different: flagged as a key change — the
   * pinned keys stay in force, `verified` is kept for the old keys, and the contact's trust becomes
   * 'key-changed' until acceptKeyChange() or rejectKeyChange().
   */
  async observeKeys(id: string, keys: PublicIdentity, source: KeySource): Promise<ObserveResult> {
    const seen = publicIdentity(keys);
    const j = this.#json(id);
    const now = this.#now();
    if (sameKeys(seen, keysFromJson(j.keys))) {
      if (source === 'provider') await this.#contacts.putJson(id, { ...j, providerConfirmedAtMs: now });
      return 'confirmed';
    }
    await this.#contacts.putJson(id, { ...j, keyChange: { keys: keysToJson(seen), source, seenAtMs: now } });
    return 'changed';
  }

  /** The user accepts the new keys: they become pinned and the contact is unverified again. */
  async acceptKeyChange(id: string): Promise<Contact> {
    const j = this.#json(id);
    if (j.keyChange === null) throw new ContactError('no-key-change', 'no key change is pending for this contact');
    const newEdHex = bytesToHex(base64ToBytes(j.keyChange.keys.ed));
    const holder = this.#byEd.get(newEdHex);
    if (holder !== undefined && holder !== id) throw new ContactError('exists', 'another contact already uses the new signing key');
    const address = decodeAddress(j.address);
    const newKeys = keysFromJson(j.keyChange.keys);
    const next: ContactJson = {
      ...j,
      address: encodeAddress({ ...newKeys, provider: address.provider }),
      keys: j.keyChange.keys,
      verified: false,
      providerConfirmedAtMs: j.keyChange.source === 'provider' ? j.keyChange.seenAtMs : null,
      keyChange: null,
    };
    await this.#contacts.putJson(id, next);
    this.#byEd.delete(bytesToHex(base64ToBytes(j.keys.ed)));
    this.#byEd.set(newEdHex, id);
    return toContact(next);
  }

  /** The user keeps the pinned keys and dismisses the flag. */
  async rejectKeyChange(id: string): Promise<Contact> {
    const j = this.#json(id);
    if (j.keyChange === null) throw new ContactError('no-key-change', 'no key change is pending for this contact');
    const next = { ...j, keyChange: null };
    await this.#contacts.putJson(id, next);
    return toContact(next);
  }

  async rename(id: string, name: string): Promise<Contact> {
    assertString(name, 'contacts.rename.name', MAX_CONTACT_NAME_CHARS, 1);
    const next = { ...this.#json(id), name };
    await this.#contacts.putJson(id, next);
    return toContact(next);
  }

  async remove(id: string): Promise<void> {
    const j = this.#json(id);
    await this.#contacts.delete(id);
    this.#byEd.delete(bytesToHex(base64ToBytes(j.keys.ed)));
  }

  /**
   * Queues a message from a sender who is not a contact (its envelope already opened and verified).
   * Bounded: ContactError 'request-too-large' | 'queue-full' — the caller counts these as drops.
   */
  async queueRequest(senderEd25519PublicKey: Uint8Array, body: Uint8Array): Promise<ContactRequest> {
    assertBytes(senderEd25519PublicKey, 'contacts.queueRequest.sender', 32);
    assertBytes(body, 'contacts.queueRequest.body');
    if (body.length > this.#maxRequestBytes) throw new ContactError('request-too-large', 'request body exceeds the limit');
    const all = this.listRequests();
    if (all.length >= this.#maxRequests) throw new ContactError('queue-full', 'the request queue is full');
    const fromSender = all.filter((r) => ctEqual(r.senderEd25519PublicKey, senderEd25519PublicKey)).length;
    if (fromSender >= this.#maxRequestsPerSender) throw new ContactError('queue-full', 'the request queue holds enough from this sender');
    const receivedAtMs = this.#now();
    const seq = all.reduce((m, r) => Math.max(m, r.seq), 0) + 1;
    const id = bytesToHex(randomBytes(16));
    const j: RequestJson = { v: 1, id, seq, sender: bytesToBase64(senderEd25519PublicKey), body: bytesToBase64(body), receivedAtMs };
    await this.#requests.putJson(id, j);
    return toRequest(j);
  }

  /** Pending requests, oldest first. */
  listRequests(): ContactRequest[] {
    return [...this.#requests.jsonEntries<RequestJson>()].map(([, j]) => toRequest(j)).sort((a, b) => a.seq - b.seq);
  }

  /** Removes and returns the requests of one sender (e.g. once the user has added it as a contact). */
  async takeRequests(senderEd25519PublicKey: Uint8Array): Promise<ContactRequest[]> {
    assertBytes(senderEd25519PublicKey, 'contacts.takeRequests.sender', 32);
    const mine = this.listRequests().filter((r) => ctEqual(r.senderEd25519PublicKey, senderEd25519PublicKey));
    for (const r of mine) await this.#requests.delete(r.id);
    return mine;
  }

  async dropRequest(id: string): Promise<boolean> {
    assertString(id, 'contacts.dropRequest.id', 100, 1);
    return this.#requests.delete(id);
  }
}

function toRequest(j: RequestJson): ContactRequest {
  return Object.freeze({ id: j.id, seq: j.seq, senderEd25519PublicKey: base64ToBytes(j.sender), body: base64ToBytes(j.body), receivedAtMs: j.receivedAtMs });
}

// The network-facing client (issue 6): bootstrap from a provider URL, the Loopix send streams over the
// provider link, SURB-ACK receipts, fixed-schedule polling of every alias, end-to-end open/verify,
// allow list, reassembly and exactly-once delivery. docs/spec/client.md §9–12, docs/spec/payload.md.
import { EventEmitter } from 'node:events';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ConsensusFetcher, EpochClock, majorityThreshold, type VerifiedConsensus } from '@strata/core';
import { dialLink, linkKeyPairFromPrivateKey, type LinkConnection } from '@strata/core/link/index';
import { frameBytesForBody } from '@strata/core/link/config';
import {
  POLL_SERVICE_ID,
  REQUEST_NONCE_BYTES,
  anonymousAckSigningBytes,
  anonymousPollEntries,
  anonymousPollSigningBytes,
  decodePollResponse,
  decodeSurbReplyEntry,
  encodeAnonymousPollBody,
  joinSurbReplyParts,
  maxAnonymousAckIds,
  pollResponseBytes,
  type AnonymousPollRequest,
} from '@strata/core/provider-protocol';
import { SystemClock, cryptoRng, type Clock, type Rng } from '@strata/core/sched/index';
import { DEFAULT_GEOMETRY, decryptSurbPayload, geometryHash, type Geometry } from 'sphinx-packet-ts';
import { encodeAddress } from './address.js';
import {
  DEFAULT_ALIAS_PERIOD_MS,
  aliasEpochAt,
  epochsToRegister,
  inboundAlias,
  outboundAlias,
  ownedRequestAlias,
  ownedServiceAlias,
  pairKey,
  requestAliasId,
  type OwnedAlias,
} from './aliases.js';
import { assertBytes, assertInt, assertString } from './assert.js';
import { bytesToHex, ctEqual as ctEqualBytes, hexToBytes, utf8ToBytes } from './bytes.js';
import { ContactBook, type Contact } from './contacts.js';
import type { CryptoBackend } from './crypto-backend.js';
import { nodeBackend } from './crypto-node.js';
import { DurableReassembler } from './durable-reassembler.js';
import { openEnvelope, sealEnvelope } from './envelope.js';
import { ClientError, ClientLibError, ProviderApiError } from './errors.js';
import { decodeIdentity, encodeIdentity, loadIdentity, loadOrCreateIdentity, loadPreviousIdentities, publicIdentity, rotateIdentity, saveIdentity, type Identity, type PublicIdentity } from './identity.js';
import { LOOKUP_IDENTITY_PATH, PUBLISH_IDENTITY_PATH, identityHandle, parsePublishedIdentity, publishIdentityRequest } from './published-identity.js';
import { b64url } from './provider-requests.js';
import { decodeLinkBundle, decodeLinkChunk, decodeLinkCode, deriveLinkKeys, encodeLinkBundle, encodeLinkCode, openLinkChunks, sealLinkChunks, LINK_SECRET_BYTES, type LinkKeys } from './device-link.js';
import { Outbox, retransmitTimeoutMs, type MessageStatus, type RetryPolicy } from './outbox.js';
import { MixHealth } from './mix-health.js';
import { PacketFactory, SURB_ID_BYTES, findProvider, routingView, type RouteNode, type RoutingView } from './packets.js';
import { payloadBudget, type PayloadBudget } from './payload-budget.js';
import { ProviderHttp, nodeIdOfIdentityKey, type WellKnown } from './provider-http.js';
import { signedAck, signedPoll, signedRegisterAlias, signedRegisterDevice, signedRegisterSurbs, type SeedKeyPair } from './provider-requests.js';
import { SecureStore, type ScryptParams } from './secure-store.js';
import { SendScheduler, type SendEvent } from './send-scheduler.js';

export const DEFAULT_POLL_INTERVAL_MS = 2_000;
/** SURB ids registered with our provider per batch (one POST /v1/surbs). */
export const SURB_POOL_BATCH = 64;
/** Polls of one alias per round while the provider says `more` (bounds a round's work). */
export const MAX_POLLS_PER_ALIAS_ROUND = 64;
/** Scheduled poll rounds per direct poll of the neighbouring (previous, next) alias epochs' aliases, mid-epoch. */
export const NEIGHBOUR_EPOCH_POLL_EVERY = 5;
/** Within this long of an alias rotation (either side) every alias is polled every round. */
export const ALIAS_ROTATION_GRACE_MS = 5 * 60_000;
/** μ assumed before the first consensus (the directory default). */
export const DEFAULT_MU_PER_SECOND = 2;
/** SURB ids registered and not yet expired stay near this many (the provider's quota is 1000 by default). */
export const SURB_IDS_OUTSTANDING = 500;
export const MAX_SURB_LIFETIME_MS = 10 * 60_000;
export const SURB_REFILL_BACKOFF_MS = 5_000;
/** How long Client.link waits for the bundle of a link code (default). */
export const DEFAULT_LINK_TIMEOUT_MS = 120_000;
/** Retry period while no verified consensus naming our provider is available. */
export const CONSENSUS_RETRY_MS = 2_000;
/**
 * Reassembly of messages from senders who are not contacts (client.md §11.3): complete messages go
 * to the request queue. Tight limits, apart from the contacts' reassembler, so strangers cannot
 * crowd out contacts: at most 64 KiB a message (the request queue's limit), 16 in progress
 * (2 per sender), 1 MiB held, a day to complete.
 */
export const STRANGER_REASSEMBLY_LIMITS = Object.freeze({ maxMessageBytes: 64 * 1024, maxFragmentsPerMessage: 256, maxPendingMessages: 16, maxPendingPerSender: 2, maxPendingBytes: 1024 * 1024, pendingTtlMs: 24 * 3600 * 1000 });
const SETTINGS_KEY = 'client';
const DEVICE_KEY = 'device';
const LINK_KEY = 'link';
const DEVICE_SALT = utf8ToBytes('strata-device-v1');
const EMPTY = new Uint8Array(0);
const NO_MIXES: readonly Uint8Array[] = Object.freeze([]);

export type AliasRole = 'loop' | 'ack' | 'request' | 'contact';

/** Why a packet was not sent or an inbound entry was discarded (fixed label set). */
export type ClientDropReason =
  | 'no_link'
  | 'no_route'
  | 'build_failed'
  | 'link_send_failed'
  | 'bad_envelope'
  | 'bad_fragment'
  | 'request_refused'
  | 'unknown_surb'
  | 'bad_ack'
  | 'poll_failed'
  | 'bad_poll_reply';

/** How contact and request aliases are polled (client.md §11.3). */
export type PollMode = 'direct' | 'anonymous';

export interface ClientOptions {
  readonly dataDir: string;
  readonly passphrase: string;
  /** From an address: the provider must be this node (BLAKE2b-256 of its identity key). */
  readonly providerNodeId?: Uint8Array;
  readonly backend?: CryptoBackend;
  readonly scrypt?: Partial<ScryptParams>;
  /** Send streams and timers (default SystemClock); tests inject a VirtualClock. */
  readonly clock?: Clock;
  readonly rng?: Rng;
  /** Wall clock in ms since the Unix epoch (signed timestamps, epochs, alias rotation). */
  readonly now?: () => number;
  readonly geometry?: Geometry;
  readonly pollIntervalMs?: number;
  readonly aliasPeriodMs?: number;
  /** Overrides of the outbox retry policy (client.md §8); hops, ackHops and the mean delay come from the network. */
  readonly retry?: Partial<RetryPolicy>;
  /** Connect, register, poll and send (default true). False: local state only (contacts, CLI). */
  readonly network?: boolean;
  /**
   * 'direct' (default): every alias is polled over HTTPS. 'anonymous': contact and request aliases
   * are polled through the mixnet (payload.md §4) on λP ticks, answers come back by SURB; only the
   * own loop and ack aliases are polled directly.
   */
  readonly poll?: PollMode;
  /** How often every contact's keys are checked against its provider (client.md §13; default 1 h). */
  readonly keyCheckIntervalMs?: number;
}

/**
 * Outcome of checking one contact's pinned keys against what its provider publishes (client.md §13):
 * 'confirmed' (same keys), 'changed' (flagged: the contact's trust is now 'key-changed'),
 * 'unpublished' (the provider holds nothing under the handle), 'failed' (unreachable, or an answer
 * that does not verify — nothing is changed; the error is emitted as a 'warning').
 */
export interface KeyCheck {
  readonly contactId: string;
  readonly result: 'confirmed' | 'changed' | 'unpublished' | 'failed';
}

/** Default period of the automatic contact key checks. */
export const DEFAULT_KEY_CHECK_INTERVAL_MS = 3_600_000;

interface Settings {
  v: 1;
  providerUrl: string;
  providerName: string;
  providerIdentityKey: string;
  providerLinkKey: string;
  certSha256: string | null;
  authorities: { url: string; identityKey: string }[];
  threshold: number;
  epochLengthMs: number;
  genesisMs: number;
  messageBytes: number;
  /** μ of the last verified consensus (retransmit timeouts at the next open). */
  muPerSecond?: number;
}

export interface DeliveredMessage {
  /** Contact id of the authenticated sender. */
  readonly from: string;
  readonly messageId: string;
  readonly body: Uint8Array;
  readonly receivedAtMs: number;
}

export interface ClientStats {
  /** Send-stream ticks so far, and those whose packet is built and handed to the link (or dropped). */
  readonly ticks: number;
  readonly ticksDone: number;
  readonly sent: { real: number; drop: number; loop: number; poll: number };
  readonly dropped: Partial<Record<ClientDropReason, number>>;
  /** Direct (HTTPS) polls. */
  readonly polls: number;
  /** Anonymous-poll answers received and decrypted (poll: 'anonymous'). */
  readonly anonymousPollReplies: number;
  readonly acks: number;
  readonly loopsReturned: number;
  readonly delivered: number;
}

export interface ClientEvents {
  message: [DeliveredMessage];
  status: [MessageStatus];
  failed: [MessageStatus];
  request: [{ readonly senderEd25519PublicKey: Uint8Array }];
  /**
   * A packet went onto the provider link: the tick time on the injected clock, its size, and the
   * mixes of its forward and ACK routes (empty for drops; local knowledge, never on the wire).
   */
  wire: [{ readonly atMs: number; readonly bytes: number; readonly mixes: readonly Uint8Array[] }];
  /** Asynchronous failures of background work (poll, link, consensus); never fatal. */
  warning: [Error];
}

interface AliasEntry {
  readonly alias: OwnedAlias;
  readonly role: AliasRole;
  readonly device: SeedKeyPair;
  readonly contactId: string | undefined;
}

type PendingAck = (
  | { readonly kind: 'fragment'; readonly messageId: string; readonly index: number }
  | { readonly kind: 'cover' }
  | { readonly kind: 'poll'; readonly aliasKey: string }
) & {
  readonly expiresAtMs: number;
  readonly surbKeys: Uint8Array;
  parts?: (Uint8Array | undefined)[];
  /** Mixes of the forward and ACK routes, and when the ACK counts as lost for MixHealth (client.md §11.5). */
  readonly mixes?: readonly Uint8Array[];
  readonly lostAtMs?: number;
  lost?: boolean;
};

function seedPair(seed: Uint8Array, backend: CryptoBackend): SeedKeyPair {
  return { seed, publicKey: backend.ed25519PublicKey(seed) };
}

function wellKnownSettings(url: string, wk: WellKnown, certSha256: string | undefined): Settings {
  const n = wk.network;
  const num = (k: string, dflt: number): number => (typeof n[k] === 'number' && Number.isSafeInteger(n[k]) ? (n[k] as number) : dflt);
  const epochLengthMs = num('epochLengthMs', 20 * 60_000);
  if (epochLengthMs < 1) throw new ClientError('bad-config', 'well-known network.epochLengthMs: must be positive');
  if (wk.authorities.length === 0) throw new ClientError('bad-config', 'well-known authorities: the provider lists no directory authority');
  const threshold = num('threshold', majorityThreshold(wk.authorities.length));
  if (threshold < 1 || threshold > wk.authorities.length) throw new ClientError('bad-config', 'well-known network.threshold: out of range');
  return {
    v: 1,
    providerUrl: url,
    providerName: wk.provider.name,
    providerIdentityKey: bytesToHex(wk.provider.identityKey),
    providerLinkKey: bytesToHex(wk.provider.linkKey),
    certSha256: certSha256 ?? null,
    authorities: wk.authorities.map((a) => ({ url: a.url, identityKey: bytesToHex(a.identityKey) })),
    threshold,
    epochLengthMs,
    genesisMs: num('genesisMs', 0),
    messageBytes: wk.dropbox.messageBytes,
  };
}

/**
 * A Strata client. `Client.bootstrap(providerUrl, opts)` for a new data dir, `Client.open(dir,
 * passphrase)` afterwards. `send(contactId, bytes)` returns a message id whose `status(id)` moves
 * queued → sent → stored (SURB-ACK from the recipient's provider) or failed; delivered messages
 * arrive as 'message' events (each exactly once, only from contacts).
 */
export class Client extends EventEmitter<ClientEvents> {
  readonly identity: Identity;
  readonly contacts: ContactBook;
  readonly outbox: Outbox;
  readonly budget: PayloadBudget;
  readonly #store: SecureStore;
  readonly #inbound: DurableReassembler;
  readonly #strangers: DurableReassembler;
  readonly #settings: Settings;
  readonly #http: ProviderHttp;
  readonly #backend: CryptoBackend;
  readonly #clock: Clock;
  readonly #rng: Rng;
  readonly #now: () => number;
  readonly #g: Geometry;
  readonly #pollIntervalMs: number;
  readonly #keyCheckIntervalMs: number;
  readonly #aliasPeriodMs: number;
  readonly #deviceSecret: Uint8Array;
  readonly #linkSecret: Uint8Array;
  readonly #epochs: EpochClock;
  readonly #fetcher: ConsensusFetcher;
  readonly #aliases = new Map<string, AliasEntry>();
  readonly #acks = new Map<string, PendingAck>();
  readonly #surbPool: Uint8Array[] = [];
  readonly #stats = { ticks: 0, ticksDone: 0, sent: { real: 0, drop: 0, loop: 0, poll: 0 }, dropped: {} as Partial<Record<ClientDropReason, number>>, polls: 0, anonymousPollReplies: 0, acks: 0, loopsReturned: 0, delivered: 0 };
  #consensus: VerifiedConsensus | undefined;
  #factory: PacketFactory | undefined;
  /** The consensus's routing view before MixHealth filtering. */
  #baseView: RoutingView | undefined;
  readonly #health = new MixHealth();
  #healthVersion = 0;
  #scheduler: SendScheduler<true> | undefined;
  #link: LinkConnection | undefined;
  #dialing = false;
  #refilling: Promise<void> | undefined;
  #timers: ReturnType<typeof setTimeout>[] = [];
  #pollTimer: ReturnType<typeof setTimeout> | undefined;
  #polling: Promise<void> | undefined;
  #closed = false;
  #aliasSignature = '';
  #surbRetryAtMs = 0;
  #pollChain: Promise<void> = Promise.resolve();
  #scheduledRounds = 0;
  readonly #serviceAliases: { loop?: OwnedAlias; ack?: OwnedAlias } = {};
  readonly #pollMode: PollMode;
  readonly #retryOverrides: Partial<RetryPolicy>;
  /** Anonymous mode: aliases (hex) waiting for a λP tick to carry their poll, once each. */
  readonly #pollQueue: string[] = [];
  /** Link bundle chunks waiting for λP ticks (createLinkCode): recipient alias and body. */
  readonly #linkQueue: { recipient: Uint8Array; body: Uint8Array }[] = [];
  /** Anonymous mode: dropbox ids to acknowledge in the alias's next poll. */
  readonly #pollAcks = new Map<string, Uint8Array[]>();

  private constructor(
    store: SecureStore,
    identity: Identity,
    settings: Settings,
    secrets: { device: Uint8Array; link: Uint8Array },
    outbox: Outbox,
    inbound: { contacts: DurableReassembler; strangers: DurableReassembler },
    opts: Omit<ClientOptions, 'dataDir' | 'passphrase'>,
  ) {
    super();
    this.#store = store;
    this.identity = identity;
    this.#settings = settings;
    this.#deviceSecret = secrets.device;
    this.#linkSecret = secrets.link;
    this.outbox = outbox;
    this.#inbound = inbound.contacts;
    this.#strangers = inbound.strangers;
    this.#backend = opts.backend ?? nodeBackend;
    this.#clock = opts.clock ?? new SystemClock({ unref: false });
    this.#rng = opts.rng ?? cryptoRng();
    this.#now = opts.now ?? Date.now;
    this.#g = opts.geometry ?? DEFAULT_GEOMETRY;
    this.#pollIntervalMs = opts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    assertInt(this.#pollIntervalMs, 'client.pollIntervalMs', 10, 3_600_000);
    this.#keyCheckIntervalMs = opts.keyCheckIntervalMs ?? DEFAULT_KEY_CHECK_INTERVAL_MS;
    assertInt(this.#keyCheckIntervalMs, 'client.keyCheckIntervalMs', 1000, 2 ** 31 - 1);
    this.#aliasPeriodMs = opts.aliasPeriodMs ?? DEFAULT_ALIAS_PERIOD_MS;
    this.#pollMode = opts.poll ?? 'direct';
    this.#retryOverrides = { ...(opts.retry ?? {}) };
    if (this.#pollMode !== 'direct' && this.#pollMode !== 'anonymous') throw new ClientError('bad-config', "client.poll: must be 'direct' or 'anonymous'");
    assertInt(this.#aliasPeriodMs, 'client.aliasPeriodMs', 1000, Number.MAX_SAFE_INTEGER);
    // payload.md §2: the envelope fills the body slot after flags, reserved and the SURB-ACK.
    this.budget = payloadBudget(this.#g.forwardPayloadLength, this.#g.surbLength);
    if (this.budget.envelopeBytes !== settings.messageBytes) {
      throw new ClientError('bad-config', `the provider stores ${settings.messageBytes}-byte messages, this geometry's body is ${this.budget.envelopeBytes}`);
    }
    this.contacts = new ContactBook(store, publicIdentity(identity), { now: this.#now });
    this.#http = new ProviderHttp(settings.providerUrl, settings.certSha256 ? { pinnedCertSha256: settings.certSha256 } : {});
    this.#epochs = new EpochClock({ lengthMs: settings.epochLengthMs, genesisMs: settings.genesisMs, now: this.#now });
    this.#fetcher = new ConsensusFetcher({
      authorityUrls: settings.authorities.map((a) => a.url),
      trustedAuthorityKeys: settings.authorities.map((a) => hexToBytes(a.identityKey)),
      threshold: settings.threshold,
      sphinxGeometryHash: geometryHash(this.#g),
    });
    outbox.on('state', (s) => this.emit('status', s));
    outbox.on('failed', (s) => this.emit('failed', s));
  }

  /**
   * First start: reads and verifies the provider's /.well-known/strata, creates (or opens) the
   * encrypted store, then — unless `network: false` — fetches the consensus, registers the device
   * and aliases and connects.
   */
  static async bootstrap(providerUrl: string, options: ClientOptions): Promise<Client> {
    assertString(providerUrl, 'providerUrl', 2048, 1);
    if (options.providerNodeId !== undefined) assertBytes(options.providerNodeId, 'providerNodeId', 32);
    const backend = options.backend ?? nodeBackend;
    const http = new ProviderHttp(providerUrl);
    const wk = await http.wellKnown(options.providerNodeId, backend).finally(() => http.close());
    const settings = wellKnownSettings(providerUrl, wk, http.pinnedCertSha256);
    const store = await SecureStore.open({ dir: options.dataDir, passphrase: options.passphrase, ...(options.scrypt ? { scrypt: options.scrypt } : {}) });
    try {
      await store.table('settings').putJson(SETTINGS_KEY, settings);
      return await Client.#assemble(store, settings, options);
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  /**
   * A second device joins the account of the device that made `code` (createLinkCode, client.md §12):
   * fetches and opens the link bundle (identity and contacts) from the one-time alias, spends the
   * code, then starts like `bootstrap` and registers its own device under every alias, so it receives
   * every message from then on. ClientError 'bad-link-code' | 'link-timeout' | 'already-initialised'.
   */
  static async link(providerUrl: string, code: string, options: ClientOptions & { readonly linkTimeoutMs?: number }): Promise<Client> {
    const keys = deriveLinkKeys(decodeLinkCode(code));
    assertString(providerUrl, 'providerUrl', 2048, 1);
    const timeoutMs = options.linkTimeoutMs ?? DEFAULT_LINK_TIMEOUT_MS;
    assertInt(timeoutMs, 'linkTimeoutMs', 1, 86_400_000);
    const backend = options.backend ?? nodeBackend;
    const probe = new ProviderHttp(providerUrl);
    const wk = await probe.wellKnown(options.providerNodeId, backend).finally(() => probe.close());
    const settings = wellKnownSettings(providerUrl, wk, probe.pinnedCertSha256);
    const store = await SecureStore.open({ dir: options.dataDir, passphrase: options.passphrase, ...(options.scrypt ? { scrypt: options.scrypt } : {}) });
    try {
      if (loadIdentity(store, backend)) throw new ClientError('already-initialised', 'this data dir already holds an identity: link into a new one');
      const http = new ProviderHttp(providerUrl, settings.certSha256 ? { pinnedCertSha256: settings.certSha256 } : {});
      let bundle;
      try {
        bundle = decodeLinkBundle(openLinkChunks(await fetchLinkChunks(http, keys, backend, timeoutMs, options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS), keys.sealKey));
      } finally {
        http.close();
      }
      const identity = decodeIdentity(bundle.identity, backend);
      await saveIdentity(store, identity);
      const book = new ContactBook(store, publicIdentity(identity), { now: options.now ?? Date.now });
      for (const c of bundle.contacts) {
        const added = await book.add(c.address, c.name);
        if (c.verified) await book.verify(added.id, book.safetyNumber(added.id));
      }
      await store.table('settings').putJson(SETTINGS_KEY, settings);
      return await Client.#assemble(store, settings, options);
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  /**
   * Makes a one-time link code for a second device (client.md §12): registers a one-time alias at our
   * provider, then sends the sealed bundle (identity secrets, contacts) into it through the mixnet on
   * λP ticks. Needs the send streams (`sending`). The code is a secret: whoever holds it gets the account.
   */
  async createLinkCode(): Promise<string> {
    if (this.#closed) throw new ClientError('closed', 'client is closed');
    if (!this.#factory || !this.#scheduler) throw new ClientError('no-consensus', 'linking a device needs the send streams: wait for a verified consensus');
    const secret = this.#backend.randomBytes(LINK_SECRET_BYTES);
    const k = deriveLinkKeys(secret);
    const account = seedPair(k.accountSeed, this.#backend);
    const ctx = () => ({ backend: this.#backend, nowMs: this.#now() });
    await this.#http.postJson('/v1/devices', signedRegisterDevice(account, seedPair(k.deviceSeed, this.#backend), ctx()));
    await this.#http.postJson('/v1/aliases', signedRegisterAlias(k.aliasId, seedPair(k.aliasSeed, this.#backend), account, ctx()));
    const bundle = encodeLinkBundle({
      identity: encodeIdentity(this.identity),
      contacts: this.contacts.list().map((c) => ({ address: encodeAddress({ ...c.keys, provider: c.address.provider }), name: c.name, verified: c.verified })),
    });
    for (const body of sealLinkChunks(bundle, k.sealKey, this.#factory.bodyBytes)) {
      this.#linkQueue.push({ recipient: k.aliasId, body });
      this.#scheduler.enqueue(true);
    }
    return encodeLinkCode(secret);
  }

  /** Link bundle chunks (createLinkCode) not yet handed to the provider link. */
  get pendingLinkChunks(): number {
    return this.#linkQueue.length;
  }

  /**
   * Re-keys the client in `dataDir` (closed; client.md §13): a fresh identity replaces the current
   * one, which is kept to countersign the new keys under its published handle at the next start. The
   * new address must be shared again; contacts who pinned the old keys see 'key-changed'.
   */
  static async rotateIdentity(dataDir: string, passphrase: string, options: { readonly backend?: CryptoBackend } = {}): Promise<PublicIdentity> {
    const store = await SecureStore.open({ dir: dataDir, passphrase, mustExist: true });
    try {
      if (!store.table('settings').getJson<Settings>(SETTINGS_KEY)) throw new ClientError('not-bootstrapped', 'this data dir has no client settings');
      return publicIdentity(await rotateIdentity(store, options.backend ?? nodeBackend));
    } finally {
      await store.close();
    }
  }

  /** Restart: opens an existing data dir (WrongPassphraseError before anything is read). */
  static async open(dataDir: string, passphrase: string, options: Omit<ClientOptions, 'dataDir' | 'passphrase'> = {}): Promise<Client> {
    const store = await SecureStore.open({ dir: dataDir, passphrase, mustExist: true });
    try {
      const settings = store.table('settings').getJson<Settings>(SETTINGS_KEY);
      if (!settings || settings.v !== 1) throw new ClientError('not-bootstrapped', 'this data dir has no client settings: run bootstrap (strata client init) first');
      return await Client.#assemble(store, settings, { ...options, dataDir, passphrase });
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  static async #assemble(store: SecureStore, settings: Settings, options: ClientOptions): Promise<Client> {
    const backend = options.backend ?? nodeBackend;
    const identity = await loadOrCreateIdentity(store, backend);
    const keys = store.table('keys');
    const secret = async (name: string): Promise<Uint8Array> => {
      const v = keys.get(name);
      if (v !== undefined) return v;
      const fresh = backend.randomBytes(32);
      await keys.put(name, fresh);
      return fresh;
    };
    const device = await secret(DEVICE_KEY);
    const link = await secret(LINK_KEY);
    const now = options.now ?? Date.now;
    const g = options.geometry ?? DEFAULT_GEOMETRY;
    // Timeouts from the expected delays (client.md §8): forward route 5 hops, ACK route 4, mean 1/μ.
    const mu = settings.muPerSecond ?? DEFAULT_MU_PER_SECOND;
    const outbox = await Outbox.open(store, { now, policy: { hops: 5, ackHops: 4, meanHopDelayMs: 1000 / mu, ...(options.retry ?? {}) } });
    const inbound = await DurableReassembler.open(store, { now });
    const strangers = await DurableReassembler.open(store, { now, table: 'requests-inbound', limits: STRANGER_REASSEMBLY_LIMITS });
    const client = new Client(store, identity, settings, { device, link }, outbox, { contacts: inbound, strangers }, { ...options, backend, now, geometry: g });
    if (options.network !== false) {
      try {
        await client.start();
      } catch (err) {
        await client.close();
        throw err;
      }
    }
    return client;
  }

  /** This client's shareable address (`strata1…`). */
  get address(): string {
    return encodeAddress({
      ...publicIdentity(this.identity),
      provider: { url: this.#settings.providerUrl, nodeId: nodeIdOfIdentityKey(hexToBytes(this.#settings.providerIdentityKey)) },
    });
  }

  get providerName(): string {
    return this.#settings.providerName;
  }

  get stats(): ClientStats {
    return structuredClone(this.#stats);
  }

  /** True while the provider link is up. */
  get connected(): boolean {
    return this.#link !== undefined && !this.#link.closed;
  }

  /** The X25519 public key this client presents on the provider link. */
  get linkPublicKey(): Uint8Array {
    return linkKeyPairFromPrivateKey(this.#linkSecret).publicKey;
  }

  #drop(reason: ClientDropReason): void {
    this.#stats.dropped[reason] = (this.#stats.dropped[reason] ?? 0) + 1;
  }

  #warn(err: unknown): void {
    if (this.#closed) return;
    this.emit('warning', err instanceof Error ? err : new ClientLibError(String(err)));
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers = this.#timers.filter((x) => x !== t);
      if (!this.#closed) fn();
    }, ms);
    this.#timers.push(t);
  }

  // ---- Networking -----------------------------------------------------------------------------

  /**
   * Registers aliases (fatal if the provider refuses), starts polling, then fetches the consensus:
   * sending (send streams, SURB ids, the link) starts once a verified consensus names our provider,
   * retried every CONSENSUS_RETRY_MS until then. Receiving does not wait for it.
   */
  async start(): Promise<void> {
    if (this.#closed) throw new ClientError('closed', 'client is closed');
    await this.registerAliases();
    // client.md §13: publish our keys (never fatal: a provider without the route still serves us),
    // then check every contact's keys against its provider, now and every keyCheckIntervalMs.
    await this.publishIdentity().catch((e: unknown) => this.#warn(e));
    this.#scheduleKeyChecks(0);
    this.#schedulePoll(0);
    this.#scheduleSweep();
    await this.#consensusLoop();
  }

  async #consensusLoop(): Promise<void> {
    if (this.#closed) return;
    const epoch = this.#epochs.current();
    try {
      await this.refreshConsensus();
    } catch (err) {
      this.#warn(err);
      this.#later(CONSENSUS_RETRY_MS, () => void this.#consensusLoop());
      return;
    }
    if (!this.#scheduler) await this.#startSending();
    // Re-fetch just after the next epoch starts (keys rotate with the epoch).
    const wait = Math.max(1000, this.#epochs.msUntil(epoch + 1) + 500);
    this.#later(Math.min(wait, 2 ** 31 - 1), () => void this.#consensusLoop());
  }

  async #startSending(): Promise<void> {
    await this.#refillSurbs().catch((e: unknown) => this.#warn(e)); // packets still go out; their ACKs are lost
    if (this.#closed || this.#scheduler) return;
    const params = this.#consensus!.consensus.params;
    this.#scheduler = new SendScheduler<true>(
      this.#clock,
      this.#rng,
      { lambdaPPerS: params.lambdaPPerSecond, lambdaLPerS: params.lambdaLPerSecond, lambdaDPerS: params.lambdaDPerSecond },
      (ev) => this.#onTick(ev),
    );
    for (let i = 0; i < this.outbox.dueCount + this.#pollQueue.length + this.#linkQueue.length; i++) this.#scheduler.enqueue(true);
    this.#scheduler.start();
    void this.#connect();
  }

  /** The send rates in force (per second), from the latest verified consensus; undefined before. */
  get sendRates(): { lambdaPPerS: number; lambdaLPerS: number; lambdaDPerS: number } | undefined {
    return this.#scheduler?.rates;
  }

  /** True once a verified consensus is in force and the send streams run. */
  get sending(): boolean {
    return this.#scheduler !== undefined;
  }

  /** Fetches and verifies the consensus of the current epoch (k-of-n) and rebuilds the routing view. */
  async refreshConsensus(): Promise<VerifiedConsensus> {
    const epoch = this.#epochs.current();
    const { verified } = await this.#fetcher.fetch(epoch);
    const homeId = nodeIdOfIdentityKey(hexToBytes(this.#settings.providerIdentityKey));
    const view = routingView(verified.consensus, homeId, verified.consensus.epoch);
    this.#consensus = verified;
    const params = verified.consensus.params;
    const mu = params.muPerSecond;
    // A new consensus may change μ and the send rates (client.md §11.2): retransmit timeouts follow
    // 1/μ at once (unless the caller fixed the mean hop delay), and the running streams switch rates.
    if (this.#retryOverrides.meanHopDelayMs === undefined && this.outbox.policy.meanHopDelayMs !== 1000 / mu) this.outbox.updatePolicy({ meanHopDelayMs: 1000 / mu });
    this.#scheduler?.setRates({ lambdaPPerS: params.lambdaPPerSecond, lambdaLPerS: params.lambdaLPerSecond, lambdaDPerS: params.lambdaDPerSecond });
    if (this.#settings.muPerSecond !== mu) {
      this.#settings.muPerSecond = mu;
      await this.#store.table('settings').putJson(SETTINGS_KEY, this.#settings);
    }
    // A new epoch's consensus: the directory's view takes over again (client.md §11.5).
    if (this.#baseView?.epoch !== view.epoch) this.#health.reset();
    this.#baseView = view;
    this.#healthVersion = this.#health.version;
    if (this.#factory) this.#factory.setView(this.#health.filter(view));
    else this.#factory = new PacketFactory(this.#health.filter(view), { geometry: this.#g, rng: this.#rng });
    return verified;
  }

  /** Paths leave out the mixes MixHealth avoids (client.md §11.5), re-filtered when that set changes. */
  #applyHealth(): void {
    if (this.#health.version === this.#healthVersion || !this.#factory || !this.#baseView) return;
    this.#healthVersion = this.#health.version;
    this.#factory.setView(this.#health.filter(this.#baseView));
  }

  /** Hex node ids of the mixes left out of paths until the next consensus (they kept losing packets). */
  get avoidedMixes(): string[] {
    return this.#health.avoided;
  }

  #deviceFor(alias: OwnedAlias): SeedKeyPair {
    // One device key per (alias account, device): a shared device key would link the accounts.
    return seedPair(hkdf(sha256, this.#deviceSecret, DEVICE_SALT, alias.id, 32), this.#backend);
  }

  /** The aliases this client must hold now (own services, request alias, every contact's inbound alias). */
  #wantedAliases(): AliasEntry[] {
    const out: AliasEntry[] = [];
    const add = (alias: OwnedAlias, role: AliasRole, contactId?: string): void => {
      out.push({ alias, role, device: this.#deviceFor(alias), contactId });
    };
    const contacts = this.contacts.list();
    for (const e of epochsToRegister(this.#now(), this.#aliasPeriodMs)) {
      add(ownedServiceAlias(this.identity, 'loop', e, this.#backend), 'loop');
      add(ownedServiceAlias(this.identity, 'ack', e, this.#backend), 'ack');
      add(ownedRequestAlias(this.identity, e, this.#backend), 'request');
      for (const c of contacts) {
        add(inboundAlias(pairKey(this.identity, c.keys, this.#backend), this.identity, c.keys, e, this.#backend), 'contact', c.id);
      }
    }
    return out;
  }

  /** Registers (idempotently) every alias this client should hold with its provider. */
  async registerAliases(): Promise<number> {
    // Recompute only when the alias epoch or the contact list changed (this runs every poll round).
    const epochs = epochsToRegister(this.#now(), this.#aliasPeriodMs);
    const signature = `${epochs.join(',')}|${this.contacts.list().map((c) => c.id).join(',')}`;
    if (signature === this.#aliasSignature) return 0;
    const wanted = this.#wantedAliases();
    const keep = new Set(wanted.map((w) => bytesToHex(w.alias.id)));
    for (const key of [...this.#aliases.keys()]) if (!keep.has(key)) this.#aliases.delete(key); // rotated out
    let added = 0;
    for (const entry of wanted) {
      const key = bytesToHex(entry.alias.id);
      if (this.#aliases.has(key)) continue;
      const account = seedPair(entry.alias.accountSeed, this.#backend);
      const aliasKey = { seed: entry.alias.signingSeed, publicKey: entry.alias.signingPublicKey };
      // The current loop alias's device registration also carries our link key, which the provider
      // admits on its link (provider.md §2). A provider outside the mixnet refuses the field (400):
      // register without it.
      const carriesLinkKey = entry.role === 'loop' && entry.alias.epoch === aliasEpochAt(this.#now(), this.#aliasPeriodMs);
      const register = (withLink: boolean) =>
        this.#http.postJson('/v1/devices', signedRegisterDevice(account, entry.device, { backend: this.#backend, nowMs: this.#now() }, withLink ? this.linkPublicKey : undefined));
      if (carriesLinkKey) {
        await register(true).catch(async (err: unknown) => {
          if (!(err instanceof ProviderApiError) || err.status !== 400) throw err;
          this.#warn(err);
          await register(false);
        });
      } else await register(false);
      await this.#http.postJson('/v1/aliases', signedRegisterAlias(entry.alias.id, aliasKey, account, { backend: this.#backend, nowMs: this.#now() }));
      this.#aliases.set(key, entry);
      added++;
    }
    this.#aliasSignature = signature;
    return added;
  }

  // ---- Published identity and contact key checks (client.md §13) -------------------------------

  /**
   * Publishes our keys at our provider under their handle, and under the handle of every earlier
   * identity (after a re-key), countersigned by the keys that handle holds. Sent on a connection of its
   * own that carries no alias, account or device: the provider cannot tie the identity to an alias by
   * the request or its connection (the source address is the same: see client.md §13).
   */
  async publishIdentity(): Promise<void> {
    if (this.#closed) throw new ClientError('closed', 'client is closed');
    const http = new ProviderHttp(this.#settings.providerUrl, this.#settings.certSha256 ? { pinnedCertSha256: this.#settings.certSha256 } : {});
    try {
      const now = this.#now();
      await http.postJson(PUBLISH_IDENTITY_PATH, publishIdentityRequest(this.identity, identityHandle(this.identity), now, undefined, this.#backend));
      const lineage = loadPreviousIdentities(this.#store, this.#backend);
      for (const old of lineage) {
        const handle = identityHandle(old);
        const held = await this.#lookup(http, handle);
        if (held && sameIdentityKeys(held, this.identity)) continue;
        let holder = held ? [...lineage].reverse().find((i) => sameIdentityKeys(i, held)) : undefined;
        if (!held) {
          // Never published: the old keys claim their handle first (a rotation needs a holder).
          await http.postJson(PUBLISH_IDENTITY_PATH, publishIdentityRequest(old, handle, now - 1, undefined, this.#backend));
          holder = old;
        }
        if (!holder) {
          this.#warn(new ProviderApiError('bad-response', 'our provider holds keys we never had under one of our handles'));
          continue;
        }
        await http.postJson(PUBLISH_IDENTITY_PATH, publishIdentityRequest(this.identity, handle, now, holder, this.#backend));
      }
    } finally {
      http.close();
    }
  }

  /** The keys `http`'s provider publishes under `handle` (checked signature), or undefined if none. */
  async #lookup(http: ProviderHttp, handle: Uint8Array): Promise<PublicIdentity | undefined> {
    try {
      return parsePublishedIdentity(await http.postJson(LOOKUP_IDENTITY_PATH, { handle: b64url(handle) }), handle, this.#backend).keys;
    } catch (err) {
      if (err instanceof ProviderApiError && err.status === 404 && err.providerReason === 'unknown_identity') return undefined;
      throw err;
    }
  }

  /**
   * Checks contacts' pinned keys (one contact, or all) against what their providers publish under the
   * handle of the pinned keys: equal → confirmed (`providerConfirmedAtMs`); different → flagged
   * (`trust: 'key-changed'`, ContactBook.observeKeys). Each contact's provider is reached at the URL
   * of its address and must prove the node id the address names (signed well-known).
   */
  async checkContactKeys(contactId?: string): Promise<KeyCheck[]> {
    if (this.#closed) throw new ClientError('closed', 'client is closed');
    const one = contactId === undefined ? undefined : this.contacts.get(contactId);
    if (contactId !== undefined && !one) throw new ClientError('unknown-contact', 'no such contact');
    const contacts = one ? [one] : this.contacts.list();
    const homeId = nodeIdOfIdentityKey(hexToBytes(this.#settings.providerIdentityKey));
    const out: KeyCheck[] = [];
    for (const c of contacts) {
      // A connection of its own (not the kept-alive one our polls use): the lookup is not tied to our
      // aliases by connection. Our own provider's certificate is pinned; another must prove the
      // node id the contact's address names.
      const ours = ctEqualBytes(c.address.provider.nodeId, homeId) && c.address.provider.url === this.#settings.providerUrl;
      const http = new ProviderHttp(c.address.provider.url, ours && this.#settings.certSha256 ? { pinnedCertSha256: this.#settings.certSha256 } : {});
      try {
        if (!ours) await http.wellKnown(c.address.provider.nodeId, this.#backend);
        const held = await this.#lookup(http, identityHandle(c.keys));
        out.push({ contactId: c.id, result: held ? await this.contacts.observeKeys(c.id, held, 'provider') : 'unpublished' });
      } catch (err) {
        this.#warn(err);
        out.push({ contactId: c.id, result: 'failed' });
      } finally {
        http.close();
      }
    }
    return out;
  }

  /** Adds a contact by address (keys pinned on first use) and checks its keys against its provider. */
  async addContact(address: string, name: string): Promise<{ contact: Contact; check: KeyCheck['result'] }> {
    const contact = await this.contacts.add(address, name);
    const [check] = await this.checkContactKeys(contact.id);
    return { contact: this.contacts.get(contact.id) ?? contact, check: check.result };
  }

  #scheduleKeyChecks(ms: number): void {
    this.#later(ms, () => {
      void this.checkContactKeys()
        .catch((e: unknown) => this.#warn(e))
        .finally(() => this.#scheduleKeyChecks(this.#keyCheckIntervalMs));
    });
  }

  #currentServiceAlias(kind: 'loop' | 'ack'): OwnedAlias {
    // Called for every packet: derive once per alias epoch (HKDF + two Ed25519 key derivations).
    const epoch = aliasEpochAt(this.#now(), this.#aliasPeriodMs);
    const cached = this.#serviceAliases[kind];
    if (cached?.epoch === epoch) return cached;
    const fresh = ownedServiceAlias(this.identity, kind, epoch, this.#backend);
    this.#serviceAliases[kind] = fresh;
    return fresh;
  }

  async #refillSurbs(): Promise<void> {
    if (this.#refilling) return this.#refilling;
    const ack = this.#currentServiceAlias('ack');
    const ids = Array.from({ length: SURB_POOL_BATCH }, () => this.#backend.randomBytes(SURB_ID_BYTES));
    // Ids are consumed at the constant total send rate, so this registration rate does not depend on
    // real traffic; their lifetime keeps about SURB_IDS_OUTSTANDING registered at once.
    const p = this.#consensus?.consensus.params;
    const ratePerS = p ? p.lambdaPPerSecond + p.lambdaLPerSecond + p.lambdaDPerSecond : 4;
    const expiresAtMs = this.#now() + Math.min(MAX_SURB_LIFETIME_MS, Math.round((SURB_IDS_OUTSTANDING / Math.max(ratePerS, 0.01)) * 1000));
    this.#refilling = this.#http
      .postJson('/v1/surbs', signedRegisterSurbs(ack.id, { seed: ack.signingSeed, publicKey: ack.signingPublicKey }, ids, expiresAtMs, { backend: this.#backend, nowMs: this.#now() }))
      .then(() => {
        this.#surbPool.push(...ids);
      })
      .finally(() => {
        this.#refilling = undefined;
      });
    return this.#refilling;
  }

  #takeSurbId(): Uint8Array {
    if (this.#surbPool.length < SURB_POOL_BATCH / 2 && this.#now() >= this.#surbRetryAtMs) {
      void this.#refillSurbs().catch((e: unknown) => {
        this.#surbRetryAtMs = this.#now() + SURB_REFILL_BACKOFF_MS; // e.g. 429 surb_quota: do not hammer
        this.#warn(e);
      });
    }
    // An empty pool still sends a packet (an unregistered id: its ACK is dropped, the fragment is resent).
    return this.#surbPool.pop() ?? this.#backend.randomBytes(SURB_ID_BYTES);
  }

  async #connect(): Promise<void> {
    if (this.#closed || this.#dialing || this.connected) return;
    const homeId = nodeIdOfIdentityKey(hexToBytes(this.#settings.providerIdentityKey));
    const desc = this.#consensus?.consensus.providers.find((p) => bytesToHex(p.descriptor.nodeId) === bytesToHex(homeId))?.descriptor;
    const addr = desc?.linkAddresses[0];
    const m = addr ? /^tcp:\/\/(.+):(\d+)$/.exec(addr) : null;
    if (!desc || !m) {
      this.#warn(new ClientError('no-route', 'our provider publishes no link address'));
      return;
    }
    this.#dialing = true;
    try {
      const link = await dialLink({
        host: m[1].replace(/^\[|\]$/g, ''),
        port: Number(m[2]),
        staticKey: linkKeyPairFromPrivateKey(this.#linkSecret),
        expectedPeerKey: desc.linkKey,
        frameBytes: frameBytesForBody(this.#g.packetLength),
      });
      if (this.#closed) {
        link.close();
        return;
      }
      this.#link = link;
      link.on('close', () => {
        this.#link = undefined;
        this.#later(1000, () => void this.#connect());
      });
    } catch (err) {
      this.#warn(err);
      this.#later(2000, () => void this.#connect());
    } finally {
      this.#dialing = false;
    }
  }

  // ---- Sending ----------------------------------------------------------------------------------

  /**
   * Queues `body` (bytes or UTF-8 text) for the contact `contactId`. Resolves with the message id once
   * the message is durable in the outbox; it then leaves on the λP stream, one fragment per tick.
   */
  async send(contactId: string, body: Uint8Array | string): Promise<string> {
    if (this.#closed) throw new ClientError('closed', 'client is closed');
    const contact = this.contacts.get(contactId);
    if (!contact) throw new ClientError('unknown-contact', 'no such contact');
    const bytes = typeof body === 'string' ? utf8ToBytes(body) : body;
    assertBytes(bytes, 'send.body');
    const id = await this.outbox.enqueue(contact.id, bytes, this.budget.fragmentDataBytes);
    const st = this.outbox.status(id);
    for (let i = 0; i < (st?.fragments ?? 0); i++) this.#scheduler?.enqueue(true);
    return id;
  }

  status(messageId: string): MessageStatus | undefined {
    return this.outbox.status(messageId);
  }

  #onTick(ev: SendEvent<true>): void {
    this.#stats.ticks++;
    void this.#emitPacket(ev.kind, ev.atMs)
      .catch((err: unknown) => {
        this.#drop('build_failed');
        this.#warn(err);
      })
      .finally(() => void this.#stats.ticksDone++);
  }

  #recipientAlias(contact: Contact): Uint8Array {
    const epoch = aliasEpochAt(this.#now(), this.#aliasPeriodMs);
    // Until the contact has written to us we cannot know it holds us as a contact: write to its
    // request alias (its allow list decides), then to our pairwise alias.
    if (this.#store.table('settings').has(`heard:${contact.id}`)) {
      return outboundAlias(pairKey(this.identity, contact.keys, this.#backend), this.identity, contact.keys, epoch).id;
    }
    return requestAliasId(contact.keys, epoch);
  }

  async #emitPacket(kind: SendEvent<true>['kind'], atMs: number): Promise<void> {
    const factory = this.#factory;
    if (!factory) return this.#drop('no_route');
    const link = this.#link;
    if (!link || link.closed) {
      // Nothing reaches the wire without the link: a real slot's work stays queued (its token goes
      // back), rather than spending a fragment's attempt and waiting out its ACK timeout.
      if (kind === 'real') this.#scheduler?.enqueue(true);
      return this.#drop('no_link');
    }
    let destination: RouteNode;
    let recipient: Uint8Array;
    let body: Uint8Array;
    let pending: PendingAck;
    const now = this.#now();
    if (kind === 'real' && this.#pollQueue.length > 0) return this.#emitPoll(factory, this.#pollQueue.shift()!, atMs);
    const linkChunk = kind === 'real' ? this.#linkQueue.shift() : undefined;
    const fragment = kind === 'real' && !linkChunk ? await this.outbox.takeNext() : undefined;
    const contact = fragment ? this.contacts.get(fragment.recipient) : undefined;
    const target = contact ? findProvider(factory.view, contact.address.provider.nodeId) : undefined;
    if (linkChunk) {
      destination = factory.view.home;
      recipient = linkChunk.recipient;
      body = linkChunk.body;
      pending = { kind: 'cover', expiresAtMs: now + 2 * 60_000, surbKeys: EMPTY };
    } else if (fragment && contact && target) {
      destination = target;
      recipient = this.#recipientAlias(contact);
      body = sealEnvelope(this.identity, contact.keys, fragment.bytes, this.budget.envelopeBytes, this.#backend);
      pending = { kind: 'fragment', messageId: fragment.messageId, index: fragment.index, expiresAtMs: fragment.deadlineMs + 60_000, surbKeys: EMPTY };
    } else {
      if (fragment) this.#drop('no_route'); // taken but unroutable: its deadline passes and it is resent
      const loop = kind === 'loop';
      destination = loop ? factory.view.home : factory.randomProvider();
      recipient = loop ? this.#currentServiceAlias('loop').id : this.#backend.randomBytes(32);
      body = this.#backend.randomBytes(factory.bodyBytes); // cover: random bytes of the same size
      pending = { kind: 'cover', expiresAtMs: now + 2 * 60_000, surbKeys: EMPTY };
    }
    // Every packet takes a SURB id, drops too: the id registration rate must not depend on real traffic.
    const surbId = this.#takeSurbId();
    const sentAs = linkChunk || (fragment && contact && target) ? 'real' : kind === 'loop' ? 'loop' : 'drop';
    let packet: Uint8Array;
    let mixes: readonly Uint8Array[] = NO_MIXES;
    if (sentAs === 'drop') packet = factory.buildDrop(destination, recipient, body); // no ACK can come back (packets.ts)
    else {
      const built = factory.build(destination, recipient, body, this.#currentServiceAlias('ack').id, surbId);
      this.#acks.set(bytesToHex(surbId), { ...pending, surbKeys: built.ack.surbKeys, mixes: built.mixes, lostAtMs: now + retransmitTimeoutMs(this.outbox.policy, 1) });
      packet = built.packet;
      mixes = built.mixes;
    }
    if (link.closed) return this.#drop('no_link');
    this.#stats.sent[sentAs]++;
    try {
      await link.send({ kind: 'SendPacket', packet });
      this.emit('wire', { atMs, bytes: packet.length, mixes });
    } catch {
      this.#drop('link_send_failed');
    }
  }

  /**
   * payload.md §4: a poll of one of our aliases as a real message to our own provider's
   * `Recipient(POLL_SERVICE_ID)`; the SURB-ACK slot carries the SURB its answer comes back by, into
   * our ack alias. It rides a λP tick, so the wire pattern does not change.
   */
  async #emitPoll(factory: PacketFactory, aliasKey: string, atMs: number): Promise<void> {
    const entry = this.#aliases.get(aliasKey);
    if (!entry) return; // rotated out since it was queued
    const ts = this.#now();
    const ids = (this.#pollAcks.get(aliasKey) ?? []).slice(0, maxAnonymousAckIds(factory.bodyBytes));
    this.#pollAcks.delete(aliasKey);
    const a = entry.alias;
    const device = entry.device.publicKey;
    const nonce = this.#backend.randomBytes(REQUEST_NONCE_BYTES);
    let ack: AnonymousPollRequest['ack'] = null;
    if (ids.length > 0) {
      const ackNonce = this.#backend.randomBytes(REQUEST_NONCE_BYTES);
      ack = { nonce: ackNonce, ids, signature: this.#backend.ed25519Sign(anonymousAckSigningBytes(a.id, device, ids, ts, ackNonce), a.signingSeed) };
    }
    const signature = this.#backend.ed25519Sign(anonymousPollSigningBytes(a.id, device, ts, nonce), a.signingSeed);
    const body = encodeAnonymousPollBody({ alias: a.id, device, timestampMs: ts, nonce, signature, ack }, factory.bodyBytes);
    const surbId = this.#takeSurbId();
    const built = factory.build(factory.view.home, POLL_SERVICE_ID, body, this.#currentServiceAlias('ack').id, surbId);
    this.#acks.set(bytesToHex(surbId), { kind: 'poll', aliasKey, expiresAtMs: ts + 2 * 60_000, surbKeys: built.ack.surbKeys, mixes: built.mixes, lostAtMs: ts + retransmitTimeoutMs(this.outbox.policy, 1) });
    const link = this.#link;
    if (!link || link.closed) {
      if (ids.length > 0) this.#pollAcks.set(aliasKey, ids);
      return this.#drop('no_link');
    }
    this.#stats.sent.poll++;
    try {
      await link.send({ kind: 'SendPacket', packet: built.packet });
      this.emit('wire', { atMs, bytes: built.packet.length, mixes: built.mixes });
    } catch {
      this.#drop('link_send_failed');
    }
  }

  #queueAnonymousPoll(aliasKey: string): void {
    if (this.#pollQueue.includes(aliasKey)) return;
    this.#pollQueue.push(aliasKey);
    this.#scheduler?.enqueue(true);
  }

  /** The answer to an anonymous poll: a fixed-size poll response (provider.md §5) in the SURB reply. */
  async #handlePollReply(aliasKey: string, plain: Uint8Array): Promise<void> {
    const entry = this.#aliases.get(aliasKey);
    if (!entry) return;
    let res;
    try {
      const m = this.#settings.messageBytes;
      res = decodePollResponse(plain.subarray(0, pollResponseBytes(anonymousPollEntries(this.#g.forwardPayloadLength, m), m)));
    } catch {
      return this.#drop('bad_poll_reply');
    }
    this.#stats.anonymousPollReplies++;
    for (const e of res.entries) await this.#handleEntry(entry, e.payload);
    if (res.entries.length > 0) this.#pollAcks.set(aliasKey, [...(this.#pollAcks.get(aliasKey) ?? []), ...res.entries.map((e) => e.id)]);
    if (res.more) this.#queueAnonymousPoll(aliasKey);
  }

  #scheduleSweep(): void {
    const next = this.outbox.nextDeadlineMs();
    const wait = next === undefined ? 1000 : Math.max(50, Math.min(1000, next - this.#now()));
    this.#later(wait, () => {
      void this.outbox
        .sweep()
        .then(({ retried }) => {
          for (let i = 0; i < retried; i++) this.#scheduler?.enqueue(true);
          const now = this.#now();
          for (const [k, p] of this.#acks) {
            if (p.mixes && !p.lost && p.lostAtMs! < now) {
              p.lost = true; // client.md §11.5: its ACK is overdue — blame the route
              this.#health.lost(p.mixes);
            }
            if (p.expiresAtMs < now) this.#acks.delete(k);
          }
          this.#applyHealth();
          void this.#strangers.expire().catch((e: unknown) => this.#warn(e));
        })
        .catch((e: unknown) => this.#warn(e))
        .finally(() => this.#scheduleSweep());
    });
  }

  // ---- Receiving ------------------------------------------------------------------------------

  #schedulePoll(ms: number): void {
    if (this.#closed) return;
    this.#pollTimer = setTimeout(() => {
      // Mid-epoch, the previous and next alias epochs' aliases are polled every NEIGHBOUR_EPOCH_POLL_EVERY
      // rounds only (they carry mail only around a rotation): idle CPU is mostly packets and polls.
      this.#polling = this.#queueRound(this.#scheduledRounds++ % NEIGHBOUR_EPOCH_POLL_EVERY === 0)
        .then(() => undefined)
        .catch((e: unknown) => this.#warn(e))
        .finally(() => {
          this.#polling = undefined;
          this.#schedulePoll(this.#pollIntervalMs);
        });
    }, ms);
  }

  /** One polling round over every alias (fixed-size responses; the schedule does not depend on traffic). */
  async pollOnce(): Promise<number> {
    return this.#queueRound(true);
  }

  #queueRound(everyAlias: boolean): Promise<number> {
    // One round at a time: a round started while another runs waits for it (no double processing).
    const run = this.#pollChain.then(() => this.#pollRound(everyAlias));
    this.#pollChain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #pollRound(everyAlias: boolean): Promise<number> {
    if (this.#closed) return 0;
    await this.registerAliases().catch((e: unknown) => this.#warn(e));
    const now = this.#now();
    const current = aliasEpochAt(now, this.#aliasPeriodMs);
    const intoEpochMs = now - current * this.#aliasPeriodMs;
    // Near a rotation (either side) mail and ACKs still reach the neighbouring epochs' aliases: all of them, every round.
    const nearRotation = intoEpochMs < ALIAS_ROTATION_GRACE_MS || this.#aliasPeriodMs - intoEpochMs < ALIAS_ROTATION_GRACE_MS;
    let handled = 0;
    for (const [key, entry] of [...this.#aliases.entries()]) {
      if (this.#pollMode === 'anonymous' && (entry.role === 'contact' || entry.role === 'request')) {
        this.#queueAnonymousPoll(key);
        continue;
      }
      if (!everyAlias && !nearRotation && entry.alias.epoch !== current) continue;
      for (let round = 0; round < MAX_POLLS_PER_ALIAS_ROUND && !this.#closed; round++) {
        const aliasKey = { seed: entry.alias.signingSeed, publicKey: entry.alias.signingPublicKey };
        let res;
        try {
          const bytes = await this.#http.postForBytes('/v1/poll', signedPoll(entry.alias.id, aliasKey, entry.device.publicKey, { backend: this.#backend, nowMs: this.#now() }));
          res = decodePollResponse(bytes);
        } catch (err) {
          this.#drop('poll_failed');
          this.#warn(err);
          break;
        }
        this.#stats.polls++;
        if (res.entries.length === 0) break;
        for (const e of res.entries) await this.#handleEntry(entry, e.payload);
        handled += res.entries.length;
        await this.#http.postJson('/v1/ack', signedAck(entry.alias.id, aliasKey, entry.device.publicKey, res.entries.map((e) => e.id), { backend: this.#backend, nowMs: this.#now() }));
        if (!res.more) break;
      }
    }
    return handled;
  }

  /**
   * A SURB-ACK arrives as the parts of its SURB reply (provider.md §9: surbId ‖ index ‖ count ‖ part).
   * Once every part is in, the reply must decrypt with the keys kept for that SURB and show the zero
   * tag (Sphinx SURB payload check): only then is the fragment "stored at the recipient's provider".
   */
  async #handleAckPart(entry: Uint8Array): Promise<void> {
    let part;
    try {
      part = decodeSurbReplyEntry(entry);
    } catch {
      return this.#drop('unknown_surb');
    }
    const key = bytesToHex(part.surbId);
    const p = this.#acks.get(key);
    if (!p) return this.#drop('unknown_surb');
    // Array.from, not new Array(n): holes are skipped by some()/every().
    p.parts ??= Array.from({ length: part.count }, () => undefined);
    if (p.parts.length !== part.count) return this.#drop('unknown_surb');
    p.parts[part.index] = part.part.slice();
    for (let i = 0; i < p.parts.length; i++) if (p.parts[i] === undefined) return;
    this.#acks.delete(key);
    let plain: Uint8Array;
    try {
      const reply = joinSurbReplyParts(p.parts as Uint8Array[], this.#g.payloadTagLength + this.#g.forwardPayloadLength);
      plain = decryptSurbPayload(this.#g, reply, p.surbKeys);
    } catch {
      return this.#drop('bad_ack');
    }
    if (p.mixes) {
      this.#health.acked(p.mixes); // every mix on both routes works
      this.#applyHealth();
    }
    if (p.kind === 'poll') return this.#handlePollReply(p.aliasKey, plain);
    this.#stats.acks++;
    if (p.kind === 'fragment') await this.outbox.ack(p.messageId, p.index).catch((e: unknown) => this.#warn(e));
  }

  async #handleEntry(entry: AliasEntry, payload: Uint8Array): Promise<void> {
    if (entry.role === 'loop') {
      this.#stats.loopsReturned++;
      return;
    }
    if (entry.role === 'ack') return this.#handleAckPart(payload);
    let opened;
    try {
      opened = openEnvelope(this.identity, payload, this.#backend);
    } catch {
      return this.#drop('bad_envelope');
    }
    const contact = this.contacts.allowed(opened.senderEd25519PublicKey);
    if (!contact) {
      // A stranger's message is reassembled on its own (bounded) and queued once, whole.
      let whole;
      try {
        whole = await this.#strangers.accept(`stranger:${bytesToHex(opened.senderEd25519PublicKey)}`, opened.body);
      } catch {
        return this.#drop('request_refused');
      }
      if (whole.status !== 'complete') return;
      try {
        await this.contacts.queueRequest(opened.senderEd25519PublicKey, whole.message);
        this.emit('request', { senderEd25519PublicKey: opened.senderEd25519PublicKey });
      } catch {
        this.#drop('request_refused');
      }
      return;
    }
    const settings = this.#store.table('settings');
    if (!settings.has(`heard:${contact.id}`)) await settings.putJson(`heard:${contact.id}`, this.#now());
    let result;
    try {
      result = await this.#inbound.accept(contact.id, opened.body);
    } catch {
      return this.#drop('bad_fragment');
    }
    if (result.status !== 'complete') return;
    const msg: DeliveredMessage = { from: contact.id, messageId: bytesToHex(result.messageId), body: result.message, receivedAtMs: this.#now() };
    await this.#store.table('history').putJson(`m:${String(this.#now()).padStart(15, '0')}:${msg.messageId}`, { from: msg.from, messageId: msg.messageId, body: Buffer.from(msg.body).toString('base64'), receivedAtMs: msg.receivedAtMs, read: false });
    this.#stats.delivered++;
    this.emit('message', msg);
  }

  /** Delivered messages kept in the store (oldest first); `markRead` flags them as read. */
  async history(options: { unreadOnly?: boolean; markRead?: boolean } = {}): Promise<DeliveredMessage[]> {
    const table = this.#store.table('history');
    const out: DeliveredMessage[] = [];
    const entries = [...table.jsonEntries<{ from: string; messageId: string; body: string; receivedAtMs: number; read: boolean }>()].sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [key, j] of entries) {
      if (options.unreadOnly && j.read) continue;
      out.push({ from: j.from, messageId: j.messageId, body: new Uint8Array(Buffer.from(j.body, 'base64')), receivedAtMs: j.receivedAtMs });
      if (options.markRead && !j.read) await table.putJson(key, { ...j, read: true });
    }
    return out;
  }

  /** Stops every stream and timer, closes the link and the store. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#scheduler?.stop();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers = [];
    if (this.#pollTimer) clearTimeout(this.#pollTimer);
    await this.#polling?.catch(() => undefined);
    await this.#pollChain;
    await this.#refilling?.catch(() => undefined);
    this.#link?.close();
    this.#http.close();
    await this.outbox.flush().catch(() => undefined);
    await this.#store.close();
  }
}

/** Polls the one-time link alias until every chunk of the bundle is in (acknowledging what it read). */
async function fetchLinkChunks(http: ProviderHttp, k: LinkKeys, backend: CryptoBackend, timeoutMs: number, intervalMs: number): Promise<Uint8Array[]> {
  const aliasKey = seedPair(k.aliasSeed, backend);
  const device = seedPair(k.deviceSeed, backend);
  const got = new Map<number, Uint8Array>();
  let count = 0;
  const end = Date.now() + timeoutMs;
  for (;;) {
    let res;
    try {
      res = decodePollResponse(await http.postForBytes('/v1/poll', signedPoll(k.aliasId, aliasKey, device.publicKey, { backend, nowMs: Date.now() })));
    } catch (err) {
      // The first device registers the alias before it shows the code: an unknown alias (401
      // bad_signature, provider.md §3) or device (403) means a wrong code.
      if (err instanceof ProviderApiError && (err.status === 403 || err.providerReason === 'bad_signature')) throw new ClientError('bad-link-code', 'the provider knows no link alias for this code');
      throw err;
    }
    for (const e of res.entries) {
      try {
        const c = decodeLinkChunk(e.payload);
        count = c.count;
        got.set(c.index, c.sealed.slice());
      } catch {
        /* not a chunk of this bundle: ignored (it is acknowledged below) */
      }
    }
    if (res.entries.length > 0) await http.postJson('/v1/ack', signedAck(k.aliasId, aliasKey, device.publicKey, res.entries.map((e) => e.id), { backend, nowMs: Date.now() }));
    if (count > 0 && got.size === count) return Array.from({ length: count }, (_, i) => got.get(i)!);
    if (Date.now() > end) throw new ClientError('link-timeout', 'the link bundle did not arrive in time (a spent or expired code?)');
    if (!res.more) await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function sameIdentityKeys(a: PublicIdentity, b: PublicIdentity): boolean {
  return ctEqualBytes(a.ed25519PublicKey, b.ed25519PublicKey) && ctEqualBytes(a.x25519PublicKey, b.x25519PublicKey);
}

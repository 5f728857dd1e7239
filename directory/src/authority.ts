// One directory authority: accepts descriptor uploads, runs the vote → reveal → sign exchange
// with its peers on the schedule (schedule.ts), and publishes the threshold-signed document.
// All state lives in LMDB (store.ts), so a restarted authority resumes where it stopped.
import { randomBytes } from 'node:crypto';
import {
  ConsensusFetcher,
  DescriptorError,
  Ed25519Signer,
  EpochClock,
  decodeSignedDescriptor,
  encodeConsensus,
  encodeSignedConsensusJson,
  ed25519Verify,
  fromBase64,
  fromHex,
  majorityThreshold,
  readKeyFile,
  signConsensus,
  toHex,
  type ConsensusSignature,
  type Logger,
  type SignedConsensusJson,
  type StrataMetrics,
} from '@strata/core';
import { tally } from './agreement.js';
import type { DirectoryConfig } from './config.js';
import { RequestError } from './errors.js';
import {
  commitTo,
  decodeReveal,
  decodeVote,
  encodeReveal,
  encodeVote,
  ExchangeError,
  REVEAL_BYTES,
  revealMatches,
  VOTE_MAGIC,
  type Vote,
} from './messages.js';
import { PeerPusher } from './peers.js';
import { AuthorityStore } from './store.js';
import { buildingEpoch, scheduleFor, uploadOpen, type EpochSchedule } from './schedule.js';

export const MAX_DESCRIPTORS_PER_EPOCH = 4096;

export type Phase = 'upload' | 'vote' | 'reveal' | 'sign' | 'published' | 'failed';

export interface SignatureMessage {
  epoch: number;
  authority: string;
  signature: string;
}

export class Authority {
  readonly signer: Ed25519Signer;
  readonly selfHex: string;
  readonly threshold: number;
  readonly store: AuthorityStore;
  readonly clock: EpochClock;
  private readonly authorityKeys: Set<string>;
  private readonly peers: PeerPusher[];
  private readonly fetcher: ConsensusFetcher | undefined;
  private readonly fetchAttempted = new Map<number, number>();
  private readonly finalized = new Set<number>();
  /** Epochs whose closed sets were tallied in this process. */
  private readonly tallied = new Set<number>();
  /** Decoded votes by `${epoch}/${author}` (votes are immutable once stored). */
  private readonly voteCache = new Map<string, Vote>();
  /** Epochs with signatures not yet counted. */
  private readonly sigsDirty = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private lastPruneEpoch = -1;
  private lastPublishedEpoch = -1;

  private readonly uploads;
  private readonly rejected;
  private readonly messages;
  private readonly documents;
  private readonly agreement;
  private readonly equivocations;

  constructor(
    readonly config: DirectoryConfig,
    readonly logger: Logger,
    readonly metrics: StrataMetrics,
    options: { clock?: EpochClock } = {},
  ) {
    this.signer = new Ed25519Signer(readKeyFile(config.identityKeyFile, 'ed25519-identity').privateKey);
    this.selfHex = toHex(this.signer.publicKey);
    this.authorityKeys = new Set(config.authorities.map((a) => toHex(a.identityKey)));
    if (!this.authorityKeys.has(this.selfHex)) {
      throw new RequestError(500, 'config', 'this authority\'s identity key is not in the authorities list');
    }
    this.threshold = majorityThreshold(config.authorities.length);
    this.clock = options.clock ?? new EpochClock({ lengthMs: config.epoch.lengthMs, genesisMs: config.epoch.genesisMs });
    this.store = new AuthorityStore(config.dataDir);

    this.uploads = metrics.counter('uploads', 'Descriptor uploads by result', ['result'] as const);
    this.rejected = metrics.counter('rejected', 'Requests refused, by route and reason', ['route', 'reason'] as const);
    this.messages = metrics.counter('peer_messages', 'Peer messages accepted, by kind', ['kind'] as const);
    this.documents = metrics.counter('documents', 'Epoch outcomes: published (own), adopted (from peers), failed', ['result'] as const);
    this.agreement = metrics.histogram('agreement', 'Time from upload close to a threshold-signed document', [], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 150, 300, 600]);
    this.equivocations = metrics.counter('equivocations', 'Conflicting messages from one authority for one epoch');
    const pushes = metrics.counter('pushes', 'Messages pushed to peers, by outcome', ['result'] as const);

    const others = config.authorities.filter((a) => toHex(a.identityKey) !== this.selfHex);
    const maxBackoffMs = Math.max(50, Math.floor(config.schedule.votePhaseMs / 4));
    this.peers = others.map((p) => new PeerPusher(p.url, { timeoutMs: config.limits.requestTimeoutMs, maxBackoffMs, logger, outcome: pushes, now: () => this.clock.now() }));
    this.fetcher =
      others.length > 0
        ? new ConsensusFetcher({
            authorityUrls: others.map((p) => p.url),
            trustedAuthorityKeys: config.authorities.map((a) => a.identityKey),
            threshold: this.threshold,
            maxStaleEpochs: 0,
            timeoutMs: config.limits.requestTimeoutMs,
            metrics,
          })
        : undefined;
  }

  // ---------------------------------------------------------------- lifecycle

  start(): void {
    const e = buildingEpoch(this.clock, this.clock.now());
    // Re-send our own messages of the epoch in progress (peers treat duplicates as no-ops).
    const s = scheduleFor(this.clock, this.config.schedule, e);
    const vote = this.store.get('vote', e, this.selfHex);
    if (vote) this.broadcast('/v1/exchange/vote', { message: Buffer.from(vote).toString('base64') }, s.epochStartMs);
    const reveal = this.store.get('reveal', e, this.selfHex);
    if (reveal) this.broadcast('/v1/exchange/reveal', { message: Buffer.from(reveal).toString('base64') }, s.epochStartMs);
    const sig = this.store.get('sig', e, this.selfHex);
    if (sig && this.store.get('doc', e)) this.broadcast('/v1/exchange/signature', this.signatureMessage(e, sig), s.epochStartMs);
    this.sigsDirty.add(e);
    this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.tick().finally(() => {
        if (this.timer) this.schedule();
      });
    }, this.config.schedule.tickMs);
  }

  async stop(): Promise<void> {
    const t = this.timer;
    this.timer = undefined;
    if (t) clearTimeout(t);
    for (const p of this.peers) p.stop();
    while (this.ticking) await new Promise((r) => setTimeout(r, 5));
    await this.store.close();
  }

  // ---------------------------------------------------------------- state machine

  /** One step of the schedule for the epoch being built; safe to call at any time. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = this.clock.now();
      const current = this.clock.epochAt(now);
      if (current !== this.lastPruneEpoch) {
        this.lastPruneEpoch = current;
        this.store.prune(current - this.config.limits.keepEpochs);
      }
      const building = buildingEpoch(this.clock, now);
      await this.finalize(building - 1, now);
      await this.advance(building, now);
    } catch (err) {
      this.logger.error({ err }, 'tick failed');
    } finally {
      this.ticking = false;
    }
  }

  phase(epoch: number, now = this.clock.now()): Phase {
    if (this.store.get('published', epoch)) return 'published';
    if (this.store.get('failed', epoch)) return 'failed';
    const s = scheduleFor(this.clock, this.config.schedule, epoch);
    if (now < s.uploadCloseMs) return 'upload';
    if (!this.store.get('voteset', epoch)) return 'vote';
    if (!this.store.get('revealset', epoch)) return 'reveal';
    return 'sign';
  }

  private async advance(e: number, now: number): Promise<void> {
    const s = scheduleFor(this.clock, this.config.schedule, e);
    if (now < s.uploadCloseMs) return;
    if (this.store.get('published', e)) {
      if (this.sigsDirty.delete(e)) this.refreshPublished(e, s); // late signatures
      return;
    }
    if (this.store.get('failed', e)) return;

    // Vote: our accepted descriptors and a commitment to a fresh secret. An authority that
    // (re)starts after the vote deadline sits the epoch out and adopts the peers' document.
    const voted = this.store.get('vote', e, this.selfHex) !== undefined;
    if (!voted && now >= s.voteDeadlineMs) {
      await this.adoptFromPeers(e, s, now);
      return;
    }
    if (!voted) {
      let secret = this.store.get('secret', e);
      if (!secret) {
        secret = new Uint8Array(randomBytes(REVEAL_BYTES));
        this.store.put('secret', e, '', secret);
      }
      const descriptors = this.store.list('desc', e).map(([, b]) => decodeSignedDescriptor(b, { epoch: e, verifySignature: false }));
      const vote = encodeVote(e, commitTo(e, this.signer.publicKey, secret), descriptors, this.signer);
      this.store.put('vote', e, this.selfHex, vote.encoded);
      this.logger.info({ epoch: e, descriptors: descriptors.length }, 'voted');
      this.broadcast('/v1/exchange/vote', { message: Buffer.from(vote.encoded).toString('base64') }, s.epochStartMs);
    }

    // Close the vote set when every authority voted or at the deadline; then reveal.
    if (!this.store.get('voteset', e)) {
      let authors = this.store.list('vote', e).map(([id]) => id);
      if (authors.length < this.authorityKeys.size && now < s.voteDeadlineMs) return;
      if (authors.length < this.authorityKeys.size) {
        // Deadline: before closing, ask the peers for votes that reached them but not us.
        await this.pullMissing('vote', e, [...this.authorityKeys].filter((a) => !authors.includes(a)));
        if (this.store.get('voteset', e)) return;
        authors = this.store.list('vote', e).map(([id]) => id);
      }
      this.store.putString('voteset', e, '', JSON.stringify(authors.sort()));
      this.logger.info({ epoch: e, votes: authors.length }, 'vote set closed; revealing');
    }
    // Each step below checks for its own output, so a restart between any two resumes cleanly.
    if (!this.store.get('reveal', e, this.selfHex)) {
      const reveal = encodeReveal(e, this.store.get('secret', e)!, this.signer);
      this.store.put('reveal', e, this.selfHex, reveal.encoded);
      this.broadcast('/v1/exchange/reveal', { message: Buffer.from(reveal.encoded).toString('base64') }, s.epochStartMs);
    }

    // Close the reveal set when every voter revealed or at the deadline.
    const votes = this.closedVotes(e);
    if (!this.store.get('revealset', e)) {
      let reveals = this.store.list('reveal', e).map(([, b]) => decodeReveal(b));
      let revealed = votes.filter((v) => reveals.some((r) => revealMatches(v, r)));
      if (revealed.length < votes.length && now < s.revealDeadlineMs) return;
      if (revealed.length < votes.length) {
        await this.pullMissing('reveal', e, votes.filter((v) => !revealed.includes(v)).map((v) => toHex(v.author)));
        if (this.store.get('revealset', e)) return;
        reveals = this.store.list('reveal', e).map(([, b]) => decodeReveal(b));
        revealed = votes.filter((v) => reveals.some((r) => revealMatches(v, r)));
      }
      this.store.putString('revealset', e, '', JSON.stringify(revealed.map((v) => toHex(v.author)).sort()));
    }

    // Compute the document from the closed sets (once per process) and sign it.
    if (!this.store.get('doc', e) && !this.tallied.has(e)) {
      this.tallied.add(e);
      const revealers = new Set(JSON.parse(this.store.getString('revealset', e) ?? '[]') as string[]);
      const reveals = this.store.list('reveal', e).filter(([a]) => revealers.has(a)).map(([, b]) => decodeReveal(b));
      const result = tally({
        epoch: e,
        votes,
        reveals,
        threshold: this.threshold,
        params: this.config.network,
        sphinxGeometryHash: this.config.network.sphinxGeometryHash,
        layers: this.config.network.mixLayers,
      });
      if (result.ok) {
        this.store.put('doc', e, '', encodeConsensus(result.consensus));
        this.logger.info({ epoch: e, participants: result.participants, descriptors: result.descriptors }, 'document computed');
      } else {
        this.logger.warn({ epoch: e, reason: result.reason, detail: result.message }, 'no document from our view');
      }
    }
    const doc = this.store.get('doc', e);
    if (doc && !this.store.get('sig', e, this.selfHex)) {
      const sig = signConsensus(doc, this.signer).signature;
      this.store.put('sig', e, this.selfHex, sig);
      this.sigsDirty.add(e);
      this.logger.info({ epoch: e }, 'document signed');
      this.broadcast('/v1/exchange/signature', this.signatureMessage(e, sig), s.epochStartMs);
    }

    if (this.store.get('doc', e) && this.sigsDirty.delete(e)) this.refreshPublished(e, s);
    if (this.store.get('published', e)) return;

    await this.adoptFromPeers(e, s, now);
  }

  /**
   * Past the signing deadline without a threshold of our own: take the verified document the
   * peers agreed on (retried every quarter sign phase until the epoch starts).
   */
  private async adoptFromPeers(e: number, s: EpochSchedule, now: number): Promise<boolean> {
    if (now < s.signDeadlineMs || this.store.get('published', e) || this.store.get('failed', e)) return false;
    const lastTry = this.fetchAttempted.get(e) ?? -Infinity;
    if (now - lastTry < this.config.schedule.signPhaseMs / 4) return false;
    this.fetchAttempted.set(e, now);
    if (!this.fetcher) return false;
    try {
      const got = await this.fetcher.fetch(e);
      const json = encodeSignedConsensusJson(e, got.verified.bytes, got.verified.signatures);
      this.store.putString('published', e, '', JSON.stringify(json));
      this.lastPublishedEpoch = Math.max(this.lastPublishedEpoch, e);
      this.documents.inc({ result: 'adopted' });
      this.logger.warn({ epoch: e }, 'adopted the document the peers agreed on');
      return true;
    } catch {
      return false; // counted by the fetcher
    }
  }

  /**
   * Once epoch e has started: if this authority took part in building it and holds no
   * document, one last attempt to adopt the peers' one, else record and count the failure
   * (the network keeps the last good document for its grace period).
   */
  private async finalize(e: number, now: number): Promise<void> {
    if (this.finalized.has(e)) return;
    this.finalized.add(e);
    if (this.store.get('published', e) || this.store.get('failed', e) || !this.store.get('vote', e, this.selfHex)) return;
    this.fetchAttempted.delete(e);
    if (await this.adoptFromPeers(e, scheduleFor(this.clock, this.config.schedule, e), now)) return;
    this.store.putString('failed', e, '', 'no-threshold');
    this.documents.inc({ result: 'failed' });
    this.logger.error({ epoch: e }, 'no document reached the threshold; the network keeps the last good one');
  }

  /** Fetches missing signed votes/reveals from every peer and ingests those that verify. */
  private async pullMissing(kind: 'vote' | 'reveal', e: number, authors: readonly string[]): Promise<void> {
    const others = authors.filter((a) => a !== this.selfHex);
    if (others.length === 0 || this.peers.length === 0) return;
    const timeoutMs = Math.max(50, Math.min(this.config.limits.requestTimeoutMs, Math.floor(this.config.schedule.revealPhaseMs / 4)));
    await Promise.all(
      this.peers.flatMap((p) =>
        others.map(async (a) => {
          const message = await p.pull(`/v1/exchange/${kind}/${e}/${a}`, timeoutMs);
          if (message === undefined || this.store.get(kind, e, a)) return;
          try {
            if (kind === 'vote') this.acceptVote(message, false);
            else this.acceptReveal(message, false);
          } catch {
            /* refused and counted */
          }
        }),
      ),
    );
  }

  /** GET /v1/exchange/:kind/:epoch/:author — a signed vote or reveal this authority holds. */
  heldMessage(kind: 'vote' | 'reveal', epoch: number, author: string): string | undefined {
    if (!this.authorityKeys.has(author)) return undefined;
    const b = this.store.get(kind, epoch, author);
    return b === undefined ? undefined : Buffer.from(b).toString('base64');
  }

  private closedVotes(e: number): Vote[] {
    const set = JSON.parse(this.store.getString('voteset', e) ?? '[]') as string[];
    return set.map((a) => this.storedVote(e, a)!);
  }

  /** A vote from the store, decoded once (it was fully verified when it was stored). */
  private storedVote(e: number, author: string): Vote | undefined {
    const k = `${e}/${author}`;
    const hit = this.voteCache.get(k);
    if (hit) return hit;
    const bytes = this.store.get('vote', e, author);
    if (!bytes) return undefined;
    const vote = decodeVote(bytes, { verifyDescriptorSignatures: false });
    if (this.voteCache.size > 64 * this.authorityKeys.size) this.voteCache.clear();
    this.voteCache.set(k, vote);
    return vote;
  }

  /** Publishes (or re-publishes with more signatures) once the threshold is reached. */
  private refreshPublished(e: number, s: EpochSchedule): void {
    const bytes = this.store.get('doc', e);
    if (!bytes) return;
    const sigs: ConsensusSignature[] = [];
    for (const [author, sig] of this.store.list('sig', e)) {
      const key = fromHex(author, 32);
      if (ed25519Verify(key, bytes, sig)) sigs.push({ authority: key, signature: sig });
    }
    if (sigs.length < this.threshold) return;
    const prev = this.store.getString('published', e);
    if (prev && (JSON.parse(prev) as SignedConsensusJson).signatures.length >= sigs.length) return;
    this.store.putString('published', e, '', JSON.stringify(encodeSignedConsensusJson(e, bytes, sigs)));
    if (!prev) {
      const seconds = Math.max(0, this.clock.now() - s.uploadCloseMs) / 1000;
      this.agreement.observe(seconds);
      this.documents.inc({ result: 'published' });
      this.lastPublishedEpoch = Math.max(this.lastPublishedEpoch, e);
      this.logger.info({ epoch: e, signatures: sigs.length, agreementMs: Math.round(seconds * 1000) }, 'document published');
    }
  }

  private signatureMessage(epoch: number, sig: Uint8Array): SignatureMessage {
    return { epoch, authority: this.selfHex, signature: toHex(sig) };
  }

  private broadcast(path: string, body: unknown, deadlineMs: number): void {
    for (const p of this.peers) p.push(path, body, deadlineMs);
  }

  // ---------------------------------------------------------------- requests

  /** Counts and rethrows a refusal. */
  refuse(route: string, err: RequestError): never {
    this.rejected.inc({ route, reason: err.reason });
    throw err;
  }

  /** POST /v1/descriptors: {descriptor: base64} (JSON) or the raw bytes (octet-stream). */
  acceptDescriptor(input: string | Uint8Array): { epoch: number; nodeId: string; stored: boolean } {
    const route = 'descriptors';
    let encoded: Uint8Array;
    if (input instanceof Uint8Array) {
      encoded = input;
    } else {
      try {
        encoded = fromBase64(input);
      } catch {
        this.refuse(route, new RequestError(400, 'encoding', 'descriptor must be base64'));
      }
    }
    let sd;
    try {
      sd = decodeSignedDescriptor(encoded);
    } catch (err) {
      if (err instanceof DescriptorError) this.refuse(route, new RequestError(400, err.reason, err.message));
      throw err;
    }
    const d = sd.descriptor;
    const now = this.clock.now();
    if (!uploadOpen(this.clock, this.config.schedule, d.epoch, now)) {
      this.refuse(route, new RequestError(400, 'epoch', `uploads for epoch ${d.epoch} are not open (current epoch ${this.clock.epochAt(now)})`));
    }
    const allowed = d.role === 'mix' ? this.config.allow.mixes : this.config.allow.providers;
    const idHex = toHex(d.identityKey);
    if (!allowed.some((k) => toHex(k) === idHex)) {
      this.refuse(route, new RequestError(403, 'not-allowed', `identity key is not on this authority's ${d.role} allow list`));
    }
    const nodeId = toHex(d.nodeId);
    const existing = this.store.get('desc', d.epoch, nodeId);
    if (existing) {
      if (Buffer.compare(Buffer.from(existing), Buffer.from(sd.encoded)) === 0) return { epoch: d.epoch, nodeId, stored: false };
      this.refuse(route, new RequestError(409, 'conflict', 'a different descriptor for this node and epoch is already stored'));
    }
    if (this.store.count('desc', d.epoch) >= MAX_DESCRIPTORS_PER_EPOCH) {
      this.refuse(route, new RequestError(409, 'full', 'descriptor limit for this epoch reached'));
    }
    this.store.put('desc', d.epoch, nodeId, sd.encoded);
    this.uploads.inc({ result: 'accepted' });
    return { epoch: d.epoch, nodeId, stored: true };
  }

  private checkPeerEpoch(route: string, epoch: number): void {
    const building = buildingEpoch(this.clock, this.clock.now());
    // One epoch of slack either way for clock skew between authorities.
    if (epoch < building - 1 || epoch > building + 1) {
      this.refuse(route, new RequestError(409, 'epoch', `epoch ${epoch} is not being built (building ${building})`));
    }
  }

  private checkAuthor(route: string, author: Uint8Array): string {
    const hex = toHex(author);
    if (!this.authorityKeys.has(hex) || hex === this.selfHex) {
      this.refuse(route, new RequestError(403, 'unknown-authority', 'author is not a configured peer authority'));
    }
    return hex;
  }

  private decodeExchange<T>(route: string, b64: string, decode: (b: Uint8Array) => T): T {
    try {
      return decode(fromBase64(b64));
    } catch (err) {
      if (err instanceof ExchangeError) this.refuse(route, new RequestError(400, err.reason, err.message));
      if (err instanceof Error && err.name === 'DecodeError') this.refuse(route, new RequestError(400, 'encoding', 'message must be base64'));
      throw err;
    }
  }

  /** POST /v1/exchange/vote */
  acceptVote(b64: string, kick = true): { stored: boolean } {
    const route = 'vote';
    const vote = this.decodeExchange(route, b64, (bytes) => {
      // Check the claimed author before verifying up to thousands of descriptor signatures.
      const at = VOTE_MAGIC.length + 8;
      if (bytes.length >= at + 32) this.checkAuthor(route, bytes.subarray(at, at + 32));
      return decodeVote(bytes);
    });
    const author = this.checkAuthor(route, vote.author);
    this.checkPeerEpoch(route, vote.epoch);
    const existing = this.store.get('vote', vote.epoch, author);
    if (existing) {
      if (Buffer.compare(Buffer.from(existing), Buffer.from(vote.encoded)) === 0) return { stored: false };
      this.equivocations.inc();
      this.refuse(route, new RequestError(409, 'equivocation', 'a different vote from this authority is already held'));
    }
    if (this.store.get('voteset', vote.epoch)) this.refuse(route, new RequestError(409, 'late', 'the vote set of this epoch is closed'));
    this.store.put('vote', vote.epoch, author, vote.encoded);
    this.voteCache.set(`${vote.epoch}/${author}`, vote);
    this.messages.inc({ kind: 'vote' });
    this.logger.debug({ epoch: vote.epoch, author: author.slice(0, 8) }, 'vote stored');
    if (kick) void this.tick();
    return { stored: true };
  }

  /** POST /v1/exchange/reveal */
  acceptReveal(b64: string, kick = true): { stored: boolean } {
    const route = 'reveal';
    const reveal = this.decodeExchange(route, b64, decodeReveal);
    const author = this.checkAuthor(route, reveal.author);
    this.checkPeerEpoch(route, reveal.epoch);
    const existing = this.store.get('reveal', reveal.epoch, author);
    if (existing && Buffer.compare(Buffer.from(existing), Buffer.from(reveal.encoded)) === 0) return { stored: false };
    const vote = this.storedVote(reveal.epoch, author);
    if (!vote) this.refuse(route, new RequestError(409, 'no-commit', 'no vote (commitment) from this authority yet'));
    if (!revealMatches(vote, reveal)) {
      this.equivocations.inc();
      this.refuse(route, new RequestError(400, 'commit', 'reveal does not open the committed value'));
    }
    if (this.store.get('revealset', reveal.epoch)) this.refuse(route, new RequestError(409, 'late', 'the reveal set of this epoch is closed'));
    this.store.put('reveal', reveal.epoch, author, reveal.encoded);
    this.messages.inc({ kind: 'reveal' });
    this.logger.debug({ epoch: reveal.epoch, author: author.slice(0, 8) }, 'reveal stored');
    if (kick) void this.tick();
    return { stored: true };
  }

  /** POST /v1/exchange/signature */
  acceptSignature(msg: SignatureMessage): { stored: boolean } {
    const route = 'signature';
    let author: Uint8Array;
    let sig: Uint8Array;
    try {
      author = fromHex(msg.authority, 32);
      sig = fromHex(msg.signature, 64);
    } catch {
      this.refuse(route, new RequestError(400, 'encoding', 'authority and signature must be hex'));
    }
    const hex = this.checkAuthor(route, author);
    this.checkPeerEpoch(route, msg.epoch);
    const doc = this.store.get('doc', msg.epoch);
    // Only signatures that verify over our own document are stored (nothing unauthenticated is
    // kept); before we have computed it the sender retries.
    if (!doc) this.refuse(route, new RequestError(409, 'not-ready', 'this authority has not computed its document yet'));
    if (!ed25519Verify(author, doc, sig)) {
      this.refuse(route, new RequestError(409, 'mismatch', 'signature does not cover the document this authority computed'));
    }
    this.store.put('sig', msg.epoch, hex, sig);
    this.sigsDirty.add(msg.epoch);
    this.messages.inc({ kind: 'signature' });
    void this.tick();
    return { stored: true };
  }

  /** GET /v1/consensus/:epoch — the stored JSON text, if published. */
  consensusJson(epoch: number): string | undefined {
    return this.store.getString('published', epoch);
  }

  health(): { ok: boolean; epoch: number; building: number; phase: Phase; lastPublishedEpoch: number } {
    const now = this.clock.now();
    const building = buildingEpoch(this.clock, now);
    if (this.lastPublishedEpoch < 0) {
      // After a restart: the newest published epoch still in the store.
      for (let e = building; e >= Math.max(0, building - this.config.limits.keepEpochs); e--) {
        if (this.store.get('published', e)) {
          this.lastPublishedEpoch = e;
          break;
        }
      }
    }
    return { ok: true, epoch: this.clock.epochAt(now), building, phase: this.phase(building, now), lastPublishedEpoch: this.lastPublishedEpoch };
  }
}

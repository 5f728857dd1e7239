// The testnet's demo clients (`npm start`, `strata testnet run`, `npm run soak`): real
// @strata/client-lib Clients in this process, client i homed at provider i mod P, each holding the
// next client as a contact and writing to it at a fixed interval. A message carries its send time,
// so the receiver measures end-to-end latency on the same clock.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, decodeAddress, identityId, type DeliveredMessage } from '@strata/client-lib';
import type { Manifest } from './manifest.js';
import { TestnetError } from './errors.js';

/** Passphrase of the demo clients' stores (test data only; never use for a real client). */
export const DEMO_PASSPHRASE = 'strata-testnet-demo';
/** Cheap scrypt for demo stores (a real client keeps the default cost). */
export const DEMO_SCRYPT = Object.freeze({ N: 2 ** 10, r: 8, p: 1 });
const DEMO_PREFIX = 'strata-demo ';

export interface DemoClientsOptions {
  /** How often each client writes to its peer (0: never; call sendRound()). */
  sendIntervalMs?: number;
  /** Provider poll interval of every client. */
  pollIntervalMs?: number;
  /** Warnings from the clients' background work (never fatal). */
  onWarning?: (client: string, err: Error) => void;
}

export interface DemoStats {
  running: number;
  sent: number;
  /** Messages sent whose SURB-ACK came back (stored at the recipient's provider). */
  stored: number;
  delivered: number;
  failed: number;
  /** Median end-to-end latency (send → delivered to the recipient), null before the first delivery. */
  p50LatencyMs: number | null;
  p90LatencyMs: number | null;
}

interface Demo {
  readonly name: string;
  readonly client: Client;
  peer?: string; // contact id of the peer
}

/** Quantile `q` of sorted values (nearest rank). */
function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export class DemoClients {
  readonly #demos: Demo[];
  readonly #latencies: number[] = [];
  readonly #pendingIds = new Set<string>();
  readonly #seen = new Set<string>();
  #sent = 0;
  #stored = 0;
  #failed = 0;
  #timer: NodeJS.Timeout | undefined;
  #seq = 0;
  #closed = false;

  private constructor(demos: Demo[]) {
    this.#demos = demos;
  }

  /**
   * Opens (or creates, under DIR/client-<i>) `count` clients on the testnet's providers, makes each
   * the contact of its neighbours, and starts sending when `sendIntervalMs` > 0.
   */
  static async start(m: Manifest, count: number, options: DemoClientsOptions = {}): Promise<DemoClients> {
    if (count === 0) return new DemoClients([]);
    if (m.providers.length === 0) throw new TestnetError('clients', 'demo clients need at least one provider');
    if (count < 2) throw new TestnetError('clients', 'demo clients come in pairs or more (they write to each other)');
    const demos: Demo[] = [];
    const common = { scrypt: DEMO_SCRYPT, ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}) };
    try {
      for (let i = 0; i < count; i++) {
        const name = `client-${i}`;
        const dataDir = join(m.dir, name);
        const provider = m.providers[i % m.providers.length];
        let client: Client;
        if (existsSync(join(dataDir, 'client.mdb'))) client = await Client.open(dataDir, DEMO_PASSPHRASE, common);
        else {
          mkdirSync(dataDir, { recursive: true, mode: 0o700 });
          client = await Client.bootstrap(provider.apiUrl, { ...common, dataDir, passphrase: DEMO_PASSPHRASE });
        }
        demos.push({ name, client });
      }
    } catch (err) {
      await Promise.all(demos.map((d) => d.client.close().catch(() => undefined)));
      throw err;
    }
    const dc = new DemoClients(demos);
    await dc.#introduce();
    for (const d of demos) {
      d.client.on('message', (msg) => dc.#onMessage(msg));
      d.client.on('status', (s) => {
        if (!dc.#pendingIds.has(s.id)) return;
        if (s.state === 'stored') dc.#stored++;
        else if (s.state === 'failed') dc.#failed++;
        else return;
        dc.#pendingIds.delete(s.id);
      });
      if (options.onWarning) d.client.on('warning', (e) => options.onWarning!(d.name, e));
    }
    if (options.sendIntervalMs && options.sendIntervalMs > 0) {
      dc.#timer = setInterval(() => void dc.sendRound().catch((e: unknown) => options.onWarning?.('demo', e as Error)), options.sendIntervalMs);
    }
    return dc;
  }

  /** Every client holds its neighbours (i-1, i+1) as contacts, and writes to i+1. */
  async #introduce(): Promise<void> {
    const n = this.#demos.length;
    for (let i = 0; i < n; i++) {
      const me = this.#demos[i];
      for (const j of new Set([(i + 1) % n, (i + n - 1) % n])) {
        const other = this.#demos[j].client;
        const existing = me.client.contacts.get(identityId(decodeAddress(other.address)));
        const contact = existing ?? (await me.client.contacts.add(other.address, this.#demos[j].name));
        if (j === (i + 1) % n) me.peer = contact.id;
      }
      await me.client.registerAliases(); // the new contacts' inbound aliases
    }
  }

  #onMessage(msg: DeliveredMessage): void {
    const text = Buffer.from(msg.body).toString('utf8');
    if (!text.startsWith(DEMO_PREFIX)) return;
    const parts = text.slice(DEMO_PREFIX.length).split(' ');
    const sentAtMs = Number(parts[1]);
    if (this.#seen.has(parts[0]) || !Number.isFinite(sentAtMs)) return;
    this.#seen.add(parts[0]);
    this.#latencies.push(Math.max(0, msg.receivedAtMs - sentAtMs));
  }

  /** Each client sends one message to its peer; resolves with the message ids. */
  async sendRound(): Promise<string[]> {
    const ids: string[] = [];
    for (const d of this.#demos) {
      if (this.#closed || d.peer === undefined) continue;
      const tag = `${process.pid}.${++this.#seq}`;
      const id = await d.client.send(d.peer, `${DEMO_PREFIX}${tag} ${Date.now()} from ${d.name}`);
      this.#pendingIds.add(id);
      this.#sent++;
      ids.push(id);
    }
    return ids;
  }

  /** Stops the periodic sends (messages in flight still arrive and are counted). */
  stopSending(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The clients (for tests and the soak: addresses, stats, events). */
  get clients(): readonly Client[] {
    return this.#demos.map((d) => d.client);
  }

  get stats(): DemoStats {
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    return {
      running: this.#closed ? 0 : this.#demos.length,
      sent: this.#sent,
      stored: this.#stored,
      delivered: this.#latencies.length,
      failed: this.#failed,
      p50LatencyMs: quantile(sorted, 0.5),
      p90LatencyMs: quantile(sorted, 0.9),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await Promise.all(this.#demos.map((d) => d.client.close().catch(() => undefined)));
  }
}

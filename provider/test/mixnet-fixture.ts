// Test rig for the provider's mixnet side: a real Provider (in-process, real TLS, real LMDB, real
// Noise links) in a consensus served by core's AuthorityFixture over HTTP, with three stand-in mixes
// of this process (one per layer): layer 1 listens (ingress forwards, SURB-ACKs and poll replies
// arrive there), layer 3 dials the provider (egress). Packets are real Sphinx packets.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { sphinxKeyFor, type SignedDescriptor } from '@strata/core/descriptor';
import { frameBytesForBody } from '@strata/core/link/config';
import type { LinkConnection } from '@strata/core/link/connection';
import { dialLink } from '@strata/core/link/dial';
import type { LinkKeyPair } from '@strata/core/link/x25519';
import { DEFAULT_GEOMETRY, unwrapPacket, type UnwrapResult } from 'sphinx-packet-ts';
import { AuthorityFixture } from '../../core/test/node/authority-fixture.js';
import { LoopbackNode } from '../../core/test/node/loopback-node.js';
import { registerAliasRequest, registerDeviceRequest } from '../src/client-requests.js';
import { parseProviderConfig } from '../src/config.js';
import { Provider } from '../src/provider.js';
import { generateEd25519KeyPair, type Ed25519KeyPair } from '../src/request-signing.js';
import { SELF_SIGNED_CERT_FILE } from '../src/tls.js';
import { httpsRequest, tempDir, type HttpsResult } from './helpers.js';

export const g = DEFAULT_GEOMETRY;
export const frameBytes = frameBytesForBody(g.packetLength);
/** Long epochs: a test never straddles a boundary unless it wants to. */
export const EPOCH_MS = 3_600_000;
export const epochNow = (): number => Math.floor(Date.now() / EPOCH_MS);

/** A stand-in mix of this process (core's LoopbackNode) that counts and unwraps what arrives. */
export class StandInMix extends LoopbackNode {
  readonly received: UnwrapResult[] = [];
  /** Packets that arrived (unwrapped or not). */
  packets = 0;

  constructor(seed: number) {
    super('mix', seed, g);
  }

  /** Listen; every packet that arrives is counted and (unless `unwrap` is false) unwrapped into `received`. */
  listen(unwrap = true): Promise<void> {
    return this.listenFor((packet) => {
      this.packets++;
      if (!unwrap) return;
      const e = epochNow();
      for (const epoch of [e, e - 1, e + 1]) {
        try {
          this.received.push(unwrapPacket(g, this.sphinxOf(epoch).privateKey, packet));
          return;
        } catch {
          /* next epoch's key */
        }
      }
    });
  }

  get nodeId(): Uint8Array {
    return this.descriptor(epochNow()).descriptor.nodeId;
  }
}

export interface Rig {
  provider: Provider;
  authority: AuthorityFixture;
  mixes: StandInMix[];
  /** The stand-in mix of layer 1..3 in the current consensus (layers are assigned by the document). */
  layer(n: number): StandInMix;
  ca: Buffer;
  dir: ReturnType<typeof tempDir>;
  api(method: string, path: string, body?: unknown): Promise<HttpsResult>;
  /** The provider's descriptor in the current consensus. */
  providerDescriptor(): SignedDescriptor;
  providerSphinxKey(epoch?: number): Uint8Array;
  /** Dial the provider's link with `key` (as a client or as the layer-3 mix). */
  dial(key: LinkKeyPair): Promise<LinkConnection<undefined>>;
  /** Register an account with one device (and the device's link key), then an alias. */
  registerUser(alias: Uint8Array, linkKey?: Uint8Array): Promise<{ account: Ed25519KeyPair; device: Ed25519KeyPair; aliasKey: Ed25519KeyPair }>;
  metric(name: string, labels?: string): Promise<number>;
  /** Wait (polling, no fixed sleep) until the metric reads `value`. */
  waitForMetric(name: string, labels: string, value: number, limitMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startRig(options: { rateLimit?: { packetsPerSecond: number; burst: number }; workers?: number; unwrapAtMixes?: boolean } = {}): Promise<Rig> {
  const dir = tempDir();
  const mixes = [new StandInMix(0x21), new StandInMix(0x22), new StandInMix(0x23)];
  for (const m of mixes) await m.listen(options.unwrapAtMixes ?? true);
  const authority = new AuthorityFixture({
    geometry: g,
    params: { muPerSecond: 100, lambdaPPerSecond: 1, lambdaLPerSecond: 1, lambdaDPerSecond: 1, lambdaMPerSecond: 1, maxDelayMs: 10_000 },
    mixCount: 0,
    providerCount: 1,
    layers: 3,
    extra: (epoch) => mixes.map((m) => m.descriptor(epoch)),
  });
  await authority.start();
  const config = parseProviderConfig({
    dataDir: join(dir.path, 'data'),
    name: 'test-provider',
    api: { host: '127.0.0.1', port: 0 },
    admin: { port: 0 },
    dropbox: { messageBytes: g.userForwardPayloadLength, pollEntries: 4 },
    log: { level: 'silent' },
    mixnet: {
      listen: { host: '127.0.0.1', port: 0 },
      directory: { authorities: [{ url: authority.url, identityKey: Buffer.from(authority.signer.publicKey).toString('hex') }], pollIntervalMs: 200 },
      epoch: { lengthMs: EPOCH_MS, genesisMs: 0, graceMs: 60_000 },
      workers: { count: options.workers ?? 1 },
      ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    },
  });
  const provider = await Provider.start(config, { logger: pino({ level: 'silent' }) });
  const ca = readFileSync(join(dir.path, 'data', SELF_SIGNED_CERT_FILE));
  const api = (method: string, path: string, body?: unknown) => httpsRequest(provider.apiPort, ca, method, path, body);
  const rig: Rig = {
    provider,
    authority,
    mixes,
    ca,
    dir,
    api,
    layer(n) {
      const id = Buffer.from(authority.document(epochNow())!.consensus.layers[n - 1][0].descriptor.nodeId);
      return mixes.find((m) => id.equals(m.nodeId))!;
    },
    providerDescriptor() {
      const c = authority.document(epochNow())?.consensus;
      if (!c) throw new Error('no consensus yet');
      return c.providers[0];
    },
    providerSphinxKey(epoch = epochNow()) {
      return sphinxKeyFor(rig.providerDescriptor().descriptor, epoch)!;
    },
    dial(key) {
      const d = rig.providerDescriptor().descriptor;
      const port = Number(d.linkAddresses[0].split(':')[2]);
      return dialLink({ host: '127.0.0.1', port, staticKey: key, expectedPeerKey: d.linkKey, frameBytes });
    },
    async registerUser(alias, linkKey) {
      const account = generateEd25519KeyPair();
      const device = generateEd25519KeyPair();
      const aliasKey = generateEd25519KeyPair();
      const r1 = await api('POST', '/v1/devices', registerDeviceRequest(account, device, linkKey ? { linkKey } : {}));
      if (r1.status !== 201) throw new Error(`device registration: ${r1.status} ${r1.body.toString()}`);
      const r2 = await api('POST', '/v1/aliases', registerAliasRequest(alias, aliasKey, account));
      if (r2.status !== 201) throw new Error(`alias registration: ${r2.status}`);
      return { account, device, aliasKey };
    },
    async metric(name, labels = '') {
      const text = await provider.metrics.registry.metrics();
      const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
      return line ? Number(line.split(' ')[1]) : 0;
    },
    async waitForMetric(name, labels, value, limitMs = 10_000) {
      const start = Date.now();
      while ((await rig.metric(name, labels)) !== value) {
        if (Date.now() - start > limitMs) throw new Error(`waitForMetric: ${name}${labels} never reached ${value} (is ${await rig.metric(name, labels)})`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async stop() {
      await provider.stop();
      for (const m of mixes) await m.close();
      await authority.stop();
      dir.remove();
    },
  };
  return rig;
}

// This process as the provider at both ends of a mix route, for system tests and the flood run:
// a real Noise link listener (its packets are real Sphinx packets unwrapped with its own per-epoch
// keys), the signed provider descriptor the directory stand-in publishes, and links dialled to a mix.
import { toHex } from '@strata/core/bytes';
import { createDescriptor, signDescriptor, type Descriptor, type SignedDescriptor } from '@strata/core/descriptor';
import { freePort } from '@strata/core/free-port';
import { Ed25519Signer } from '@strata/core/keys';
import { frameBytesForBody } from '@strata/core/link/config';
import type { LinkConnection } from '@strata/core/link/connection';
import { dialLink } from '@strata/core/link/dial';
import { createLinkListener, type LinkListener } from '@strata/core/link/listener';
import { generateLinkKeyPair } from '@strata/core/link/x25519';
import { DEFAULT_GEOMETRY, generateNodeKeyPair, unwrapPacket, type Geometry } from 'sphinx-packet-ts';
import type { AuthorityFixture } from '../../core/test/node/authority-fixture.js';

type NodeKeyPair = ReturnType<typeof generateNodeKeyPair>;

export interface LoopbackProviderOptions {
  /** Fills the 32-byte Ed25519 identity seed. */
  seedByte: number;
  geometry?: Geometry;
  /** Every SendPacket command's packet, as it arrives on any inbound link. */
  onPacket: (packet: Uint8Array) => void;
}

export class LoopbackProvider {
  readonly geometry: Geometry;
  readonly frameBytes: number;
  readonly signer: Ed25519Signer;
  readonly link = generateLinkKeyPair();
  /** Sphinx key pairs by epoch, made on first use. */
  private readonly sphinx = new Map<number, NodeKeyPair>();
  private listener!: LinkListener<object>;

  private constructor(o: LoopbackProviderOptions) {
    this.geometry = o.geometry ?? DEFAULT_GEOMETRY;
    this.frameBytes = frameBytesForBody(this.geometry.packetLength);
    this.signer = new Ed25519Signer(new Uint8Array(32).fill(o.seedByte));
  }

  /** Listens on 127.0.0.1 (an OS-chosen port) and hands every inbound packet to `onPacket`. */
  static async start(o: LoopbackProviderOptions): Promise<LoopbackProvider> {
    const p = new LoopbackProvider(o);
    p.listener = await createLinkListener<object>({ host: '127.0.0.1', port: 0, staticKey: p.link, frameBytes: p.frameBytes, authorize: () => ({}) });
    p.listener.on('connection', (conn) =>
      conn.on('command', (cmd) => {
        if (cmd.kind === 'SendPacket') o.onPacket(cmd.packet);
      }),
    );
    return p;
  }

  get port(): number {
    return this.listener.address.port;
  }

  sphinxOf(epoch: number): NodeKeyPair {
    let k = this.sphinx.get(epoch);
    if (!k) this.sphinx.set(epoch, (k = generateNodeKeyPair()));
    return k;
  }

  /** The payload of a packet addressed to us under the key of one of `epochs` (default: every key made so far, oldest first), or undefined. */
  open(packet: Uint8Array, epochs: Iterable<number> = [...this.sphinx.keys()]): Uint8Array | undefined {
    for (const e of epochs) {
      try {
        const payload = unwrapPacket(this.geometry, this.sphinxOf(e).privateKey, packet).payload;
        if (payload) return payload;
      } catch {
        /* another epoch's key, or not ours */
      }
    }
    return undefined;
  }

  /** Our signed descriptor for `epoch`, carrying the Sphinx keys of `epoch` and `epoch + 1`. */
  descriptor(epoch: number): SignedDescriptor {
    return signDescriptor(
      createDescriptor({
        epoch,
        role: 'provider',
        identityKey: this.signer.publicKey,
        linkKey: this.link.publicKey,
        linkAddresses: [`tcp://127.0.0.1:${this.port}`],
        clientApiUrl: 'https://provider.example/',
        sphinxPublicKeys: [this.sphinxOf(epoch).publicKey, this.sphinxOf(epoch + 1).publicKey],
      }),
      this.signer,
    );
  }

  /** A link from us to the node a descriptor names (its first `tcp://127.0.0.1:port` address). */
  dial(d: Descriptor): Promise<LinkConnection<undefined>> {
    return dialLink({ host: '127.0.0.1', port: Number(d.linkAddresses[0].split(':')[2]), staticKey: this.link, expectedPeerKey: d.linkKey, frameBytes: this.frameBytes });
  }

  close(): Promise<void> {
    return this.listener.close();
  }
}

/** The config of a local mix process that follows `authority`: a free link port, metrics on, 200 ms directory polls; `rest` adds the epoch, workers, loops and limits. */
export async function localMixConfig(authority: AuthorityFixture, dataDir: string, rest: Record<string, unknown>): Promise<Record<string, unknown>> {
  return {
    dataDir,
    listen: { host: '127.0.0.1', port: await freePort() },
    metrics: { enabled: true, host: '127.0.0.1', port: 0 },
    directory: { authorities: [{ url: authority.url, identityKey: toHex(authority.signer.publicKey) }], pollIntervalMs: 200 },
    ...rest,
  };
}

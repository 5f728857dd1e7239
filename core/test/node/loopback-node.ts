// A node of this process for tests and benchmarks: an Ed25519 identity, a Noise link key,
// per-epoch Sphinx keys made on first use, a real link listener on 127.0.0.1, the signed
// descriptor a directory stand-in publishes for it, and links dialled to other nodes. The mix's
// provider stand-in (mix-node/test/loopback-provider.ts) and the provider's stand-in mixes
// (provider/test/mixnet-fixture.ts) are both this. It imports core by package name, as they do,
// so the link types it hands out are theirs.
import { createDescriptor, signDescriptor, type Descriptor, type SignedDescriptor } from '@strata/core/descriptor';
import { Ed25519Signer } from '@strata/core/keys';
import { frameBytesForBody } from '@strata/core/link/config';
import type { LinkConnection } from '@strata/core/link/connection';
import { dialLink } from '@strata/core/link/dial';
import { createLinkListener, type LinkListener } from '@strata/core/link/listener';
import { generateLinkKeyPair, type LinkKeyPair } from '@strata/core/link/x25519';
import { DEFAULT_GEOMETRY, generateNodeKeyPair, type Geometry } from 'sphinx-packet-ts';

export type NodeKeyPair = ReturnType<typeof generateNodeKeyPair>;

export class LoopbackNode {
  readonly geometry: Geometry;
  readonly frameBytes: number;
  readonly signer: Ed25519Signer;
  readonly link: LinkKeyPair = generateLinkKeyPair();
  /** Sphinx key pairs by epoch, made on first use. */
  protected readonly sphinx = new Map<number, NodeKeyPair>();
  listener: LinkListener<object> | undefined;

  /** `seedByte` fills the 32-byte Ed25519 identity seed. */
  constructor(
    readonly role: 'mix' | 'provider',
    seedByte: number,
    geometry: Geometry = DEFAULT_GEOMETRY,
  ) {
    this.geometry = geometry;
    this.frameBytes = frameBytesForBody(geometry.packetLength);
    this.signer = new Ed25519Signer(new Uint8Array(32).fill(seedByte));
  }

  sphinxOf(epoch: number): NodeKeyPair {
    let k = this.sphinx.get(epoch);
    if (!k) this.sphinx.set(epoch, (k = generateNodeKeyPair()));
    return k;
  }

  /** Listens on 127.0.0.1 (an OS-chosen port) and hands every inbound SendPacket's packet to `onPacket`. */
  async listenFor(onPacket: (packet: Uint8Array) => void): Promise<void> {
    this.listener = await createLinkListener<object>({ host: '127.0.0.1', port: 0, staticKey: this.link, frameBytes: this.frameBytes, authorize: () => ({}) });
    this.listener.on('connection', (conn) =>
      conn.on('command', (cmd) => {
        if (cmd.kind === 'SendPacket') onPacket(cmd.packet);
      }),
    );
  }

  /** Our signed descriptor for `epoch`, carrying the Sphinx keys of `epoch` and `epoch + 1` (port 1 until we listen). */
  descriptor(epoch: number): SignedDescriptor {
    return signDescriptor(
      createDescriptor({
        epoch,
        role: this.role,
        identityKey: this.signer.publicKey,
        linkKey: this.link.publicKey,
        linkAddresses: [`tcp://127.0.0.1:${this.listener?.address.port ?? 1}`],
        ...(this.role === 'provider' ? { clientApiUrl: 'https://provider.example/' } : {}),
        sphinxPublicKeys: [this.sphinxOf(epoch).publicKey, this.sphinxOf(epoch + 1).publicKey],
      }),
      this.signer,
    );
  }

  /** A link from us to the node a descriptor names (its first `tcp://127.0.0.1:port` address). */
  dial(d: Descriptor): Promise<LinkConnection<undefined>> {
    return dialLink({ host: '127.0.0.1', port: Number(d.linkAddresses[0].split(':')[2]), staticKey: this.link, expectedPeerKey: d.linkKey, frameBytes: this.frameBytes });
  }

  async close(): Promise<void> {
    await this.listener?.close();
  }
}

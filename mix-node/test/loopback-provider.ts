// This process as the provider at both ends of a mix route, for system tests and the flood run:
// a real Noise link listener (its packets are real Sphinx packets unwrapped with its own per-epoch
// keys), the signed provider descriptor the directory stand-in publishes, and links dialled to a mix.
import { toHex } from '@strata/core/bytes';
import { freePort } from '@strata/core/free-port';
import { unwrapPacket, type Geometry } from 'sphinx-packet-ts';
import type { AuthorityFixture } from '../../core/test/node/authority-fixture.js';
import { LoopbackNode } from '../../core/test/node/loopback-node.js';

export interface LoopbackProviderOptions {
  /** Fills the 32-byte Ed25519 identity seed. */
  seedByte: number;
  geometry?: Geometry;
  /** Every SendPacket command's packet, as it arrives on any inbound link. */
  onPacket: (packet: Uint8Array) => void;
}

export class LoopbackProvider extends LoopbackNode {
  private constructor(o: LoopbackProviderOptions) {
    super('provider', o.seedByte, o.geometry);
  }

  /** Listens on 127.0.0.1 (an OS-chosen port) and hands every inbound packet to `onPacket`. */
  static async start(o: LoopbackProviderOptions): Promise<LoopbackProvider> {
    const p = new LoopbackProvider(o);
    await p.listenFor(o.onPacket);
    return p;
  }

  get port(): number {
    return this.listener!.address.port;
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

// A one-authority directory stand-in for mix and provider system tests: real HTTP, real signed
// descriptors in, real threshold-signed consensus documents out, with the same paths core's
// HttpDirectoryClient uses. Shared by mix-node/test and provider/test.
import { createServer, type Server } from 'node:http';
import { buildConsensus, encodeConsensus, encodeSignedConsensusJson, signConsensus, type NetworkParams } from '../../src/consensus.js';
import { decodeSignedDescriptor, type SignedDescriptor } from '../../src/descriptor.js';
import { toHex } from '../../src/bytes.js';
import { Ed25519Signer } from '../../src/keys.js';
import { geometryHash, type Geometry } from 'sphinx-packet-ts';
import { DESCRIPTOR_UPLOAD_PATH } from '../../src/descriptor-upload.js';

export interface AuthorityFixtureOptions {
  geometry: Geometry;
  params: NetworkParams;
  /** Uploaded mix descriptors needed before a document is published. */
  mixCount: number;
  /** Uploaded provider descriptors needed too (default 0). */
  providerCount?: number;
  /** Mix layers of the document (default mixCount). */
  layers?: number;
  /** Further descriptors of an epoch (e.g. the test's provider). */
  extra(epoch: number): SignedDescriptor[];
}

export class AuthorityFixture {
  readonly signer = new Ed25519Signer(new Uint8Array(32).fill(0x42));
  readonly descriptors = new Map<number, Map<string, SignedDescriptor>>();
  private readonly documents = new Map<number, { json: string; consensus: ReturnType<typeof buildConsensus> }>();
  private server: Server | undefined;
  url = '';

  constructor(private readonly o: AuthorityFixtureOptions) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          if (req.method === 'POST' && req.url === DESCRIPTOR_UPLOAD_PATH) {
            const raw = Buffer.concat(chunks);
            // core's uploadDescriptor sends JSON {descriptor: base64}; raw bytes are accepted too.
            const bytes = req.headers['content-type']?.startsWith('application/json')
              ? new Uint8Array(Buffer.from((JSON.parse(raw.toString('utf8')) as { descriptor: string }).descriptor, 'base64'))
              : new Uint8Array(raw);
            const sd = decodeSignedDescriptor(bytes);
            const e = sd.descriptor.epoch;
            if (!this.descriptors.has(e)) this.descriptors.set(e, new Map());
            if (!this.documents.has(e)) this.descriptors.get(e)!.set(toHex(sd.descriptor.nodeId), sd);
            res.writeHead(202).end();
            return;
          }
          const m = /^\/v1\/consensus\/(\d+)$/.exec(req.url ?? '');
          if (req.method === 'GET' && m) {
            const doc = this.document(Number(m[1]));
            if (!doc) return void res.writeHead(404).end();
            res.writeHead(200, { 'content-type': 'application/json' }).end(doc.json);
            return;
          }
          res.writeHead(404).end();
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const a = this.server.address();
    this.url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  }

  /** The signed document of `epoch`, built once all mixes uploaded (then frozen). */
  document(epoch: number): { json: string; consensus: ReturnType<typeof buildConsensus> } | undefined {
    const have = this.documents.get(epoch);
    if (have) return have;
    const uploaded = [...(this.descriptors.get(epoch)?.values() ?? [])];
    const mixes = uploaded.filter((d) => d.descriptor.role === 'mix').length;
    const providers = uploaded.length - mixes;
    if (mixes < this.o.mixCount || providers < (this.o.providerCount ?? 0)) return undefined;
    const consensus = buildConsensus({
      epoch,
      descriptors: [...uploaded, ...this.o.extra(epoch)],
      sharedRandom: new Uint8Array(32).fill(7),
      params: this.o.params,
      sphinxGeometryHash: geometryHash(this.o.geometry),
      layers: this.o.layers ?? this.o.mixCount,
    });
    const bytes = encodeConsensus(consensus);
    const json = JSON.stringify(encodeSignedConsensusJson(epoch, bytes, [signConsensus(bytes, this.signer)]));
    const doc = { json, consensus };
    this.documents.set(epoch, doc);
    return doc;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

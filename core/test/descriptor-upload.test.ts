import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeSignedDescriptor, fromBase64, uploadDescriptor } from '@strata/core';
import { makeTestNode } from './fixtures.js';

describe('uploadDescriptor', () => {
  const sd = makeTestNode('mix', 4100).descriptorFor(3);
  const received: Uint8Array[] = [];
  let server: Server;
  let base: string;

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (req.url !== '/v1/descriptors' || req.method !== 'POST') return void res.writeHead(404).end();
        received.push(fromBase64((JSON.parse(body) as { descriptor: string }).descriptor));
        const refuse = received.length > 1;
        res.writeHead(refuse ? 409 : 202, { 'content-type': 'application/json' }).end(JSON.stringify(refuse ? { error: 'conflict' } : { status: 'accepted' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
  });

  it('posts the descriptor to every authority and reports each outcome with its reason', async () => {
    const results = await uploadDescriptor([base, `${base}/`, 'http://127.0.0.1:1'], sd);
    assert.deepEqual(
      results.map((r) => [r.accepted, r.reason]).sort(),
      [[false, 'conflict'], [false, 'unreachable'], [true, undefined]].sort(),
    );
    assert.equal(received.length, 2);
    assert.deepEqual(decodeSignedDescriptor(received[0]).encoded, sd.encoded);
  });
});

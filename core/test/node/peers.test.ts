import assert from 'node:assert/strict';
import { createDescriptor, signDescriptor, type SignedDescriptor } from '../../src/descriptor.js';
import { Ed25519Signer, generateX25519KeyPair } from '../../src/keys.js';
import { createLinkListener, type LinkListener } from '../../src/link/listener.js';
import { generateLinkKeyPair, type LinkKeyPair } from '../../src/link/x25519.js';
import type { NodeDropReason as DropReason } from '../../src/node/drop-reasons.js';
import { PeerLinks } from '../../src/node/peers.js';
import { waitFor } from './manual-timers.js';
import { freePort } from '../../src/free-port.js';

const FRAME_BYTES = 200;

function descriptorOf(link: LinkKeyPair, port: number): SignedDescriptor {
  const signer = new Ed25519Signer(new Uint8Array(32).fill(port & 0xff));
  return signDescriptor(
    createDescriptor({
      epoch: 1,
      role: 'mix',
      identityKey: signer.publicKey,
      linkKey: link.publicKey,
      linkAddresses: [`tcp://127.0.0.1:${port}`],
      sphinxPublicKeys: [generateX25519KeyPair().publicKey, generateX25519KeyPair().publicKey],
    }),
    signer,
  );
}

describe('PeerLinks', () => {
  let listener: LinkListener<object> | undefined;
  let peers: PeerLinks | undefined;
  afterEach(async () => {
    await peers?.close();
    await listener?.close();
    peers = listener = undefined;
  });

  function links(drops: DropReason[], maxPending = 100, linkWaitMs = 300): PeerLinks {
    return new PeerLinks({
      staticKey: generateLinkKeyPair(),
      frameBytes: FRAME_BYTES,
      handshakeTimeoutMs: 5000,
      maxQueuedBytes: 1 << 20,
      maxPendingPacketsPerPeer: maxPending,
      linkWaitMs,
      onDrop: (r) => drops.push(r),
    });
  }

  it('dials a peer on first use and delivers the packets queued meanwhile, in order', async () => {
    const peerLink = generateLinkKeyPair();
    const got: number[] = [];
    listener = await createLinkListener<object>({ host: '127.0.0.1', port: 0, staticKey: peerLink, frameBytes: FRAME_BYTES, authorize: () => ({}) });
    listener.on('connection', (c) => c.on('command', (cmd) => cmd.kind === 'SendPacket' && got.push(cmd.packet[0])));
    const drops: DropReason[] = [];
    peers = links(drops);
    const d = descriptorOf(peerLink, listener.address.port);
    for (let i = 0; i < 5; i++) assert.equal(peers.send(d, Uint8Array.of(i, 1, 2)), 'sent');
    await waitFor(() => got.length === 5);
    assert.deepEqual(got, [0, 1, 2, 3, 4]);
    assert.equal(peers.send(d, Uint8Array.of(5)), 'sent');
    await waitFor(() => got.length === 6);
    assert.equal(peers.openCount, 1);
    assert.deepEqual(drops, []);
  });

  it('counts the queued packets as link_down when the peer cannot be reached', async () => {
    const port = await freePort(); // nothing listens there
    const drops: DropReason[] = [];
    peers = links(drops);
    const d = descriptorOf(generateLinkKeyPair(), port);
    peers.send(d, Uint8Array.of(1));
    peers.send(d, Uint8Array.of(2));
    await waitFor(() => drops.length === 2);
    assert.deepEqual(drops, ['link_down', 'link_down']);
  });

  it('refuses beyond the per-peer pending limit while dialling', async () => {
    const peerLink = generateLinkKeyPair();
    listener = await createLinkListener<object>({ host: '127.0.0.1', port: 0, staticKey: peerLink, frameBytes: FRAME_BYTES, authorize: () => ({}) });
    peers = links([], 2);
    const d = descriptorOf(peerLink, listener.address.port);
    assert.deepEqual([1, 2, 3].map((i) => peers!.send(d, Uint8Array.of(i))), ['sent', 'sent', 'link_down']);
  });

  it('does not deliver to a listener whose key differs from the consensus', async () => {
    listener = await createLinkListener<object>({ host: '127.0.0.1', port: 0, staticKey: generateLinkKeyPair(), frameBytes: FRAME_BYTES, authorize: () => ({}) });
    const drops: DropReason[] = [];
    peers = links(drops);
    peers.send(descriptorOf(generateLinkKeyPair(), listener.address.port), Uint8Array.of(1));
    await waitFor(() => drops.length === 1);
    assert.equal(peers.openCount, 0);
  });

  it('keeps packets for a peer that refuses the link for a moment and delivers them once it accepts', async () => {
    const peerLink = generateLinkKeyPair();
    const got: number[] = [];
    let refusals = 0;
    // The peer has not switched to the epoch that allows us yet: its first handshakes fail.
    listener = await createLinkListener<object>({
      host: '127.0.0.1',
      port: 0,
      staticKey: peerLink,
      frameBytes: FRAME_BYTES,
      authorize: () => (refusals++ < 2 ? null : {}),
    });
    listener.on('connection', (c) => c.on('command', (cmd) => cmd.kind === 'SendPacket' && got.push(cmd.packet[0])));
    const drops: DropReason[] = [];
    peers = links(drops, 100, 60_000); // the bound is not what this test is about
    const d = descriptorOf(peerLink, listener.address.port);
    for (let i = 0; i < 3; i++) assert.equal(peers.send(d, Uint8Array.of(i)), 'sent');
    await waitFor(() => got.length === 3);
    assert.deepEqual(got, [0, 1, 2]);
    assert.ok(refusals >= 3, 'the first dials were refused');
    assert.deepEqual(drops, []);
  });

  it('dials ahead with prepare, sending nothing, and later packets use that link', async () => {
    const peerLink = generateLinkKeyPair();
    const got: number[] = [];
    let connections = 0;
    listener = await createLinkListener<object>({ host: '127.0.0.1', port: 0, staticKey: peerLink, frameBytes: FRAME_BYTES, authorize: () => ({}) });
    listener.on('connection', (c) => {
      connections++;
      c.on('command', (cmd) => cmd.kind === 'SendPacket' && got.push(cmd.packet[0]));
    });
    const drops: DropReason[] = [];
    peers = links(drops);
    const d = descriptorOf(peerLink, listener.address.port);
    peers.prepare([d]);
    await waitFor(() => peers!.openCount === 1 && connections === 1);
    assert.deepEqual(got, []);
    peers.prepare([d]); // already open: no second link
    assert.equal(peers.send(d, Uint8Array.of(7)), 'sent');
    await waitFor(() => got.length === 1);
    assert.equal(connections, 1);
    assert.deepEqual(drops, []);
  });

  it('counts a packet once as link_down, and a failed prepared dial not at all', async () => {
    const port = await freePort(); // nothing listens there
    const drops: DropReason[] = [];
    peers = links(drops);
    const d = descriptorOf(generateLinkKeyPair(), port);
    peers.prepare([d]);
    // A packet queued afterwards still waits out linkWaitMs on its own and is then counted once.
    peers.send(d, Uint8Array.of(1));
    await waitFor(() => drops.length === 1);
    assert.deepEqual(drops, ['link_down']);
  });

  it('rejects options without a drop callback', () => {
    assert.throws(
      () => new PeerLinks({ staticKey: generateLinkKeyPair(), frameBytes: FRAME_BYTES, handshakeTimeoutMs: 1000, maxQueuedBytes: 1024, maxPendingPacketsPerPeer: 1 } as never),
      (e: Error) => e.name === 'AssertionError' && /onDrop/.test(e.message),
    );
  });
});

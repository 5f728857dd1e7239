import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { generateLinkKeyPair } from '@strata/core/link/x25519';
import { createPacket, createSurb, decryptSurbPayload, packetFromSurb, type PathHop } from 'sphinx-packet-ts';
import { waitFor } from '../../core/test/node/manual-timers.js';
import { anonymousPollEntries, encodeAnonymousPoll } from '../src/anonymous-poll.js';
import { pollRequest, registerSurbsRequest } from '../src/client-requests.js';
import { encodeForwardPayload, joinSurbReplyEntries, POLL_SERVICE_ID, SURB_ID_BYTES } from '../src/forward-payload.js';
import { decodePollResponse, pollResponseBytes } from '../src/poll-response.js';
import { generateEd25519KeyPair, type Ed25519KeyPair } from '../src/request-signing.js';
import { aliasId, payloadFor } from './helpers.js';
import { epochNow, g, startRig, type Rig, type StandInMix } from './mixnet-fixture.js';

/** Hop of a stand-in mix with `commands`. */
function mixHop(m: StandInMix, commands: PathHop['commands']): PathHop {
  return { id: m.nodeId, publicKey: m.sphinxOf(epochNow()).publicKey, commands };
}

describe('provider in the mixnet', function () {
  this.timeout(30_000);
  let rig: Rig;
  before(async () => {
    rig = await startRig();
  });
  after(async () => {
    await rig?.stop();
  });

  const providerHop = (commands: PathHop['commands']): PathHop => ({ id: rig.providerDescriptor().descriptor.nodeId, publicKey: rig.providerSphinxKey(), commands });
  /** A packet the layer-3 mix hands to the provider (its last hop). */
  const lastHopPacket = (recipient: Uint8Array, body: Uint8Array, surb: Uint8Array | null) =>
    createPacket(g, [providerHop([{ type: 'recipient', id: recipient }])], encodeForwardPayload(surb, body, g.surbLength));

  it('uploads a provider descriptor with its link address, client API URL and two Sphinx keys', () => {
    const d = rig.providerDescriptor().descriptor;
    assert.equal(d.role, 'provider');
    assert.equal(d.linkAddresses[0], `tcp://127.0.0.1:${rig.provider.mixnet!.linkAddress.port}`);
    assert.equal(d.clientApiUrl, `https://localhost:${rig.provider.apiPort}`);
    assert.deepEqual(d.sphinxKeys.map((k) => k.epoch), [d.epoch, d.epoch + 1]);
  });

  it('forwards a registered client\'s packet to the layer-1 mix after unwrapping its hop', async () => {
    const clientLink = generateLinkKeyPair();
    await rig.registerUser(aliasId(1), clientLink.publicKey);
    const conn = await rig.dial(clientLink);
    const l1 = rig.layer(1);
    const before = l1.received.length;
    const marker = randomBytes(32);
    const packet = createPacket(g, [providerHop([{ type: 'nodeDelay', delayMs: 5 }]), mixHop(l1, [{ type: 'recipient', id: marker }])], new Uint8Array(g.forwardPayloadLength));
    await conn.send({ kind: 'SendPacket', packet });
    await waitFor(() => l1.received.length > before);
    assert.deepEqual(Buffer.from(l1.received.at(-1)!.recipient!), marker);
    conn.close();
  });

  it('refuses a link from a client key nobody registered', async () => {
    await assert.rejects(rig.dial(generateLinkKeyPair()), { name: 'HandshakeError', reason: 'refused' });
  });

  it('refuses a link from a mix that is not in the last layer', async () => {
    await assert.rejects(rig.dial(rig.layer(1).link), { name: 'HandshakeError', reason: 'refused' });
  });

  it('stores a message from the last layer durably before sending its SURB-ACK to layer 1', async () => {
    const alias = aliasId(2);
    const user = await rig.registerUser(alias);
    const l1 = rig.layer(1);
    const l3 = rig.layer(3);
    const surbId = randomBytes(SURB_ID_BYTES);
    const ackAlias = randomBytes(32);
    const surb = createSurb(g, [mixHop(l1, [{ type: 'recipient', id: ackAlias }, { type: 'surbReply', id: surbId }])]);
    const conn = await rig.dial(l3.link);
    const acksBefore = l1.received.length;
    let storedWhenAckArrived = -1;
    const body = payloadFor(1, g.userForwardPayloadLength);
    await conn.send({ kind: 'SendPacket', packet: lastHopPacket(alias, body, surb.surb) });
    await waitFor(() => {
      // A synchronous read of committed data the moment the ACK is seen at layer 1.
      if (l1.received.length > acksBefore && storedWhenAckArrived < 0) storedWhenAckArrived = rig.provider.store.poll(alias, user.device.publicKey).entries.length;
      return storedWhenAckArrived >= 0;
    });
    assert.equal(storedWhenAckArrived, 1, 'the message was committed before the ACK left');
    const ack = l1.received.at(-1)!;
    assert.deepEqual(Buffer.from(ack.surbId!), surbId);
    assert.equal(decryptSurbPayload(g, ack.payload!, surb.surbKeys).every((b) => b === 0), true);
    assert.equal(await rig.metric('strata_provider_acks_sent_total'), 1);
    conn.close();
  });

  it('drops a message for an alias it does not know, counted unknown_alias', async () => {
    const conn = await rig.dial(rig.layer(3).link);
    const before = await rig.metric('strata_provider_packets_dropped_total', '{reason="unknown_alias"}');
    await conn.send({ kind: 'SendPacket', packet: lastHopPacket(aliasId(999), payloadFor(2, g.userForwardPayloadLength), null) });
    await rig.waitForMetric('strata_provider_packets_dropped_total', '{reason="unknown_alias"}', before + 1);
    conn.close();
  });

  it('stores a SURB reply in the dropbox of the alias that registered the SURB id', async () => {
    const alias = aliasId(3);
    const user = await rig.registerUser(alias);
    const surbId = randomBytes(SURB_ID_BYTES);
    const reg = await rig.api('POST', '/v1/surbs', registerSurbsRequest(alias, user.aliasKey.privateKey, [surbId], Date.now() + 600_000));
    assert.equal(reg.status, 200);
    // The reply SURB ends at this provider: Recipient(any) + SURBReply(surbId).
    const surb = createSurb(g, [providerHop([{ type: 'recipient', id: alias }, { type: 'surbReply', id: surbId }])]);
    const reply = randomBytes(g.forwardPayloadLength);
    const { packet } = packetFromSurb(g, surb.surb, reply);
    const conn = await rig.dial(rig.layer(3).link);
    await conn.send({ kind: 'SendPacket', packet });
    // The id is released (single use) only after both parts are durable.
    await waitFor(() => rig.provider.surbs.lookup(surbId) === undefined);
    assert.equal(rig.provider.store.messageCount(alias), 2);
    const res = await rig.api('POST', '/v1/poll', pollRequest(alias, user.aliasKey.privateKey, user.device.publicKey));
    const entries = decodePollResponse(res.body).entries.map((e) => e.payload);
    assert.deepEqual(Buffer.from(entries[0].subarray(0, SURB_ID_BYTES)), surbId);
    const joined = joinSurbReplyEntries(entries, 32 + g.forwardPayloadLength);
    assert.deepEqual(Buffer.from(decryptSurbPayload(g, joined.reply, surb.surbKeys)), reply);
    conn.close();
  });

  it('answers an anonymous poll with a SURB reply holding the oldest message, and a forged one with dummies', async () => {
    const alias = aliasId(4);
    const user = await rig.registerUser(alias);
    await rig.provider.store.store(alias, payloadFor(40, g.userForwardPayloadLength));
    const l1 = rig.layer(1);
    const l3 = rig.layer(3);
    const conn = await rig.dial(l3.link);
    const ask = async (key: Ed25519KeyPair) => {
      const surbId = randomBytes(SURB_ID_BYTES);
      const surb = createSurb(g, [mixHop(l1, [{ type: 'recipient', id: randomBytes(32) }, { type: 'surbReply', id: surbId }])]);
      const body = encodeAnonymousPoll(alias, key.privateKey, user.device.publicKey, g.userForwardPayloadLength);
      await conn.send({ kind: 'SendPacket', packet: lastHopPacket(POLL_SERVICE_ID, body, surb.surb) });
      await waitFor(() => l1.received.some((r) => r.surbId && Buffer.from(r.surbId).equals(surbId)));
      const r = l1.received.find((x) => x.surbId && Buffer.from(x.surbId).equals(surbId))!;
      const plain = decryptSurbPayload(g, r.payload!, surb.surbKeys);
      const k = anonymousPollEntries(g.forwardPayloadLength, g.userForwardPayloadLength);
      return decodePollResponse(plain.subarray(0, pollResponseBytes(k, g.userForwardPayloadLength)));
    };
    const good = await ask(user.aliasKey);
    assert.equal(good.entries.length, 1);
    assert.deepEqual(Buffer.from(good.entries[0].payload), payloadFor(40, g.userForwardPayloadLength));
    const forged = await ask(generateEd25519KeyPair());
    assert.equal(forged.entries.length, 0);
    conn.close();
  });
});

describe('provider ingress rate limit', function () {
  this.timeout(30_000);
  let rig: Rig;
  before(async () => {
    rig = await startRig({ rateLimit: { packetsPerSecond: 0.001, burst: 3 } });
  });
  after(async () => {
    await rig?.stop();
  });

  it('drops a client\'s packets beyond its token bucket, counted rate_limited', async () => {
    const clientLink = generateLinkKeyPair();
    await rig.registerUser(aliasId(5), clientLink.publicKey);
    const conn = await rig.dial(clientLink);
    const l1 = rig.layer(1);
    const hop = { id: rig.providerDescriptor().descriptor.nodeId, publicKey: rig.providerSphinxKey(), commands: [{ type: 'nodeDelay' as const, delayMs: 0 }] };
    for (let i = 0; i < 5; i++) {
      const packet = createPacket(g, [hop, mixHop(l1, [{ type: 'recipient', id: randomBytes(32) }])], new Uint8Array(g.forwardPayloadLength));
      await conn.send({ kind: 'SendPacket', packet });
    }
    await rig.waitForMetric('strata_provider_packets_dropped_total', '{reason="rate_limited"}', 2);
    await waitFor(() => l1.received.length === 3);
    conn.close();
  });
});

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { HandshakeError } from '../../src/link/errors.js';
import { XXHandshakeState, xxMessageBytes } from '../../src/link/handshake-state.js';
import { generateLinkKeyPair, linkKeyPairFromPrivateKey } from '../../src/link/x25519.js';

interface NoiseVector {
  name: string;
  init_prologue: string;
  init_static: string;
  init_ephemeral: string;
  resp_prologue: string;
  resp_static: string;
  resp_ephemeral: string;
  messages: { payload: string; ciphertext: string }[];
}

const VECTORS: NoiseVector[] = JSON.parse(
  readFileSync(new URL('./vectors/noise-xx-25519-chachapoly-sha256.json', import.meta.url), 'utf8'),
).vectors;

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function pair(a: XXHandshakeState, b: XXHandshakeState, payload = new Uint8Array(0)): void {
  b.readMessage(a.writeMessage(payload), payload.length);
}

describe('XXHandshakeState', () => {
  for (const v of VECTORS) {
    it(`reproduces the cacophony vector ${v.name} byte for byte`, () => {
      const init = new XXHandshakeState({
        role: 'initiator',
        prologue: hex(v.init_prologue),
        staticKey: linkKeyPairFromPrivateKey(hex(v.init_static)),
        ephemeralKey: linkKeyPairFromPrivateKey(hex(v.init_ephemeral)),
      });
      const resp = new XXHandshakeState({
        role: 'responder',
        prologue: hex(v.resp_prologue),
        staticKey: linkKeyPairFromPrivateKey(hex(v.resp_static)),
        ephemeralKey: linkKeyPairFromPrivateKey(hex(v.resp_ephemeral)),
      });
      const sides = [init, resp];
      for (let i = 0; i < 3; i++) {
        const m = v.messages[i];
        const ct = sides[i % 2].writeMessage(hex(m.payload));
        assert.equal(toHex(ct), m.ciphertext, `handshake message ${i}`);
        assert.equal(toHex(sides[(i + 1) % 2].readMessage(ct, hex(m.payload).length)), m.payload);
      }
      const i2r = init.split();
      const r2i = resp.split();
      assert.deepEqual(i2r.handshakeHash, r2i.handshakeHash);
      // Transport messages keep alternating: responder first (message 3), then initiator.
      for (let i = 3; i < v.messages.length; i++) {
        const m = v.messages[i];
        const [w, r] = i % 2 === 1 ? [r2i, i2r] : [i2r, r2i];
        const ct = w.send.encryptWithAd(new Uint8Array(0), hex(m.payload));
        assert.equal(toHex(ct), m.ciphertext, `transport message ${i}`);
        assert.equal(toHex(r.recv.decryptWithAd(new Uint8Array(0), ct)), m.payload);
      }
    });
  }

  it('gives each side the other side\'s static key', () => {
    const a = generateLinkKeyPair();
    const b = generateLinkKeyPair();
    const init = new XXHandshakeState({ role: 'initiator', prologue: new Uint8Array(0), staticKey: a });
    const resp = new XXHandshakeState({ role: 'responder', prologue: new Uint8Array(0), staticKey: b });
    pair(init, resp);
    pair(resp, init);
    assert.ok(init.remoteStaticKeyEquals(b.publicKey));
    pair(init, resp);
    assert.deepEqual(resp.split().remoteStaticKey, a.publicKey);
    assert.deepEqual(init.split().remoteStaticKey, b.publicKey);
  });

  it('rejects message 1 when the prologues differ', () => {
    const init = new XXHandshakeState({ role: 'initiator', prologue: hex('01'), staticKey: generateLinkKeyPair() });
    const resp = new XXHandshakeState({ role: 'responder', prologue: hex('02'), staticKey: generateLinkKeyPair() });
    pair(init, resp);
    assert.throws(() => pair(resp, init), (e: HandshakeError) => e.name === 'HandshakeError' && e.reason === 'bad_handshake');
  });

  it('rejects a handshake message of the wrong length', () => {
    const resp = new XXHandshakeState({ role: 'responder', prologue: new Uint8Array(0), staticKey: generateLinkKeyPair() });
    assert.throws(() => resp.readMessage(new Uint8Array(xxMessageBytes(0, 0) + 1)), { name: 'HandshakeError', reason: 'bad_handshake' });
  });

  it('rejects an all-zero (low-order) ephemeral key', () => {
    const init = new XXHandshakeState({ role: 'initiator', prologue: new Uint8Array(0), staticKey: generateLinkKeyPair() });
    init.writeMessage(new Uint8Array(0));
    const resp = new XXHandshakeState({ role: 'responder', prologue: new Uint8Array(0), staticKey: generateLinkKeyPair() });
    resp.readMessage(new Uint8Array(32)); // message 0 carries only e: accepted, DH happens when writing
    assert.throws(() => resp.writeMessage(new Uint8Array(0)), { name: 'HandshakeError', reason: 'low_order' });
  });

  it('rejects a flipped bit in the encrypted static key of message 1', () => {
    const init = new XXHandshakeState({ role: 'initiator', prologue: new Uint8Array(0), staticKey: generateLinkKeyPair() });
    const resp = new XXHandshakeState({ role: 'responder', prologue: new Uint8Array(0), staticKey: generateLinkKeyPair() });
    pair(init, resp);
    const m1 = resp.writeMessage(new Uint8Array(0));
    m1[40] ^= 1;
    assert.throws(() => init.readMessage(m1), { name: 'HandshakeError', reason: 'bad_handshake' });
  });
});

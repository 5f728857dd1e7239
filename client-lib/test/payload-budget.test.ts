import assert from 'node:assert/strict';
import { envelopeCapacity } from '../src/envelope.js';
import { FRAGMENT_HEADER_BYTES } from '../src/fragment.js';
import { payloadBudget } from '../src/payload-budget.js';

describe('payloadBudget', () => {
  it('leaves 1226 fragment data bytes in a 2000-byte payload behind a 572-byte SURB-ACK', () => {
    const b = payloadBudget();
    assert.deepEqual({ ...b }, { userPayloadBytes: 2000, surbAckHeaderBytes: 574, envelopeBytes: 1426, bodyBytes: 1279, fragmentDataBytes: 1226 });
    assert.equal(b.bodyBytes, envelopeCapacity(b.envelopeBytes));
    assert.equal(b.fragmentDataBytes, b.bodyBytes - FRAGMENT_HEADER_BYTES);
  });

  it('follows the geometry: a 2048-byte payload leaves 48 more bytes', () => {
    assert.equal(payloadBudget(2048).fragmentDataBytes, 1226 + 48);
  });

  it('refuses a payload too small to carry one data byte', () => {
    assert.throws(() => payloadBudget(574 + 147 + 53), { name: 'InvalidArgumentError' });
    assert.equal(payloadBudget(574 + 147 + 53 + 1).fragmentDataBytes, 1);
  });
});

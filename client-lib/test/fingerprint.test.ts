import assert from 'node:assert/strict';
import { fingerprint, fingerprintsMatch, safetyNumber } from '../src/fingerprint.js';
import { identityFromSecrets } from '../src/identity.js';
import { seededBytes } from './helpers.js';

describe('fingerprint', () => {
  const a = identityFromSecrets(seededBytes(32, 11), seededBytes(32, 12));
  const b = identityFromSecrets(seededBytes(32, 13), seededBytes(32, 14));

  it('is six groups of five digits and stable for one identity', () => {
    assert.match(fingerprint(a), /^\d{5}( \d{5}){5}$/);
    assert.equal(fingerprint(a), fingerprint({ ...a }));
    assert.notEqual(fingerprint(a), fingerprint(b));
  });

  it('changes when either key changes', () => {
    assert.notEqual(fingerprint(a), fingerprint({ ed25519PublicKey: a.ed25519PublicKey, x25519PublicKey: b.x25519PublicKey }));
    assert.notEqual(fingerprint(a), fingerprint({ ed25519PublicKey: b.ed25519PublicKey, x25519PublicKey: a.x25519PublicKey }));
  });

  it('gives both parties the same 60-digit safety number', () => {
    assert.equal(safetyNumber(a, b), safetyNumber(b, a));
    assert.match(safetyNumber(a, b), /^\d{5}( \d{5}){11}$/);
  });

  it('matches typed fingerprints regardless of spacing, and nothing else', () => {
    const f = fingerprint(a);
    assert.equal(fingerprintsMatch(f, f.replace(/ /g, '')), true);
    assert.equal(fingerprintsMatch(f, f.replace(/ /g, '-')), true);
    assert.equal(fingerprintsMatch(f, fingerprint(b)), false);
    assert.equal(fingerprintsMatch('', ''), false);
  });
});

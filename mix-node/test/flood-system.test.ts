// System test (short variant of `npm run flood`): one real mix process under a garbage and
// handshake flood from an attacker process, while a load-generator process sends real
// createPacket traffic through it. Nothing real is lost, the mix stays up, and it counts what it
// refused by reason.
import assert from 'node:assert/strict';
import { runFlood } from '../scripts/flood-run.js';

describe('a mix under a loopback flood', function () {
  this.timeout(120_000);

  it('loses no real packet, stays up, and counts the refused handshakes by reason', async () => {
    const report = await runFlood({
      secondsPerPhase: 3,
      ratePps: 50,
      phases: ['flood'],
      attackConcurrency: 1,
      meanDelayMs: 10,
      seed: 3,
      // Low link limits so they are hit whatever the machine's speed.
      mixConfig: { link: { handshakesPerSecond: 20, handshakeBurst: 20, maxConnectionsPerPeer: 2 } },
    });
    const [flood] = report.phases;
    assert.equal(report.mixAlive, true);
    assert.equal(flood.sent, 150);
    assert.equal(flood.received, flood.sent, 'real packets were lost');
    assert.equal(flood.duplicates, 0);
    assert.ok(flood.attack!.garbageConnections > 0 && flood.attack!.handshakeAttempts > 0, 'the attacker did not run');
    assert.ok((flood.mix_counters['link_handshake_failures.handshake_rate'] ?? 0) > 0, 'no handshake refused by rate');
    const refusedGarbage = (flood.mix_counters['link_handshake_failures.bad_handshake'] ?? 0) + (flood.mix_counters['link_handshake_failures.unknown_peer'] ?? 0);
    assert.ok(refusedGarbage > 0, 'no garbage handshake counted');
  });
});

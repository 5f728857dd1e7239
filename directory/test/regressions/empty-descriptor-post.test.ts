// Regression (issue 9 fuzzing, directory_inject_descriptors): a POST /v1/descriptors with no
// content type and no body reached the handler unparsed — the body schema is keyed by content
// type, so nothing validated it — and the authority answered 500. Now it is refused with 415
// `media-type` and counted.
import { strict as assert } from 'node:assert';
import type { RunningDirectory } from '@strata/directory';
import { startLoneAuthority, type LoneAuthority } from '../lone-authority.js';

describe('POST /v1/descriptors without a content type or a body', function () {
  this.timeout(20_000);
  let running: RunningDirectory;
  let authority: LoneAuthority;

  before(async () => {
    authority = await startLoneAuthority('empty-descriptor');
    running = authority.running;
  });

  after(async () => {
    await authority?.stop();
  });

  it('is refused with 415 media-type and counted, over a real socket', async () => {
    const res = await fetch(`${running.url}/v1/descriptors`, { method: 'POST' });
    assert.equal(res.status, 415);
    assert.equal(((await res.json()) as { error: string }).error, 'media-type');
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    assert.match(metrics, /strata_directory_rejected_total\{[^}]*route="descriptors"[^}]*reason="media-type"[^}]*\} 1|strata_directory_rejected_total\{[^}]*reason="media-type"[^}]*route="descriptors"[^}]*\} 1/);
  });

  it('is refused the same way through the whole request pipeline in process (app.inject)', async () => {
    const res = await running.server.inject({ method: 'POST', url: '/v1/descriptors' });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().error, 'media-type');
  });
});

// Regression (issue 9 fuzzing, directory_inject_descriptors): a POST /v1/descriptors with no
// content type and no body reached the handler unparsed — the body schema is keyed by content
// type, so nothing validated it — and the authority answered 500. Now it is refused with 415
// `media-type` and counted.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keygen } from '@strata/core';
import { parseDirectoryConfig, startDirectory, type RunningDirectory } from '@strata/directory';

describe('POST /v1/descriptors without a content type or a body', function () {
  this.timeout(20_000);
  let dir: string;
  let running: RunningDirectory;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-empty-descriptor-'));
    const { identityKey } = keygen(dir);
    running = await startDirectory(
      parseDirectoryConfig({
        identityKeyFile: join(dir, 'identity.key'),
        dataDir: join(dir, 'data'),
        listen: { host: '127.0.0.1', port: 0 },
        epoch: { lengthMs: 60_000 },
        authorities: [{ identityKey, url: 'http://127.0.0.1:1' }],
        log: { level: 'silent' },
      }),
    );
  });

  after(async () => {
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
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

// One real authority daemon for HTTP-level tests: a fresh identity key and LMDB store in a temp
// dir, an OS-chosen port, 60 s epochs, and a set of one (its only peer URL unreachable).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keygen } from '@strata/core';
import { parseDirectoryConfig, startDirectory, type RunningDirectory } from '@strata/directory';

export interface LoneAuthority {
  readonly dir: string;
  readonly running: RunningDirectory;
  /** Stops the daemon and deletes its dir. */
  stop(): Promise<void>;
}

/** Starts it in a new temp dir named `strata-<name>-…`; `extra` adds config sections (e.g. `limits`). */
export async function startLoneAuthority(name: string, extra: Record<string, unknown> = {}): Promise<LoneAuthority> {
  const dir = mkdtempSync(join(tmpdir(), `strata-${name}-`));
  const { identityKey } = keygen(dir);
  const running = await startDirectory(
    parseDirectoryConfig({
      identityKeyFile: join(dir, 'identity.key'),
      dataDir: join(dir, 'data'),
      listen: { host: '127.0.0.1', port: 0 },
      epoch: { lengthMs: 60_000 },
      authorities: [{ identityKey, url: 'http://127.0.0.1:1' }],
      log: { level: 'silent' },
      ...extra,
    }),
  );
  return {
    dir,
    running,
    async stop() {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

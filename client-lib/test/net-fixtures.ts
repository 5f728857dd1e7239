// The provider binary as a child process for the client's network tests (its key files are made
// here first, so that a test can name the provider before it starts).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { readKeyFile } from '@strata/core/key-file';
import { keygen } from '@strata/core/keygen-command';

const PROVIDER_BIN = resolve(fileURLToPath(import.meta.url), '../../../provider/src/bin.ts');

export interface RunningProvider {
  readonly child: ChildProcess;
  readonly url: string;
  readonly apiPort: number;
  readonly adminPort: number;
  readonly identitySeed: Uint8Array;
  readonly identityKey: Uint8Array;
  readonly linkKey: Uint8Array;
  readonly linkPrivateKey: Uint8Array;
  stop(): Promise<void>;
}

export interface ProviderFixtureOptions {
  readonly authorities?: readonly { url: string; identityKey: string }[];
  readonly network?: Record<string, unknown>;
  readonly messageBytes?: number;
  /** Further `dropbox` settings (e.g. aliasQuotaMessages for a large message waiting for an offline recipient). */
  readonly dropbox?: Record<string, unknown>;
  /** The provider's `mixnet` config section (absent: dropboxes and API only). */
  readonly mixnet?: Record<string, unknown>;
}

/** Makes (once) the provider's key files under `dir`, so a test can list and sign for it first. */
export function providerKeys(dir: string): { dataDir: string; identityKey: Uint8Array; identitySeed: Uint8Array } {
  const dataDir = join(dir, 'provider-data');
  if (!existsSync(join(dataDir, 'identity.key'))) keygen(dataDir);
  const identity = readKeyFile(join(dataDir, 'identity.key'), 'ed25519-identity');
  return { dataDir, identityKey: identity.publicKey, identitySeed: identity.privateKey };
}

/** Starts `provider/src/bin.ts` with a fresh config under `dir`; resolves once both listeners are up. */
export async function startProvider(dir: string, opts: ProviderFixtureOptions = {}): Promise<RunningProvider> {
  const dataDir = providerKeys(dir).dataDir;
  const identity = readKeyFile(join(dataDir, 'identity.key'), 'ed25519-identity');
  const link = readKeyFile(join(dataDir, 'link.key'), 'x25519-link');
  const configFile = join(dir, 'provider.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      dataDir,
      name: 'test-provider',
      api: { host: '127.0.0.1', port: 0, tls: { hostnames: ['127.0.0.1'] } },
      admin: { enabled: true, host: '127.0.0.1', port: 0 },
      dropbox: { messageBytes: opts.messageBytes ?? 2000, pollEntries: 16, ...opts.dropbox },
      wellKnown: { authorities: opts.authorities ?? [], network: opts.network ?? {} },
      log: { level: 'info' },
      ...(opts.mixnet ? { mixnet: opts.mixnet } : {}),
    }),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=strata-source', PROVIDER_BIN, '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const ports = await new Promise<{ api: number; admin: number }>((res, rej) => {
    let api = 0;
    let admin = 0;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let rec: { msg?: string; port?: number };
      try {
        rec = JSON.parse(line);
      } catch {
        return;
      }
      if (rec.msg === 'api listening') api = rec.port!;
      if (rec.msg === 'admin listening') admin = rec.port!;
      if (api && admin) res({ api, admin });
    });
    void exited.then(() => rej(new Error(`provider exited early: ${stderr}`)));
  });
  child.stdout!.resume();
  return {
    child,
    url: `https://127.0.0.1:${ports.api}`,
    apiPort: ports.api,
    adminPort: ports.admin,
    identitySeed: identity.privateKey,
    identityKey: identity.publicKey,
    linkKey: link.publicKey,
    linkPrivateKey: link.privateKey,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

// A set of directory authorities running as real child processes on loopback, for system
// tests, benchmarks and local testnets. Keys, configs, LMDB folders and logs live under `dir`.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keygen, toHex, type NetworkParams } from '@strata/core';
import { DIRECTORY_DEFAULTS } from './config.js';
import { freePort } from '@strata/core/free-port';

export interface LocalAuthoritiesOptions {
  dir: string;
  count: number;
  epochLengthMs: number;
  schedule?: { uploadCloseBeforeEpochMs?: number; votePhaseMs?: number; revealPhaseMs?: number; signPhaseMs?: number; tickMs?: number };
  allow: { mixes: readonly Uint8Array[]; providers: readonly Uint8Array[] };
  network?: Partial<NetworkParams> & { mixLayers?: number };
  sphinxGeometryHash: Uint8Array;
  logLevel?: string;
}


const HERE = dirname(fileURLToPath(import.meta.url));
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const REPO_ROOT = resolve(HERE, '..', '..');

export class LocalAuthorities {
  readonly urls: string[] = [];
  readonly identityKeys: Uint8Array[] = [];
  readonly configFiles: string[] = [];
  private readonly children: (ChildProcess | undefined)[] = [];

  private constructor(readonly options: LocalAuthoritiesOptions) {}

  /** Writes keys and configs for `count` authorities (does not start them). */
  static async prepare(options: LocalAuthoritiesOptions): Promise<LocalAuthorities> {
    const la = new LocalAuthorities(options);
    mkdirSync(options.dir, { recursive: true });
    const ports: number[] = [];
    for (let i = 0; i < options.count; i++) ports.push(await freePort());
    const authorities = [];
    for (let i = 0; i < options.count; i++) {
      const keys = keygen(join(options.dir, `authority-${i}`, 'keys'));
      la.identityKeys.push(Buffer.from(keys.identityKey, 'hex'));
      la.urls.push(`http://127.0.0.1:${ports[i]}`);
      authorities.push({ identityKey: keys.identityKey, url: la.urls[i] });
    }
    for (let i = 0; i < options.count; i++) {
      const base = join(options.dir, `authority-${i}`);
      const config = {
        identityKeyFile: join(base, 'keys', 'identity.key'),
        dataDir: join(base, 'data'),
        listen: { host: '127.0.0.1', port: ports[i] },
        epoch: { lengthMs: options.epochLengthMs, genesisMs: 0 },
        schedule: options.schedule ?? {},
        authorities,
        allow: { mixes: options.allow.mixes.map(toHex), providers: options.allow.providers.map(toHex) },
        network: { ...DIRECTORY_DEFAULTS.network, ...options.network, sphinxGeometryHash: toHex(options.sphinxGeometryHash) },
        log: { level: options.logLevel ?? 'info' },
      };
      const file = join(base, 'config.json');
      writeFileSync(file, JSON.stringify(config, null, 2));
      la.configFiles.push(file);
    }
    return la;
  }

  /** Spawns authority `i` and waits until its /healthz answers. */
  async start(i: number, timeoutMs = 20_000): Promise<void> {
    if (this.children[i]) return;
    const bin = FROM_SOURCE ? join(HERE, 'bin.ts') : join(HERE, 'bin.js');
    const args = FROM_SOURCE ? ['--import', 'tsx', '--conditions=strata-source', bin] : [bin];
    const log = createWriteStream(join(this.options.dir, `authority-${i}`, 'daemon.log'), { flags: 'a' });
    const child = spawn(process.execPath, [...args, '--config', this.configFiles[i]], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.children[i] = child;
    let exited = false;
    child.once('exit', () => {
      exited = true;
      if (this.children[i] === child) this.children[i] = undefined;
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) throw new Error(`authority ${i} exited during start (see ${join(this.options.dir, `authority-${i}`, 'daemon.log')})`);
      try {
        const res = await fetch(`${this.urls[i]}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline) throw new Error(`authority ${i} did not come up`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async startAll(): Promise<void> {
    await Promise.all(this.urls.map((_, i) => this.start(i)));
  }

  /** SIGTERM (then SIGKILL after 5 s) and wait for the exit. */
  async stop(i: number): Promise<void> {
    const child = this.children[i];
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((res) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(kill);
        res();
      });
      child.kill('SIGTERM');
    });
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.urls.map((_, i) => this.stop(i)));
  }

  running(i: number): boolean {
    return this.children[i] !== undefined;
  }
}

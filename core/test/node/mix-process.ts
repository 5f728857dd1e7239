// Runs a mix node as a real child process (mix-node/src/bin.ts under tsx, or the built
// mix-node/dist/bin.js as operators run it) and follows its JSON log lines. Shared by the mix-node
// and provider system tests (real mixes, real links) and the mix benchmark (built).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './manual-timers.js';

const BIN = fileURLToPath(new URL('../../../mix-node/src/bin.ts', import.meta.url));
const BUILT_BIN = fileURLToPath(new URL('../../../mix-node/dist/bin.js', import.meta.url));

export class MixProcess {
  readonly lines: Record<string, unknown>[] = [];
  private child: ChildProcess | undefined;
  exitCode: number | null | undefined;
  stderr = '';

  /** `built`: run mix-node/dist/bin.js (after `tsc -b`) instead of the TypeScript source. */
  constructor(
    readonly dir: string,
    readonly config: Record<string, unknown>,
    readonly options: { built?: boolean } = {},
  ) {}

  start(): void {
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, 'mix.json');
    writeFileSync(file, JSON.stringify(this.config));
    this.lines.length = 0;
    this.exitCode = undefined;
    // STRATA_MIX_NODE_ARGS: extra Node flags for the mix child (profiling: `--cpu-prof --cpu-prof-dir=DIR`).
    const extra = (process.env.STRATA_MIX_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    const entry = this.options.built === true ? [BUILT_BIN] : ['--import', 'tsx', '--conditions=strata-source', BIN];
    const child = spawn(process.execPath, [...extra, ...entry, '--config', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          /* not a log line */
        }
      }
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    child.on('exit', (code) => (this.exitCode = code));
  }

  get alive(): boolean {
    return this.child !== undefined && this.exitCode === undefined;
  }

  line(msg: string): Record<string, unknown> | undefined {
    return this.lines.find((l) => l.msg === msg);
  }

  async waitLine(msg: string, limitMs = 20_000): Promise<Record<string, unknown>> {
    await waitFor(() => this.line(msg) !== undefined || this.exitCode !== undefined, limitMs);
    const l = this.line(msg);
    if (!l) throw new Error(`mix exited (${this.exitCode}) before logging "${msg}": ${this.stderr}`);
    return l;
  }

  get metricsUrl(): string {
    return String(this.line('mix node started')?.metrics);
  }

  async metric(name: string, labels = ''): Promise<number> {
    const text = await (await fetch(`${this.metricsUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
    return line === undefined ? 0 : Number(line.split(' ')[1]);
  }

  /** SIGTERM (graceful stop) and wait for the exit. */
  async stop(): Promise<number | null | undefined> {
    if (!this.alive) return this.exitCode;
    this.child!.kill('SIGTERM');
    await waitFor(() => this.exitCode !== undefined, 20_000);
    return this.exitCode;
  }

  kill(): void {
    if (this.alive) this.child!.kill('SIGKILL');
  }
}

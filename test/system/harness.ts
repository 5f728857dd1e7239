// System-test harness: runs the real `strata` CLI as child processes, waits on conditions, and
// cleans up every process it caused (each testnet is brought down, each CLI child killed) even
// when a test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifestPath, testnetDown } from '@strata/cli';

export { waitFor } from '@strata/cli/testnet/wait';

const STRATA_BIN = fileURLToPath(new URL('../../cli/src/bin.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliRun {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

export class SystemHarness {
  private readonly dirs: string[] = [];
  private readonly testnets: string[] = [];
  private readonly children = new Set<ChildProcess>();

  /** A fresh temporary directory, deleted by cleanup() (kept with STRATA_KEEP_TEST_DIR=1). */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), `strata-${prefix}-`));
    this.dirs.push(dir);
    return dir;
  }

  /** Writes `value` as JSON to `dir/name` and returns the path. */
  writeJson(dir: string, name: string, value: unknown): string {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(value, null, 2));
    return file;
  }

  /** Registers a testnet dir to be brought down by cleanup(). */
  ownTestnet(dir: string): void {
    if (!this.testnets.includes(dir)) this.testnets.push(dir);
  }

  /** Starts `strata <args>` from source (the way `npm start` runs it). */
  strata(args: readonly string[]): CliRun {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=strata-source', STRATA_BIN, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    const run: CliRun = {
      child,
      stdout: '',
      stderr: '',
      exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    };
    child.stdout!.on('data', (d: Buffer) => (run.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (run.stderr += d.toString()));
    void run.exited.then(() => this.children.delete(child));
    return run;
  }

  /** Runs `strata <args>` to completion. */
  async strataDone(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const run = this.strata(args);
    const code = await run.exited;
    return { code, stdout: run.stdout, stderr: run.stderr };
  }

  /** Kills CLI children, brings every registered testnet down, deletes temp dirs. */
  async cleanup(): Promise<void> {
    for (const c of this.children) c.kill('SIGKILL');
    for (const dir of this.testnets) {
      if (existsSync(manifestPath(dir))) await testnetDown(dir, 5000).catch(() => undefined);
    }
    this.testnets.length = 0;
    for (const dir of this.dirs) {
      if (process.env.STRATA_KEEP_TEST_DIR) console.log(`kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    }
    this.dirs.length = 0;
  }
}

/** Path of `promtool`, or undefined when it is not installed (.ci/run installs Debian's prometheus). */
export function promtoolPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, 'promtool');
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** Runs `promtool check metrics` on `text`; resolves with its exit code and output. */
export async function promtoolCheck(promtool: string, text: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(promtool, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  child.stdin.end(text);
  return { code: await code, output };
}

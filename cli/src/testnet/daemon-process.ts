// Spawning and stopping the testnet's daemons as detached child processes.
//
// Each daemon runs its own package's entry point (`<pkg>/src/bin.ts` under tsx when this CLI runs
// from source with `--conditions=strata-source`, `<pkg>/dist/bin.js` when it runs from dist), so
// `npm ci` is the only setup. Children get their own process group and log to a file, so they
// outlive `strata testnet up`; `down` finds them again by pid and checks /proc/<pid>/cmdline
// names their config file before signalling (a recycled pid is never signalled).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TestnetError } from './errors.js';
import { waitFor } from './wait.js';

export type DaemonPackage = '@strata/directory' | '@strata/mix-node' | '@strata/provider';

/** The repository root (cwd of every daemon, so that `--import tsx` resolves). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** `node` arguments that run `pkg`'s daemon entry point, from source or from dist like this CLI. */
export function daemonArgs(pkg: DaemonPackage): string[] {
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve(`${pkg}/bin`));
  } catch (err) {
    throw new TestnetError('daemon-missing', `cannot resolve the daemon entry point of ${pkg}: ${(err as Error).message}`, { cause: err });
  }
  if (!existsSync(entry)) throw new TestnetError('daemon-missing', `${entry} does not exist (run \`npm run build\` or use --conditions=strata-source)`);
  return entry.endsWith('.ts') ? ['--import', 'tsx', '--conditions=strata-source', entry] : [entry];
}

export interface SpawnedDaemon {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Set once the process has exited (code or signal). */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/** `ip`, for daemons placed in a network namespace (`ip netns exec NS node …` execs node in place). */
export const IP_COMMAND = 'ip';

/**
 * Starts `pkg`'s daemon with `--config configFile`, detached, stdout+stderr appended to logFile;
 * inside network namespace `netns` when given (the pid is then node's: `ip netns exec` execs it).
 */
export function spawnDaemon(pkg: DaemonPackage, configFile: string, logFile: string, netns: string | null = null): SpawnedDaemon {
  const fd = openSync(logFile, 'a', 0o600);
  try {
    const node = [process.execPath, ...daemonArgs(pkg), '--config', configFile];
    const [cmd, ...args] = netns === null ? node : [IP_COMMAND, 'netns', 'exec', netns, ...node];
    const child = spawn(cmd, args, {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    if (child.pid === undefined) throw new TestnetError('daemon-exited', `could not spawn ${pkg}`);
    const d: SpawnedDaemon = { pid: child.pid, child, exit: undefined };
    child.once('exit', (code, signal) => (d.exit = { code, signal }));
    child.unref();
    return d;
  } finally {
    closeSync(fd);
  }
}

/** True when `pid` is alive and its command line names `configFile` (so it is our daemon). */
export function isOurDaemon(pid: number, configFile: string): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie (state Z, after the ')' closing the command name) has exited already.
    if (/\)\s+Z\s/.test(stat)) return false;
    return argv.includes(configFile);
  } catch {
    return false; // no /proc (not Linux) or the process is gone
  }
}

/**
 * Stops one daemon: SIGTERM (graceful: they flush and close), then SIGKILL to its process group
 * after `graceMs`. Resolves with how it ended.
 */
export async function stopDaemon(pid: number, configFile: string, graceMs: number): Promise<'not-running' | 'terminated' | 'killed'> {
  if (!isOurDaemon(pid, configFile)) return 'not-running';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'not-running';
  }
  try {
    await waitFor(`pid ${pid} to exit`, () => !isOurDaemon(pid, configFile), { timeoutMs: graceMs, intervalMs: 50 });
    return 'terminated';
  } catch {
    try {
      process.kill(-pid, 'SIGKILL'); // its own group (spawned detached)
    } catch {
      /* gone meanwhile */
    }
    await waitFor(`pid ${pid} to die`, () => !isOurDaemon(pid, configFile), { timeoutMs: 5000, intervalMs: 50 }).catch(() => {});
    return 'killed';
  }
}

/** The last `lines` lines of a log file (for error messages). */
export function logTail(logFile: string, lines = 15): string {
  try {
    const text = readFileSync(logFile, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n').trim();
  } catch {
    return '(no log)';
  }
}

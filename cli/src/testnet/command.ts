// `strata testnet up|down|status|run --dir DIR [--config FILE]`.
import { resolve } from 'node:path';
import { Command } from 'commander';
import { ConfigError, StrataError } from '@strata/core';
import { loadTestnetConfig, parseTestnetConfig, type TestnetConfig } from './config.js';
import { testnetDown } from './down.js';
import { DemoClients } from './demo-clients.js';
import { writeManifest, readManifest } from './manifest.js';
import { formatStatusLine, formatStatusTable, testnetStatus } from './status.js';
import { testnetUp } from './up.js';

/** Default data dir of `npm start` (git-ignored). */
export const DEFAULT_TESTNET_DIR = '.strata/testnet';
const STATUS_INTERVAL_MS = 2000;
/** How often each demo client writes to its peer in `run`. */
const DEMO_SEND_INTERVAL_MS = 5000;

function loadConfig(file: string | undefined): TestnetConfig {
  return file === undefined ? parseTestnetConfig({}) : loadTestnetConfig(file);
}

/** Runs an action, turning our typed errors into a one-line message and an exit code (2: config). */
async function guarded(what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`strata testnet ${what}: ${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof StrataError) {
      process.stderr.write(`strata testnet ${what}: ${err.name} (${err.reason}): ${err.message}\n`);
      process.exitCode = 1;
    } else throw err;
  }
}

interface DirOpts {
  dir: string;
  config?: string;
}

export function testnetCommand(): Command {
  const cmd = new Command('testnet').description('a whole local Strata network on loopback: authorities, mixes, providers (cli/README.md)');

  cmd
    .command('up')
    .description('generate keys and configs (first time), start every daemon detached, wait for the first consensus, write DIR/testnet.json')
    .requiredOption('--dir <dir>', 'testnet data directory')
    .option('--config <file>', 'testnet config (JSON; sizes, mode fast|normal, epoch length, rates)')
    .option('--wait <stage>', 'return once every daemon answers (healthy) or once the first consensus is served (consensus)')
    .action((opts: DirOpts & { wait?: string }) =>
      guarded('up', async () => {
        const config = loadConfig(opts.config);
        if (opts.wait !== undefined && opts.wait !== 'healthy' && opts.wait !== 'consensus') throw new ConfigError('--wait', 'must be healthy or consensus');
        const m = await testnetUp(opts.dir, config, {
          onProgress: (l) => process.stdout.write(`${l}\n`),
          ...(opts.wait ? { wait: opts.wait as TestnetConfig['wait'] } : {}),
        });
        process.stdout.write(`testnet ${m.state}: ${m.nodes.length} daemons; details in ${resolve(opts.dir, 'testnet.json')}\n`);
      }),
    );

  cmd
    .command('down')
    .description('stop every daemon of DIR (SIGTERM, SIGKILL after a bound)')
    .requiredOption('--dir <dir>', 'testnet data directory')
    .option('--config <file>', 'testnet config (for timeouts.stopMs)')
    .action((opts: DirOpts) =>
      guarded('down', async () => {
        const results = await testnetDown(opts.dir, loadConfig(opts.config).timeouts.stopMs);
        for (const r of results) process.stdout.write(`${r.name}: ${r.result}\n`);
      }),
    );

  cmd
    .command('status')
    .description('print the state of every daemon of DIR (from testnet.json and their /healthz and /metrics)')
    .requiredOption('--dir <dir>', 'testnet data directory')
    .option('--json', 'print JSON', false)
    .action((opts: { dir: string; json: boolean }) =>
      guarded('status', async () => {
        const s = await testnetStatus(opts.dir);
        process.stdout.write(opts.json ? JSON.stringify(s, null, 2) + '\n' : formatStatusTable(s));
      }),
    );

  cmd
    .command('run')
    .description('foreground: up, then a live status line until Ctrl-C, then down (what `npm start` runs)')
    .option('--dir <dir>', 'testnet data directory', DEFAULT_TESTNET_DIR)
    .option('--config <file>', 'testnet config (JSON)')
    .action((opts: DirOpts) => guarded('run', () => runForeground(opts.dir, loadConfig(opts.config))));

  return cmd;
}

/** `npm start`: bring the testnet up, show a live status, stop everything cleanly on SIGINT/SIGTERM. */
async function runForeground(dir: string, config: TestnetConfig): Promise<void> {
  let stopping = false;
  let wake: (() => void) | undefined;
  const onSignal = (): void => {
    if (!stopping) process.stdout.write('\nstopping the testnet…\n');
    stopping = true;
    wake?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const tty = process.stdout.isTTY === true;
  let demo: DemoClients | undefined;
  let warnings = 0;
  try {
    // Wait for the first consensus: the demo clients send through it.
    await testnetUp(dir, config, { onProgress: (l) => process.stdout.write(`${l}\n`) });
    if (config.clients > 0 && !stopping) {
      process.stdout.write(`starting ${config.clients} demo clients (DIR/client-<i>), each writing to the next every ${DEMO_SEND_INTERVAL_MS / 1000} s\n`);
      demo = await DemoClients.start(readManifest(dir), config.clients, { sendIntervalMs: DEMO_SEND_INTERVAL_MS, onWarning: () => void warnings++ });
      const m = readManifest(dir);
      m.clients = { requested: config.clients, running: demo.stats.running, note: `demo clients run inside \`strata testnet run\` (pid ${process.pid})` };
      writeManifest(dir, m);
    }
    process.stdout.write(`testnet up in ${resolve(dir)} (testnet.json lists every address); Ctrl-C stops it\n`);
    while (!stopping) {
      const s = await testnetStatus(dir);
      if (demo) {
        const d = demo.stats;
        s.clients = { ...s.clients, running: d.running };
        s.messagesSent = d.sent;
        s.messagesReceived = d.delivered;
        s.p50LatencyMs = d.p50LatencyMs;
      }
      const line = `${new Date().toISOString().slice(11, 19)} ${formatStatusLine(s)}`;
      process.stdout.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, STATUS_INTERVAL_MS);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  } finally {
    if (tty) process.stdout.write('\n');
    await demo?.close();
    const results = await testnetDown(dir, config.timeouts.stopMs).catch(() => []);
    const killed = results.filter((r) => r.result === 'killed').map((r) => r.name);
    process.stdout.write(`testnet stopped${killed.length ? ` (had to SIGKILL ${killed.join(', ')})` : ''}\n`);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

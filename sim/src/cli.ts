import { Command } from 'commander';
import { loadScenario } from './scenario.js';
import { runToDir } from './run.js';
import { runSweep } from './sweep.js';

/** The `strata-sim` command (also mounted by the `strata` CLI as `strata sim`). */
export function simCommand(name = 'strata-sim'): Command {
  const program = new Command(name).description('Strata traffic-analysis simulator');
  program
    .command('run')
    .argument('<scenario>', 'scenario JSON file (see docs/sim.md)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--quiet', 'print nothing on success')
    .description('run a scenario: summary.json, messages.csv, SVG plots, index.html')
    .action(async (file: string, o: { out: string; quiet?: boolean }) => {
      const sc = loadScenario(file);
      const s = await runToDir(sc, o.out);
      if (o.quiet !== true) {
        const m = s.metrics;
        process.stdout.write(
          `${sc.name}: ${s.messages.sent} messages, ${s.events} events in ${s.wall.seconds.toFixed(2)} s; ` +
            `entropy ${m.messageEntropyBits.mean?.toFixed(3) ?? '-'} bits (error ≤ ${s.notes.entropyErrorBoundMaxBits?.toFixed(4) ?? '-'}), latency p50 ${m.latencyMs.median?.toFixed(1)} ms → ${o.out}\n`,
        );
      }
    });
  program
    .command('sweep')
    .argument('<grid>', 'grid JSON file: { "base": scenario or path, "grid": { "dotted.path": [values] } }')
    .requiredOption('--out <dir>', 'output directory (re-run to resume)')
    .option('--parallel <n>', 'child processes (default: number of cores)', (v) => Number.parseInt(v, 10))
    .option('--quiet', 'no progress bar')
    .description('run a parameter grid on all cores; resumes after interruption')
    .action(async (file: string, o: { out: string; parallel?: number; quiet?: boolean }) => {
      await runSweep(file, o.out, { parallel: o.parallel, quiet: o.quiet });
    });
  return program;
}

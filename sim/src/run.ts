import { runRepetition, type RepResult } from './engine.js';
import { writeReport } from './report.js';
import type { Scenario } from './scenario.js';
import { summarise, type Summary } from './summary.js';
import { loadTrace, type Trace } from './trace.js';

export interface RunOutput {
  summary: Summary;
  reps: RepResult[];
}

/** Runs every repetition of a scenario (sequentially, one core) and returns the summary. */
export function runScenario(sc: Readonly<Scenario>): RunOutput {
  const trace: Trace | null = sc.realTraffic.kind === 'trace' ? loadTrace(sc.realTraffic.file, sc.users.count) : null;
  const t0 = performance.now();
  const reps: RepResult[] = [];
  for (let r = 0; r < sc.repetitions; r++) reps.push(runRepetition(sc, r, trace));
  const wall = (performance.now() - t0) / 1000;
  return { summary: summarise(sc, reps, wall), reps };
}

/** `strata-sim run`: runs the scenario and writes the report into outDir. */
export async function runToDir(sc: Readonly<Scenario>, outDir: string): Promise<Summary> {
  const { summary, reps } = runScenario(sc);
  await writeReport(outDir, sc, reps, summary);
  return summary;
}

import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScenarioError } from './errors.js';
import { parseScenario, withOverrides } from './scenario.js';
import type { Summary } from './summary.js';

/** A sweep grid: a base scenario (file path relative to the grid, or inline) and dotted-path value lists. */
export interface Grid {
  base: string | Record<string, unknown>;
  grid: Record<string, unknown[]>;
}

export interface Cell {
  id: string;
  overrides: Record<string, unknown>;
}

/** Cartesian product of the grid, in a fixed order (keys as written, values in order). */
export function gridCells(grid: Record<string, unknown[]>): Cell[] {
  const keys = Object.keys(grid);
  let cells: Record<string, unknown>[] = [{}];
  for (const k of keys) {
    const vals = grid[k];
    if (!Array.isArray(vals) || vals.length === 0) throw new ScenarioError(`grid.grid.${k}: must be a non-empty array`);
    const next: Record<string, unknown>[] = [];
    for (const c of cells) for (const v of vals) next.push({ ...c, [k]: v });
    cells = next;
  }
  const width = String(cells.length).length;
  return cells.map((overrides, i) => ({
    id:
      String(i).padStart(width, '0') +
      '-' +
      Object.entries(overrides)
        .map(([k, v]) => `${k.split('.').pop()}=${JSON.stringify(v)}`)
        .join(',')
        .replace(/[^A-Za-z0-9=.,_-]/g, '_')
        .slice(0, 100),
    overrides,
  }));
}

function progress(done: number, total: number, skipped: number): void {
  const w = 30;
  const f = total > 0 ? Math.round((done / total) * w) : w;
  process.stderr.write(`\r[${'#'.repeat(f)}${'-'.repeat(w - f)}] ${done}/${total} cells${skipped > 0 ? ` (${skipped} already done)` : ''}`);
}

function binPath(): string {
  const here = fileURLToPath(import.meta.url);
  return join(dirname(here), here.endsWith('.ts') ? 'bin.ts' : 'bin.js');
}

/**
 * `strata-sim sweep`: runs every cell of the grid with up to `parallel` child processes (default: one
 * per core). Each finished cell is a directory `cells/<id>/` (written under `<id>.tmp` and renamed when
 * complete); on restart finished cells are skipped and half-written ones are redone. At the end
 * `sweep.json` lists each cell's overrides and metric means.
 */
export async function runSweep(gridFile: string, outDir: string, opts: { parallel?: number; quiet?: boolean } = {}): Promise<void> {
  let grid: Grid;
  try {
    grid = JSON.parse(readFileSync(gridFile, 'utf8')) as Grid;
  } catch (err) {
    throw new ScenarioError(`${gridFile}: cannot read grid (${(err as Error).message})`, 'io');
  }
  if (grid === null || typeof grid !== 'object' || grid.grid === null || typeof grid.grid !== 'object') {
    throw new ScenarioError('grid: must have "base" and "grid"');
  }
  const gridDir = dirname(resolve(gridFile));
  let baseRaw: Record<string, unknown>;
  let baseDir = gridDir;
  if (typeof grid.base === 'string') {
    const f = resolve(gridDir, grid.base);
    baseDir = dirname(f);
    baseRaw = JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>;
  } else baseRaw = grid.base;
  const cells = gridCells(grid.grid);
  const cellsDir = join(outDir, 'cells');
  mkdirSync(cellsDir, { recursive: true });
  for (const name of readdirSync(cellsDir)) if (name.endsWith('.tmp')) rmSync(join(cellsDir, name), { recursive: true, force: true });
  // Validate every cell before starting any.
  const todo: { cell: Cell; file: string }[] = [];
  let skipped = 0;
  for (const cell of cells) {
    const sc = parseScenario(withOverrides(baseRaw, cell.overrides), baseDir);
    if (existsSync(join(cellsDir, cell.id, 'summary.json'))) {
      skipped++;
      continue;
    }
    const file = join(cellsDir, `${cell.id}.scenario.json`);
    writeFileSync(file, JSON.stringify(sc, null, 2) + '\n');
    todo.push({ cell, file });
  }
  const parallel = Math.max(1, opts.parallel ?? cpus().length);
  let done = skipped;
  if (opts.quiet !== true) progress(done, cells.length, skipped);
  let next = 0;
  let failure: Error | null = null;
  const worker = async (): Promise<void> => {
    while (next < todo.length && failure === null) {
      const { cell, file } = todo[next++];
      const tmp = join(cellsDir, `${cell.id}.tmp`);
      await new Promise<void>((res, rej) => {
        const child = fork(binPath(), ['run', file, '--out', tmp, '--quiet'], { execArgv: process.execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
        child.on('error', rej);
        child.on('exit', (code) => (code === 0 ? res() : rej(new Error(`cell ${cell.id} failed (exit ${code})`))));
      }).catch((err: Error) => {
        failure = err;
      });
      if (failure !== null) return;
      renameSync(tmp, join(cellsDir, cell.id));
      rmSync(file, { force: true });
      done++;
      if (opts.quiet !== true) progress(done, cells.length, skipped);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, Math.max(1, todo.length)) }, worker));
  if (opts.quiet !== true) process.stderr.write('\n');
  if (failure !== null) throw failure;
  const table = cells.map((cell) => {
    const s = JSON.parse(readFileSync(join(cellsDir, cell.id, 'summary.json'), 'utf8')) as Summary;
    const means: Record<string, number | null> = {};
    for (const [k, m] of Object.entries(s.metrics)) means[k] = m.mean;
    return { id: cell.id, overrides: cell.overrides, means };
  });
  writeFileSync(join(outDir, 'sweep.json'), JSON.stringify({ cells: table }, null, 2) + '\n');
}

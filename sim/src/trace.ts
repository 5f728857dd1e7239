import { readFileSync } from 'node:fs';
import { ScenarioError } from './errors.js';

/** Real-traffic trace: sorted send times (ms) with sender and recipient user indices. */
export interface Trace {
  timesMs: Float64Array;
  senders: Int32Array;
  recipients: Int32Array;
}

/**
 * Parses a trace file: one message per line, `timeMs,sender,recipient` (CSV; `#` comments and a
 * header line starting with a letter are skipped). Lines are sorted by time (stable).
 */
export function parseTrace(text: string, users: number, what = 'trace'): Trace {
  const rows: Array<[number, number, number]> = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#') || /^[a-zA-Z]/.test(line)) continue;
    const parts = line.split(',');
    const t = Number(parts[0]);
    const s = Number(parts[1]);
    const r = Number(parts[2]);
    if (parts.length !== 3 || !Number.isFinite(t) || t < 0 || !Number.isInteger(s) || !Number.isInteger(r)) {
      throw new ScenarioError(`${what}:${i + 1}: expected timeMs,sender,recipient`, 'semantic');
    }
    if (s < 0 || s >= users || r < 0 || r >= users) throw new ScenarioError(`${what}:${i + 1}: user index out of range`, 'semantic');
    rows.push([t, s, r]);
  }
  rows.sort((a, b) => a[0] - b[0]);
  return {
    timesMs: Float64Array.from(rows, (r) => r[0]),
    senders: Int32Array.from(rows, (r) => r[1]),
    recipients: Int32Array.from(rows, (r) => r[2]),
  };
}

export function loadTrace(file: string, users: number): Trace {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(`${file}: cannot read trace (${(err as Error).message})`, 'io');
  }
  return parseTrace(text, users, file);
}

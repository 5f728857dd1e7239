// The one fuzz campaign runner of the workspace (issue 9): every package's `npm run fuzz` script
// declares targets and calls runFuzzMain(); this file does seeding, time boxes, mutation, the
// per-case watchdog and the JSON summary. It lives in the cross-package test/ folder; package fuzz
// scripts import it by relative path (`../../test/fuzz/campaign.js`).
//
// Usage of any fuzz script:
//   [-- --seed S] [--max-seconds T] [--cases N] [--target a,b] [--watchdog-ms W]
//   (or FUZZ_SEED, FUZZ_SECONDS, FUZZ_CASES, FUZZ_TARGETS, FUZZ_WATCHDOG_MS in the environment)
//
// Each target runs in its own child process (same node flags). The child heartbeats to the parent
// at least every ~50 ms of work; a case that blocks the event loop past the watchdog is killed by
// the parent and counted as a hang, with the seed and case index to replay it. Async cases get the
// same watchdog in-process. Output: one JSON line per target on stdout,
//   {"target","cases","seconds","crashes","hangs","seed"}
// and the outcome histogram plus up to 5 crashing inputs (hex) on stderr. Exit code 1 on any
// crash or hang.
import { fork } from 'node:child_process';

/** Deterministic random source (xorshift128), seeded. */
export interface Rng {
  u32(): number;
  /** Uniform in [0, n). */
  int(n: number): number;
  bytes(n: number): Uint8Array;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
}

export function createRng(seed: number): Rng {
  let a = (seed ^ 0x9e3779b9) >>> 0 || 1;
  let b = (0x6a09e667 ^ seed) >>> 0;
  let c = 0xbb67ae85;
  let d = 0x3c6ef372;
  const u32 = (): number => {
    const t = a ^ (a << 11);
    a = b;
    b = c;
    c = d;
    d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return d;
  };
  const rng: Rng = {
    u32,
    int: (n) => (n <= 1 ? 0 : u32() % n),
    bytes: (n) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = u32() & 0xff;
      return out;
    },
    chance: (p) => u32() / 0x1_0000_0000 < p,
    pick: (xs) => xs[rng.int(xs.length)],
  };
  return rng;
}

const EDGE_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe];

/**
 * One random mutation of a valid input: bit flips, byte swaps, truncation, extension, range
 * overwrite, edge values, range duplication/deletion. Never mutates `x` in place.
 */
export function mutateBytes(rnd: Rng, x: Uint8Array): Uint8Array {
  const out = new Uint8Array(x); // a copy (Buffer#slice would be a view)
  const n = out.length;
  if (n === 0) return rnd.bytes(1 + rnd.int(64));
  switch (rnd.int(9)) {
    case 0: // a few bit flips
      for (let k = 1 + rnd.int(8); k > 0; k--) out[rnd.int(n)] ^= 1 << rnd.int(8);
      return out;
    case 1: // swap two bytes
    {
      const i = rnd.int(n);
      const j = rnd.int(n);
      [out[i], out[j]] = [out[j], out[i]];
      if (out[i] === out[j]) out[i] ^= 0x01; // make sure something changed
      return out;
    }
    case 2: // truncate
      return out.subarray(0, rnd.int(n));
    case 3: // extend with random bytes
      return concat(out, rnd.bytes(1 + rnd.int(100)));
    case 4: // overwrite a range with random bytes
    {
      const at = rnd.int(n);
      out.set(rnd.bytes(Math.min(n - at, 1 + rnd.int(64))), at);
      return out;
    }
    case 5: // one byte to an edge value
      out[rnd.int(n)] = rnd.pick(EDGE_BYTES);
      return out;
    case 6: // duplicate a range
    {
      const at = rnd.int(n);
      const len = 1 + rnd.int(Math.min(64, n - at));
      return concat(out.subarray(0, at + len), out.subarray(at));
    }
    case 7: // delete a range
    {
      const at = rnd.int(n);
      const len = 1 + rnd.int(Math.min(64, n - at));
      return concat(out.subarray(0, at), out.subarray(at + len));
    }
    default: // stack two mutations
      return mutateBytes(rnd, mutateBytes(rnd, x));
  }
}

/** Mutates a string as UTF-8 bytes (may produce invalid UTF-8 → U+FFFD after decoding). */
export function mutateString(rnd: Rng, s: string): string {
  return Buffer.from(mutateBytes(rnd, Buffer.from(s, 'utf8'))).toString('utf8');
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A JSON value mutator for structure-aware campaigns over JSON inputs (HTTP bodies, configs). */
export function mutateJson(rnd: Rng, v: unknown, depth = 0): unknown {
  const weird = (): unknown =>
    rnd.pick<() => unknown>([
      () => null,
      () => -1,
      () => 2 ** 53 + 2,
      () => 1e308 * 10, // Infinity → serialized as null by JSON.stringify
      () => 0.5,
      () => '',
      () => 'x'.repeat(rnd.int(5000)),
      () => '__proto__',
      () => [],
      () => ({}),
      () => true,
      () => ({ __proto__: { polluted: 1 } }),
      () => Buffer.from(rnd.bytes(rnd.int(64))).toString('hex'),
      () => Buffer.from(rnd.bytes(rnd.int(64))).toString('base64'),
    ])();
  if (depth > 6 || rnd.chance(0.15)) return weird();
  if (Array.isArray(v)) {
    const out = v.slice();
    if (out.length > 0 && rnd.chance(0.5)) {
      const i = rnd.int(out.length);
      out[i] = mutateJson(rnd, out[i], depth + 1);
    } else if (rnd.chance(0.5)) out.push(weird());
    else out.splice(rnd.int(out.length + 1), 1);
    return out;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    const keys = Object.keys(out);
    const r = rnd.int(4);
    if (keys.length > 0 && r < 2) {
      const k = rnd.pick(keys);
      out[k] = mutateJson(rnd, out[k], depth + 1);
    } else if (keys.length > 0 && r === 2) delete out[rnd.pick(keys)];
    else out[rnd.pick(['extra', 'constructor', '__proto__', keys[0] ?? 'k'])] = weird();
    return out;
  }
  if (typeof v === 'string') return rnd.chance(0.5) ? mutateString(rnd, v) : weird();
  if (typeof v === 'number') return rnd.pick([v + 1, v - 1, -v, v * 2 ** 32, NaN, 0, weird()]);
  return weird();
}

/** A campaign target. `run` performs one case; what it throws is classified by `expected`. */
export interface FuzzTarget<C = unknown> {
  name: string;
  /** Cases when no --cases is given (default 1,000,000; network targets: run to the time box). */
  defaultCases?: number;
  /** Time box in seconds when no --max-seconds is given (default 300). */
  defaultSeconds?: number;
  /** Per-case watchdog in ms (default 2000; 10 s for network targets). */
  watchdogMs?: number;
  /** Async cases kept in flight at once (default 1: one after another). */
  concurrency?: number;
  setup?(rnd: Rng): C | Promise<C>;
  /** One case; may return an outcome label (default 'ok'). */
  run(ctx: C, rnd: Rng): void | string | Promise<void | string>;
  /** Returns the outcome label of an expected (typed) error, or null: a crash. */
  expected(err: unknown): string | null;
  teardown?(ctx: C): void | Promise<void>;
  /** Extra checks after the campaign (e.g. the server still serves); throw to report a crash. */
  after?(ctx: C): void | Promise<void>;
}

/** Classifier for typed errors: `Name:reason` for the listed error names, null otherwise. */
export function typedErrors(...names: string[]): (err: unknown) => string | null {
  return (err) => {
    if (!(err instanceof Error) || !names.includes(err.name)) return null;
    const reason = (err as { reason?: unknown }).reason;
    return typeof reason === 'string' ? `${err.name}:${reason}` : err.name;
  };
}

/** Thrown by a case when the decoder returned something it must not (a broken invariant). */
export class FuzzInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FuzzInvariantError';
  }
}

export function invariant(cond: unknown, message: string): asserts cond {
  if (!cond) throw new FuzzInvariantError(message);
}

/** The input of the current case, recorded for crash reports (set by targets, optional). */
let lastInput: unknown = undefined;
export function recordInput(input: unknown): void {
  lastInput = input;
}

interface Options {
  seed: number;
  maxSeconds?: number;
  cases?: number;
  targets?: string[];
  watchdogMs?: number;
}

function readOptions(): Options {
  const argv = process.argv;
  const flag = (name: string, env: string): string | undefined => {
    const i = argv.lastIndexOf(`--${name}`); // the parent appends --target for its child
    if (i >= 0 && i + 1 < argv.length) return argv[i + 1];
    return process.env[env];
  };
  const num = (name: string, env: string): number | undefined => {
    const v = flag(name, env);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a non-negative number, got ${v}`);
    return n;
  };
  const targets = flag('target', 'FUZZ_TARGETS');
  return {
    seed: num('seed', 'FUZZ_SEED') ?? 1,
    maxSeconds: num('max-seconds', 'FUZZ_SECONDS'),
    cases: num('cases', 'FUZZ_CASES'),
    targets: targets ? targets.split(',').filter(Boolean) : undefined,
    watchdogMs: num('watchdog-ms', 'FUZZ_WATCHDOG_MS'),
  };
}

export interface FuzzSummary {
  target: string;
  cases: number;
  seconds: number;
  /** CPU time of the target's process over its cases (user + system; load-independent, unlike seconds). */
  cpuSeconds?: number;
  crashes: number;
  hangs: number;
  seed: number;
}

function describeInput(x: unknown): string {
  if (x instanceof Uint8Array) return `hex:${Buffer.from(x.subarray(0, 4096)).toString('hex')}${x.length > 4096 ? `…(${x.length} B)` : ''}`;
  try {
    const s = JSON.stringify(x);
    return s === undefined ? String(x) : s.length > 4096 ? `${s.slice(0, 4096)}…` : s;
  } catch {
    return String(x);
  }
}

/** Child side: runs one target and reports to the parent. */
async function runChild(target: FuzzTarget<unknown>, opts: Options): Promise<void> {
  const send = (m: unknown): void => void process.send?.(m);
  const rnd = createRng(opts.seed);
  const maxCases = opts.cases ?? target.defaultCases ?? 1_000_000;
  const maxMs = (opts.maxSeconds ?? target.defaultSeconds ?? 300) * 1000;
  const watchdogMs = opts.watchdogMs ?? target.watchdogMs ?? 2000;
  const outcomes = new Map<string, number>();
  const crashesSeen: string[] = [];
  let crashes = 0;
  let hangs = 0;
  const ctx = await target.setup?.(rnd);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let lastBeat = t0;
  let i = 0;
  let lastOutcome: unknown;
  // Beats whenever the event loop is free (async cases); a blocked loop stops them.
  const beat = setInterval(() => send({ beat: i }), 500);
  const crash = (err: unknown): void => {
    crashes++;
    if (crashesSeen.length < 5) {
      const e = err as Error;
      crashesSeen.push(`case ${i}: ${e?.name}: ${e?.message}\n  input ${describeInput(lastInput)}\n  ${String(e?.stack).split('\n').slice(1, 4).join('\n  ')}`);
    }
  };
  const concurrency = target.concurrency ?? 1;
  if (concurrency > 1) {
    // Async cases that mostly wait (disk commits, thread-pool signature checks): keep `concurrency`
    // in flight. A case draws from `rnd` and records its input before its first await, so the
    // input is captured per case; the order of the draws stays deterministic.
    const inflight = new Set<Promise<void>>();
    const runOne = async (idx: number): Promise<void> => {
      lastInput = undefined;
      let input: unknown;
      let timer: NodeJS.Timeout | undefined;
      const HANG = Symbol('hang');
      try {
        const r = target.run(ctx as never, rnd);
        input = lastInput;
        const timeout = new Promise<typeof HANG>((res) => (timer = setTimeout(() => res(HANG), watchdogMs)));
        const v = await Promise.race([Promise.resolve(r), timeout]);
        if (v === HANG) {
          hangs++;
          if (crashesSeen.length < 5) crashesSeen.push(`case ${idx}: hang (> ${watchdogMs} ms)\n  input ${describeInput(input)}`);
          return;
        }
        const label = typeof v === 'string' ? v : 'ok';
        outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
      } catch (err) {
        const label = target.expected(err);
        if (label !== null) outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
        else {
          lastInput = input ?? lastInput;
          const saved = i;
          i = idx; // crash() reports the case index and lastInput
          crash(err);
          i = saved;
        }
      } finally {
        clearTimeout(timer);
      }
    };
    for (; i < maxCases && performance.now() - t0 < maxMs; i++) {
      const p: Promise<void> = runOne(i).finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= concurrency) await Promise.race(inflight);
      const now = performance.now();
      if (now - lastBeat > 50) {
        lastBeat = now;
        send({ beat: i });
        await new Promise((r) => setImmediate(r));
      }
    }
    await Promise.all(inflight);
  }
  for (; i < maxCases && performance.now() - t0 < maxMs; i++) {
    lastInput = undefined;
    const start = performance.now();
    try {
      let r = target.run(ctx as never, rnd);
      lastOutcome = undefined;
      if (r instanceof Promise) {
        let timer: NodeJS.Timeout | undefined;
        const HANG = Symbol('hang');
        const timeout = new Promise<typeof HANG>((res) => (timer = setTimeout(() => res(HANG), watchdogMs)));
        const v = await Promise.race([r, timeout]).finally(() => clearTimeout(timer));
        if (v === HANG) {
          hangs++;
          if (crashesSeen.length < 5) crashesSeen.push(`case ${i}: hang (> ${watchdogMs} ms)\n  input ${describeInput(lastInput)}`);
          r = 'hang';
        } else r = v;
      }
      lastOutcome = r;
      if (r !== 'hang') {
        const label = typeof r === 'string' ? r : 'ok';
        outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
      }
    } catch (err) {
      const label = target.expected(err);
      if (label === null) crash(err);
      else outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
    }
    const now = performance.now();
    if (now - start > watchdogMs && lastOutcome !== 'hang') {
      hangs++;
      if (crashesSeen.length < 5) crashesSeen.push(`case ${i}: blocked ${Math.round(now - start)} ms (> ${watchdogMs} ms)\n  input ${describeInput(lastInput)}`);
    }
    if (now - lastBeat > 50) {
      lastBeat = now;
      send({ beat: i });
      await new Promise((r) => setImmediate(r)); // let IPC, timers and sockets run
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(beat);
  try {
    await target.after?.(ctx as never);
  } catch (err) {
    crash(err);
  }
  await target.teardown?.(ctx as never);
  process.stderr.write(
    `${JSON.stringify({ target: target.name, outcomes: Object.fromEntries([...outcomes].sort()) })}\n` +
      crashesSeen.map((s) => `${target.name} ${s}\n`).join(''),
  );
  const cpuSeconds = Math.round((cpu.user + cpu.system) / 1e5) / 10;
  const summary: FuzzSummary = { target: target.name, cases: i, seconds: Math.round(seconds * 10) / 10, cpuSeconds, crashes, hangs, seed: opts.seed };
  // Exit right after the summary is out: a target's leftover handle must not keep the child alive.
  await new Promise<void>((r) => (process.send ? process.send({ summary }, () => r()) : r()));
  process.exit(0);
}

/** How long a child may take to set its target up before its first heartbeat. */
const SETUP_GRACE_MS = 60_000;

/** Parent side: one child per target, watchdog on heartbeats, one summary line per target. */
async function supervise(script: string, target: FuzzTarget<unknown>, opts: Options): Promise<FuzzSummary> {
  const stallMs = Math.max(5000, 2 * (opts.watchdogMs ?? target.watchdogMs ?? 2000));
  return new Promise((resolve) => {
    const child = fork(script, [...process.argv.slice(2), '--target', target.name], {
      execArgv: process.execArgv,
      env: { ...process.env, STRATA_FUZZ_CHILD: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let summary: FuzzSummary | null = null;
    let lastCase = 0;
    let killedForHang = false;
    const t0 = performance.now();
    // Setup (a daemon starting: keys, TLS certificate, LMDB) sends no beats: a longer first grace.
    let timer = setTimeout(onStall, Math.max(stallMs, SETUP_GRACE_MS));
    function onStall(): void {
      killedForHang = true;
      process.stderr.write(`${target.name}: no heartbeat for ${stallMs} ms (last beat at case ${lastCase}, seed ${opts.seed}): killed as a hang\n`);
      child.kill('SIGKILL');
    }
    child.on('message', (m: { beat?: number; summary?: FuzzSummary }) => {
      clearTimeout(timer);
      if (m.summary) summary = m.summary;
      else {
        lastCase = m.beat ?? lastCase;
        timer = setTimeout(onStall, stallMs);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (summary) return resolve(summary);
      const seconds = Math.round(((performance.now() - t0) / 1000) * 10) / 10;
      // A child that died without a summary crashed the process (or hung and was killed).
      resolve({ target: target.name, cases: lastCase, seconds, crashes: killedForHang || code === 0 ? 0 : 1, hangs: killedForHang ? 1 : 0, seed: opts.seed });
    });
  });
}

/**
 * Entry point of a package's fuzz script: `await runFuzzMain(import.meta.filename, targets)`.
 * Runs the targets one after another (2-core machine: never in parallel).
 */
export async function runFuzzMain(script: string, targets: FuzzTarget<never>[]): Promise<void> {
  const opts = readOptions();
  const all = targets as unknown as FuzzTarget<unknown>[];
  if (process.env.STRATA_FUZZ_CHILD === '1') {
    const name = opts.targets?.at(-1);
    const target = all.find((t) => t.name === name);
    if (!target) throw new Error(`unknown fuzz target ${name}`);
    await runChild(target, opts);
    return;
  }
  const unknown = (opts.targets ?? []).filter((n) => !all.some((t) => t.name === n));
  if (unknown.length > 0) throw new Error(`unknown fuzz target(s): ${unknown.join(', ')} (have: ${all.map((t) => t.name).join(', ')})`);
  const selected = opts.targets ? all.filter((t) => opts.targets!.includes(t.name)) : all;
  process.stderr.write(`fuzz: seed ${opts.seed}, targets ${selected.map((t) => t.name).join(', ')}\n`);
  let failed = false;
  for (const t of selected) {
    const s = await supervise(script, t, opts);
    console.log(JSON.stringify(s));
    if (s.crashes > 0 || s.hangs > 0) failed = true;
  }
  if (failed) process.exitCode = 1;
}

import { mkdirSync, writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { RepResult } from './engine.js';
import type { Scenario } from './scenario.js';
import type { Summary } from './summary.js';
import { renderPlot } from './svg-plot.js';
import { erlangCdf, quantileSorted } from './stats.js';

const num = (x: number): string => (Number.isNaN(x) ? '' : x === Infinity ? 'inf' : String(x));

/** Writes messages.csv: one line per real message sent in the measurement window. */
export async function writeMessagesCsv(file: string, reps: RepResult[]): Promise<void> {
  const out = createWriteStream(file);
  const write = (s: string): Promise<void> =>
    out.write(s) ? Promise.resolve() : new Promise<void>((res) => out.once('drain', () => res()));
  await write('rep,sender,recipient,sent_ms,delivered_ms,latency_ms,entropy_bits,min_entropy_bits,entropy_error_bound_bits,reference_entropy_bits,sender_anonymity_bits,epsilon\n');
  for (const r of reps) {
    const c = r.columns;
    let chunk = '';
    for (let i = 0; i < c.sentMs.length; i++) {
      chunk += `${r.rep},${c.sender[i]},${c.recipient[i]},${num(c.sentMs[i])},${num(c.deliveredMs[i])},${num(c.deliveredMs[i] - c.sentMs[i])},${num(c.entropy[i])},${num(c.minEntropy[i])},${num(c.entropyErrorBound[i])},${num(c.referenceEntropy[i])},${num(c.senderAnonymity[i])},${num(c.epsilon[i])}\n`;
      if (chunk.length > 1 << 16) {
        await write(chunk);
        chunk = '';
      }
    }
    await write(chunk);
  }
  await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
}

/** Mean entropy per latency bin (deciles of latency): does waiting longer buy anonymity? */
function entropyVsDelay(reps: RepResult[]): { xs: number[]; ys: number[] } {
  const pairs: Array<[number, number]> = [];
  for (const r of reps) {
    const c = r.columns;
    for (let i = 0; i < c.sentMs.length; i++) {
      const lat = c.deliveredMs[i] - c.sentMs[i];
      if (Number.isFinite(lat) && Number.isFinite(c.entropy[i])) pairs.push([lat, c.entropy[i]]);
    }
  }
  pairs.sort((a, b) => a[0] - b[0]);
  const bins = 20;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let b = 0; b < bins; b++) {
    const lo = Math.floor((b * pairs.length) / bins);
    const hi = Math.floor(((b + 1) * pairs.length) / bins);
    if (hi <= lo) continue;
    let sx = 0;
    let sy = 0;
    for (let i = lo; i < hi; i++) {
      sx += pairs[i][0];
      sy += pairs[i][1];
    }
    xs.push(sx / (hi - lo));
    ys.push(sy / (hi - lo));
  }
  return { xs, ys };
}

export function plots(sc: Readonly<Scenario>, reps: RepResult[], summary: Summary): Record<string, string> {
  const evd = entropyVsDelay(reps);
  const lat: number[] = [];
  for (const r of reps) for (let i = 0; i < r.columns.sentMs.length; i++) {
    const x = r.columns.deliveredMs[i] - r.columns.sentMs[i];
    if (Number.isFinite(x)) lat.push(x);
  }
  lat.sort((a, b) => a - b);
  const cdfX: number[] = [];
  const cdfY: number[] = [];
  const steps = 200;
  for (let i = 0; i <= steps && lat.length > 0; i++) {
    cdfX.push(quantileSorted(lat, i / steps));
    cdfY.push(i / steps);
  }
  // Theory: Erlang(L, μ) shifted by the mean link delay of the L+2 links.
  const L = sc.topology.layers + (sc.providerMixing ? 1 : 0);
  const linkMean = sc.links.kind === 'fixed' ? sc.links.ms : (sc.links.minMs + sc.links.maxMs) / 2;
  const shift = (sc.topology.layers + 2) * linkMean;
  const thX = cdfX.length > 0 ? cdfX.map((_, i) => (i / steps) * (cdfX[cdfX.length - 1] ?? 1)) : [];
  const thY = thX.map((x) => erlangCdf(L, 1 / sc.hopDelayMeanMs, x - shift));
  const sweep = summary.corruptSweep.slice().sort((a, b) => a.fraction - b.fraction);
  return {
    'entropy-vs-delay.svg': renderPlot({
      title: `${sc.name}: message entropy vs end-to-end delay`,
      xLabel: 'end-to-end latency of the message (ms, bin means)',
      yLabel: 'mean message entropy (bits)',
      series: [{ name: 'mean entropy per latency bin', xs: evd.xs, ys: evd.ys }],
    }),
    'latency-cdf.svg': renderPlot({
      title: `${sc.name}: latency CDF`,
      xLabel: 'latency (ms)',
      yLabel: 'P(latency ≤ x)',
      yMin: 0,
      yMax: 1,
      series: [
        { name: 'simulated', xs: cdfX, ys: cdfY },
        { name: `Erlang(${L}, μ) + links`, xs: thX, ys: thY, dashed: true },
      ],
    }),
    'entropy-vs-corrupt.svg': renderPlot({
      title: `${sc.name}: entropy vs corrupt fraction (${sc.adversary.placement})`,
      xLabel: 'fraction of corrupt mixes',
      yLabel: 'mean message entropy (bits)',
      series: [
        { name: 'every message (exact mass propagation)', xs: sweep.map((s) => s.fraction), ys: sweep.map((s) => s.meanEntropyBits ?? NaN), points: sweep.length < 3 },
      ],
    }),
  };
}

function html(sc: Readonly<Scenario>, summary: Summary, plotNames: string[]): string {
  const rows = Object.entries(summary.metrics)
    .filter(([, m]) => m.n > 0)
    .map(([k, m]) => {
      const f = (x: number | null | undefined): string => (x === null || x === undefined ? '' : Number(x.toPrecision(5)).toString());
      const ci = m.ci95 ? `[${f(m.ci95[0])}, ${f(m.ci95[1])}]` : '';
      return `<tr><td>${k}</td><td>${m.n}</td><td>${f(m.mean)}</td><td>${f(m.median)}</td><td>${f(m.p25)}</td><td>${f(m.p75)}</td><td>${ci}</td></tr>`;
    })
    .join('\n');
  const theory = Object.entries(summary.theory)
    .map(([k, v]) => `<tr><td>${k}</td><td>${Number(v.toPrecision(6))}</td></tr>`)
    .join('\n');
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(sc.name)} — strata-sim</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child{text-align:left}</style>
</head><body>
<h1>${esc(sc.name)}</h1>
<p>seed ${summary.seed}, ${summary.repetitions} repetition(s), ${summary.messages.sent} messages in the measurement window, ${summary.events} events, ${summary.wall.seconds.toFixed(2)} s wall.</p>
<h2>Metrics</h2>
<table><tr><th>metric</th><th>n</th><th>mean</th><th>median</th><th>p25</th><th>p75</th><th>95% CI (reps)</th></tr>
${rows}
</table>
<h2>Theory</h2>
<table>${theory}</table>
<h2>Plots</h2>
${plotNames.map((p) => `<p><img src="${p}" alt="${p}"></p>`).join('\n')}
<h2>Scenario</h2>
<pre>${esc(JSON.stringify(sc, null, 2))}</pre>
</body></html>
`;
}

/** Writes summary.json, messages.csv, the SVG plots and index.html into dir. */
export async function writeReport(dir: string, sc: Readonly<Scenario>, reps: RepResult[], summary: Summary): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  if (sc.metrics.perMessageCsv) await writeMessagesCsv(join(dir, 'messages.csv'), reps);
  const p = plots(sc, reps, summary);
  for (const [name, svg] of Object.entries(p)) writeFileSync(join(dir, name), svg);
  writeFileSync(join(dir, 'index.html'), html(sc, summary, Object.keys(p)));
}

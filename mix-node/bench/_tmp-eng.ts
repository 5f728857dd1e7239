import { benchEngine } from './engine.bench.js';
for (const r of await benchEngine(Number(process.env.N ?? 2000), Number(process.env.R ?? 4))) console.log(JSON.stringify(r));

#!/usr/bin/env node
// sphinx-packet-ts CLI: check and make Sphinx vectors in Katzenpost's JSON format.
import { readFileSync, writeFileSync } from 'node:fs';
import { Command as Cli, InvalidArgumentError } from 'commander';
import type { CryptoBackend } from './backend.js';
import { nativeBackend } from './backend-native.js';
import { portableBackend } from './backend-portable.js';
import { checkVectorFile, makeVectorTests, type VectorCheck } from './vectors.js';

function backendByName(name: string): CryptoBackend {
  if (name === 'native') return nativeBackend();
  if (name === 'portable') return portableBackend();
  throw new InvalidArgumentError('must be native or portable');
}

function positiveInt(min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer ≥ ${min}`);
    return n;
  };
}

export function checkVectors(files: readonly string[], backend: CryptoBackend, print: (line: string) => void): { passed: number; failed: number } {
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    let checks: VectorCheck[];
    try {
      checks = checkVectorFile(readFileSync(file, 'utf8'), backend);
    } catch (e) {
      failed++;
      print(`FAIL ${file}: ${(e as Error).message}`);
      continue;
    }
    checks.forEach((r) => {
      const what = `${file}#${r.index} ${r.label}`;
      if (r.ok) {
        passed++;
        print(`ok   ${what}`);
      } else {
        failed++;
        print(`FAIL ${what}: ${r.failures.join('; ')}`);
      }
    });
  }
  print(`${passed} passed, ${failed} failed`);
  return { passed, failed };
}

const program = new Cli('sphinx-packet-ts').description('Sphinx packet vectors (Katzenpost JSON format)');

program
  .command('check-vectors')
  .description('verify every test in Katzenpost-format Sphinx vector files (NIKE or KEM recognised from the sizes)')
  .argument('<files...>', 'vector files')
  .option('--backend <name>', 'crypto backend: native or portable', backendByName, nativeBackend())
  .action((files: string[], opts: { backend: CryptoBackend }) => {
    const { passed, failed } = checkVectors(files, opts.backend, (l) => console.log(l));
    process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
  });

program
  .command('make-vectors')
  .description('create fresh packets with random keys and write them as Katzenpost-format vectors')
  .requiredOption('--hops <n>', 'number of hops (the geometry has exactly this many)', positiveInt(1))
  .requiredOption('--payload-bytes <b>', 'payload bytes (the forward payload length)', positiveInt(0))
  .option('--surb', 'SURB-reply tests (Surb and SurbKeys filled in)', false)
  .option('--kem', 'KEM Sphinx (X25519 KEM adapter) instead of NIKE', false)
  .option('--count <k>', 'number of tests', positiveInt(1), 1)
  .requiredOption('--out <file>', 'output file')
  .action((o: { hops: number; payloadBytes: number; surb: boolean; kem: boolean; count: number; out: string }) => {
    const tests = makeVectorTests({ hops: o.hops, payloadBytes: o.payloadBytes, surb: o.surb, kem: o.kem, count: o.count });
    writeFileSync(o.out, JSON.stringify(tests, null, 1) + '\n');
    console.log(`wrote ${tests.length} test${tests.length === 1 ? '' : 's'} to ${o.out}`);
  });

program.parseAsync(process.argv).catch((e: Error) => {
  console.error(`sphinx-packet-ts: ${e.message}`);
  process.exitCode = 2;
});

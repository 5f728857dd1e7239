#!/usr/bin/env node
// `strata <command>`: keygen, directory, mix, provider, testnet (client once client-lib has it).
import { strataProgram } from './program.js';

strataProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    const e = err as Error;
    process.stderr.write(`strata: ${e.name}: ${e.message}\n`);
    process.exitCode = 1;
  });

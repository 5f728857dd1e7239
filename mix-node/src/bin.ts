#!/usr/bin/env node
import { mixCommand } from './cli.js';

mixCommand()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    const e = err as Error;
    process.stderr.write(`${e.name}: ${e.message}\n`);
    process.exitCode = 1;
  });

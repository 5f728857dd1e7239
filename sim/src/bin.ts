#!/usr/bin/env node
import { simCommand } from './cli.js';

simCommand()
  .parseAsync(process.argv)
  .catch((err: Error) => {
    process.stderr.write(`strata-sim: ${err.name}: ${err.message}\n`);
    process.exitCode = 1;
  });

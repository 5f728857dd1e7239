#!/usr/bin/env node
// Stand-alone entry: `node directory/src/bin.ts --config FILE` (the `strata directory` sub-command).
import { directoryCommand } from './cli.js';

await directoryCommand().parseAsync(process.argv);

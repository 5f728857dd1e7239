// `strata directory --config FILE`: runs one directory authority until SIGINT/SIGTERM.
import { Command } from 'commander';
import { ConfigError, StrataError } from '@strata/core';
import { loadDirectoryConfig } from './config.js';
import { startDirectory } from './daemon.js';

export function directoryCommand(): Command {
  return new Command('directory')
    .description('run a directory authority (descriptor uploads, vote/reveal/sign exchange, consensus serving)')
    .requiredOption('--config <file>', 'JSON config file (see docs/operators.md, "Directory authority")')
    .option('--check', 'validate the config and exit', false)
    .action(async (opts: { config: string; check: boolean }) => {
      let config;
      try {
        config = loadDirectoryConfig(opts.config);
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`strata directory: ${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw err;
      }
      if (opts.check) {
        process.stdout.write('config ok\n');
        return;
      }
      let running;
      try {
        running = await startDirectory(config);
      } catch (err) {
        process.stderr.write(`strata directory: ${err instanceof StrataError || err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
        return;
      }
      const shutdown = (): void => {
        void running.stop().then(() => process.exit(0));
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}

import { Command } from 'commander';
import { loadMixConfig } from './config.js';
import { MixNode } from './node.js';

/**
 * `strata mix --config FILE`: run a mix node until SIGINT/SIGTERM, then stop gracefully (due
 * packets forwarded, held packets saved for the next start). Keys are created in `dataDir` on
 * first start.
 */
export function mixCommand(): Command {
  return new Command('mix')
    .description('run a Strata mix node: Sphinx unwrap, replay filter, Poisson delays, mix loops')
    .requiredOption('-c, --config <file>', 'JSON config file (see docs/operators.md, "Mix node")')
    .action(async (opts: { config: string }) => {
      const config = loadMixConfig(opts.config);
      const node = await MixNode.start(config);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await node.stop();
    });
}

import { Command } from 'commander';
import { loadProviderConfig } from './config.js';
import { Provider } from './provider.js';

/**
 * `strata provider --config FILE`: run the provider until SIGINT/SIGTERM.
 * Keys and a self-signed TLS certificate are created in `dataDir` on first start.
 */
export function providerCommand(): Command {
  return new Command('provider')
    .description('run a Strata provider: durable dropboxes, alias polling, the client HTTPS API and its mixnet link')
    .requiredOption('-c, --config <file>', 'JSON config file (see docs/operators.md, "Provider")')
    .action(async (opts: { config: string }) => {
      const config = loadProviderConfig(opts.config);
      // Handlers first: a SIGTERM during start-up (joining the directory) stops once started.
      const stopped = new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      const provider = await Provider.start(config);
      await stopped;
      await provider.stop();
    });
}

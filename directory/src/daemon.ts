// Wiring: config → logger, metrics, authority, HTTP server; start and graceful stop.
import { createLogger, StrataMetrics, type EpochClock } from '@strata/core';
import type { FastifyInstance } from 'fastify';
import { Authority } from './authority.js';
import type { DirectoryConfig } from './config.js';
import { buildServer } from './server.js';

export interface RunningDirectory {
  readonly authority: Authority;
  readonly server: FastifyInstance;
  /** Base URL the server listens on. */
  readonly url: string;
  stop(): Promise<void>;
}

export async function startDirectory(config: DirectoryConfig, options: { clock?: EpochClock } = {}): Promise<RunningDirectory> {
  const logger = createLogger({ component: 'directory', level: config.log.level });
  const metrics = new StrataMetrics('directory', { defaultMetrics: true });
  const authority = new Authority(config, logger, metrics, options);
  const server = buildServer(authority);
  let url: string;
  try {
    url = await server.listen({ host: config.listen.host, port: config.listen.port });
  } catch (err) {
    await authority.stop();
    throw err;
  }
  authority.start();
  logger.info({ url, authorities: config.authorities.length, threshold: authority.threshold }, 'directory authority listening');
  let stopped = false;
  return {
    authority,
    server,
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      await authority.stop();
    },
  };
}

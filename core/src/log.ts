// Logger factory: pino with the component name bound and secrets redacted. Never pass keys,
// payloads, tags or client addresses to a logger; the redaction list is a second line of defence.
import { pino, type Logger, type DestinationStream, type LevelWithSilent } from 'pino';

export type { Logger };

/** Field names that are censored wherever they appear (top level or one level down). */
export const REDACTED_FIELDS = [
  'privateKey',
  'secretKey',
  'secret',
  'seed',
  'reveal',
  'key',
  'payload',
  'body',
  'tag',
  'mac',
  'surb',
  'clientAddress',
  'remoteAddress',
  'ip',
  'alias',
  'authorization',
] as const;

export interface LoggerOptions {
  component: string;
  level?: LevelWithSilent;
  /** Defaults to stdout; tests pass a stream. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const paths = REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`]);
  return pino(
    {
      name: options.component,
      level: options.level ?? 'info',
      redact: { paths, censor: '[redacted]' },
      base: { component: options.component },
    },
    options.destination,
  );
}

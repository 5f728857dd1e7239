import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Ports for daemons that are started later, by another process (testnets, system tests).
 *
 * `listen(0)` hands out a port from the kernel's ephemeral range, the same range that outgoing
 * connections draw their source ports from: between the moment a free port is found and the
 * moment the daemon binds it, any connect() on the machine may take it (seen in CI as
 * `EADDRINUSE` at an authority's start). So we pick below the ephemeral range, where the kernel
 * never assigns a port on its own, at random, check that the port binds now, and never hand the
 * same port out twice in one process.
 */

/** Lowest port we hand out (above the registered ports most services use). */
export const FREE_PORT_MIN = 20_000;
/** Used when /proc does not tell the ephemeral range (Linux's default lower bound). */
const DEFAULT_EPHEMERAL_LOW = 32_768;
const MAX_TRIES = 200;

const handedOut = new Set<string>();

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && Number.isInteger(low) && low > FREE_PORT_MIN + 1000) return low;
  } catch {
    // not Linux, or no /proc: the default range
  }
  return DEFAULT_EPHEMERAL_LOW;
}

function bindsNow(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** A TCP port on `host` that binds now, outside the ephemeral range, not handed out before by this process. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const high = ephemeralLow();
  for (let i = 0; i < MAX_TRIES; i++) {
    const port = FREE_PORT_MIN + Math.floor(Math.random() * (high - FREE_PORT_MIN));
    const key = `${host}|${port}`;
    if (handedOut.has(key)) continue;
    if (await bindsNow(port, host)) {
      handedOut.add(key);
      return port;
    }
  }
  throw new Error(`no free port on ${host} between ${FREE_PORT_MIN} and ${high} after ${MAX_TRIES} tries`);
}

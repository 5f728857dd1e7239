import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { ProviderConfigError } from './errors.js';

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export const SELF_SIGNED_CERT_FILE = 'api-cert.pem';
export const SELF_SIGNED_KEY_FILE = 'api-key.pem';

/**
 * A self-signed P-256 certificate for the client API, made once with `openssl req` (node:crypto has
 * no X.509 writer) and reused on later starts. Subject alternative names come from `hostnames`.
 * Clients pin it through the provider's address / well-known document, not through a CA.
 */
export function ensureSelfSignedCert(dataDir: string, hostnames: readonly string[], commonName = 'strata-provider'): TlsMaterial {
  const certFile = join(dataDir, SELF_SIGNED_CERT_FILE);
  const keyFile = join(dataDir, SELF_SIGNED_KEY_FILE);
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const san = hostnames.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
    const tmpCert = `${certFile}.tmp`;
    const tmpKey = `${keyFile}.tmp`;
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-days', '825', '-subj', `/CN=${commonName.replace(/[^A-Za-z0-9.-]/g, '-')}`,
        '-addext', `subjectAltName=${san}`,
        '-keyout', tmpKey, '-out', tmpCert,
      ], { stdio: ['ignore', 'ignore', 'pipe'] });
      chmodSync(tmpKey, 0o600);
    } catch (err) {
      throw new ProviderConfigError(`provider.api.tls: openssl could not make a self-signed certificate: ${(err as Error).message}`);
    }
    renameSync(tmpKey, keyFile);
    renameSync(tmpCert, certFile);
  }
  return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

/** Read operator-supplied PEM files. */
export function readTlsFiles(certFile: string, keyFile: string): TlsMaterial {
  try {
    return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  } catch (err) {
    throw new ProviderConfigError(`provider.api.tls: cannot read certificate or key: ${(err as Error).message}`);
  }
}

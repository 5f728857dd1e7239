// Address validation for descriptors: link addresses `tcp://HOST:PORT`, provider client API URLs.
import { DescriptorError } from './errors.js';

export const MAX_ADDRESS_LENGTH = 255;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Parses `tcp://HOST:PORT` (host name, IPv4 or [IPv6]); throws DescriptorError('address'). */
export function parseLinkAddress(address: string): { host: string; port: number } {
  if (typeof address !== 'string' || address.length === 0 || address.length > MAX_ADDRESS_LENGTH) {
    throw new DescriptorError('address', 'link address must be a non-empty string of at most 255 characters');
  }
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new DescriptorError('address', `link address is not a URL: ${JSON.stringify(address)}`);
  }
  if (url.protocol !== 'tcp:') throw new DescriptorError('address', 'link address must use tcp://');
  if (url.hostname === '') throw new DescriptorError('address', 'link address lacks a host');
  if (url.username || url.password || (url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) {
    throw new DescriptorError('address', 'link address must be exactly tcp://HOST:PORT');
  }
  // WHATWG URL drops a port equal to nothing for unknown schemes only when absent; require it.
  const m = /:(\d{1,5})\/?$/.exec(address);
  const port = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535 || url.port !== String(port)) {
    throw new DescriptorError('address', 'link address needs a port in 1..65535');
  }
  if (address !== `tcp://${url.hostname}:${port}`) {
    throw new DescriptorError('address', 'link address must be in canonical form tcp://HOST:PORT');
  }
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
}

/** Checks a provider client-API URL: https://, or http:// on a loopback host (local testnets). */
export function checkClientApiUrl(address: string): void {
  if (typeof address !== 'string' || address.length === 0 || address.length > MAX_ADDRESS_LENGTH) {
    throw new DescriptorError('address', 'client API URL must be a non-empty string of at most 255 characters');
  }
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new DescriptorError('address', 'client API URL is not a URL');
  }
  const loopbackHttp = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !loopbackHttp) {
    throw new DescriptorError('address', 'client API URL must use https:// (http:// only on loopback)');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new DescriptorError('address', 'client API URL must not carry credentials, query or fragment');
  }
}

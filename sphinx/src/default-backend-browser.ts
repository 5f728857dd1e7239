// Browser builds (package.json "browser" field): the portable backend is the default.
import type { CryptoBackend } from './backend.js';
import { portableBackend } from './backend-portable.js';

export function defaultBackend(): CryptoBackend {
  return portableBackend();
}

// Node default: the native backend. Browser builds map this module to default-backend-browser.js
// (package.json "browser" field).
import type { CryptoBackend } from './backend.js';
import { nativeBackend } from './backend-native.js';

export function defaultBackend(): CryptoBackend {
  return nativeBackend();
}

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { SELF_SIGNED_KEY_FILE, ensureSelfSignedCert, readTlsFiles } from '../src/tls.js';
import { tempDir } from './helpers.js';

describe('ensureSelfSignedCert', () => {
  it('makes a certificate for the given names once and reuses it', () => {
    const dir = tempDir();
    try {
      const a = ensureSelfSignedCert(dir.path, ['localhost', '127.0.0.1'], 'p1');
      const x = new X509Certificate(a.cert);
      assert.match(x.subjectAltName ?? '', /DNS:localhost/);
      assert.match(x.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
      assert.equal(statSync(join(dir.path, SELF_SIGNED_KEY_FILE)).mode & 0o077, 0);
      const b = ensureSelfSignedCert(dir.path, ['localhost'], 'p1');
      assert.deepEqual(b.cert, a.cert);
    } finally {
      dir.remove();
    }
  });
});

describe('readTlsFiles', () => {
  it('names the problem when a file is missing', () => {
    assert.throws(() => readTlsFiles('/nonexistent/c.pem', '/nonexistent/k.pem'), { name: 'ProviderConfigError' });
  });
});

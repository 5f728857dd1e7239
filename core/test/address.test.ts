import { strict as assert } from 'node:assert';
import { checkClientApiUrl, parseLinkAddress } from '@strata/core';

describe('addresses', () => {
  it('accepts tcp://HOST:PORT for names, IPv4 and IPv6', () => {
    assert.deepEqual(parseLinkAddress('tcp://127.0.0.1:3000'), { host: '127.0.0.1', port: 3000 });
    assert.deepEqual(parseLinkAddress('tcp://mix.example:1'), { host: 'mix.example', port: 1 });
    assert.deepEqual(parseLinkAddress('tcp://[::1]:65535'), { host: '::1', port: 65535 });
  });

  for (const bad of ['udp://1.2.3.4:5', 'tcp://1.2.3.4', 'tcp://1.2.3.4:0', 'tcp://1.2.3.4:65536', 'tcp://:80', 'tcp://a:1/x', 'tcp://u@a:1', 'nonsense', '']) {
    it(`rejects the link address ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseLinkAddress(bad), { name: 'DescriptorError', reason: 'address' });
    });
  }

  it('accepts https client API URLs and http only on loopback', () => {
    checkClientApiUrl('https://provider.example/api');
    checkClientApiUrl('http://127.0.0.1:8080');
    assert.throws(() => checkClientApiUrl('http://provider.example'), { name: 'DescriptorError', reason: 'address' });
    assert.throws(() => checkClientApiUrl('ftp://x'), { name: 'DescriptorError', reason: 'address' });
  });
});

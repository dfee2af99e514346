import { hostAllowed, isPublicAddress } from './safe-fetch';

describe('output fetch policy', () => {
  it('treats loopback, private, link-local and mapped private addresses as non-public', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.9', '192.168.1.1', '169.254.169.254', '::1', 'fc00::1', 'fe80::1', '::ffff:127.0.0.1', '0.0.0.0', '100.64.0.1']) {
      expect([a, isPublicAddress(a)]).toEqual([a, false]);
    }
    for (const a of ['8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect([a, isPublicAddress(a)]).toEqual([a, true]);
  });

  it('matches allowed hosts exactly or by subdomain wildcard', () => {
    const allowed = ['replicate.delivery', '*.replicate.delivery'];
    expect(hostAllowed('replicate.delivery', allowed)).toBe(true);
    expect(hostAllowed('pbxt.replicate.delivery', allowed)).toBe(true);
    expect(hostAllowed('evilreplicate.delivery', allowed)).toBe(false);
    expect(hostAllowed('replicate.delivery.evil.com', allowed)).toBe(false);
    expect(hostAllowed('anything.example', [])).toBe(true);
  });
});

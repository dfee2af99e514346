// The session cookie's parsing and the CSRF rules of cookie-authenticated writes.
import type { Request } from 'express';
import { checkOrigin, checkSameOrigin, sessionTokenOf } from './session-auth';

const req = (headers: Record<string, string>, method = 'POST') =>
  ({ method, headers, get: (name: string) => headers[name.toLowerCase()] }) as unknown as Request;
const codeOf = (f: () => void): unknown => {
  try {
    f();
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  return undefined;
};

describe('sessionTokenOf', () => {
  it('finds the session cookie among others', () => {
    expect(sessionTokenOf('a=1; loom_session=tok_en-1; b=2')).toBe('tok_en-1');
    expect(sessionTokenOf('loom_session=')).toBeUndefined();
    expect(sessionTokenOf('other=loom_session')).toBeUndefined();
    expect(sessionTokenOf(undefined)).toBeUndefined();
  });
});

describe('checkSameOrigin', () => {
  const host = { host: 'loom.example:8080' };
  it('accepts the page: the header, and its own origin or none', () => {
    expect(() => checkSameOrigin(req({ ...host, 'x-loom-csrf': '1' }))).not.toThrow();
    expect(() => checkSameOrigin(req({ ...host, 'x-loom-csrf': '1', origin: 'http://loom.example:8080', 'sec-fetch-site': 'same-origin' }))).not.toThrow();
  });

  it.each([
    ['no header', {}],
    ['another origin', { 'x-loom-csrf': '1', origin: 'https://evil.example' }],
    ['an opaque origin', { 'x-loom-csrf': '1', origin: 'null' }],
    ['a cross-site fetch', { 'x-loom-csrf': '1', 'sec-fetch-site': 'cross-site' }],
    ['a same-site other origin', { 'x-loom-csrf': '1', 'sec-fetch-site': 'same-site' }],
  ])('refuses %s with CSRF_REJECTED', (_what, headers) => {
    let code: unknown;
    try {
      checkSameOrigin(req({ ...host, ...headers }));
    } catch (err) {
      code = (err as { code?: unknown }).code;
    }
    expect(code).toBe('CSRF_REJECTED');
  });
});

describe('checkOrigin of a cookie WebSocket handshake (Origin required)', () => {
  const host = { host: 'loom.example:8080' };
  it('accepts its own origin only', () => {
    expect(codeOf(() => checkOrigin({ ...host, origin: 'http://loom.example:8080', 'sec-fetch-site': 'same-origin' }, { required: true }))).toBeUndefined();
    expect(codeOf(() => checkOrigin({ ...host }, { required: false }))).toBeUndefined();
  });

  it.each([
    ['no Origin', {}],
    ['another origin', { origin: 'https://evil.example' }],
    ['another port', { origin: 'http://loom.example:9090' }],
    ['an opaque origin', { origin: 'null' }],
    ['a malformed origin', { origin: 'not a url' }],
    ['a cross-site handshake', { origin: 'http://loom.example:8080', 'sec-fetch-site': 'cross-site' }],
  ])('refuses %s with CSRF_REJECTED', (_what, headers) => {
    expect(codeOf(() => checkOrigin({ ...host, ...headers }, { required: true }))).toBe('CSRF_REJECTED');
  });
});

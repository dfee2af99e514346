import type { ApiKeyRecord } from '@loom/store';
import { bearerToken, createAuthenticator, tenantScope } from './auth';

function fakeKeys(records: Record<string, ApiKeyRecord>) {
  const lookups: string[] = [];
  return {
    lookups,
    findByKey: async (key: string) => {
      lookups.push(key);
      return records[key] ?? null;
    },
  };
}
const record = (role: ApiKeyRecord['role']): ApiKeyRecord => ({ _id: 'k1', hash: 'h', tenantId: 'acme', role, name: 'n', createdAt: new Date() });

describe('authenticator', () => {
  it('shares one lookup among concurrent first requests with the same key', async () => {
    const keys = fakeKeys({ good: record('user') });
    const auth = createAuthenticator(keys);
    const all = await Promise.all(Array.from({ length: 32 }, () => auth.authenticate('good')));
    expect(all.every((p) => p?.tenantId === 'acme')).toBe(true);
    expect(keys.lookups).toEqual(['good']);
  });

  it('caches known keys for the TTL and never caches unknown ones', async () => {
    let now = 0;
    const keys = fakeKeys({ good: record('user') });
    const auth = createAuthenticator(keys, { ttlMs: 1000, now: () => now });
    expect(await auth.authenticate('good')).toEqual({ keyId: 'k1', tenantId: 'acme', role: 'user' });
    await auth.authenticate('good');
    expect(keys.lookups).toEqual(['good']);
    now = 1001;
    await auth.authenticate('good');
    expect(keys.lookups).toEqual(['good', 'good']);
    expect(await auth.authenticate('bad')).toBeNull();
    expect(await auth.authenticate('bad')).toBeNull();
    expect(keys.lookups.filter((k) => k === 'bad')).toHaveLength(2);
    expect(await auth.authenticate(undefined)).toBeNull();
  });

  it('forgets revoked keys at once, and a fresh lookup skips the cache', async () => {
    const records: Record<string, ApiKeyRecord> = { good: record('user') };
    const keys = fakeKeys(records);
    const auth = createAuthenticator(keys, { ttlMs: 60_000 });
    expect(await auth.authenticate('good')).not.toBeNull();
    delete records.good; // revoked in the database
    expect(await auth.authenticate('good')).not.toBeNull(); // cached
    expect(await auth.authenticate('good', { fresh: true })).toBeNull();
    records.good = record('user');
    await auth.authenticate('good');
    delete records.good;
    auth.forget({ tenantId: 'other' });
    expect(await auth.authenticate('good')).not.toBeNull();
    auth.forget({ keyId: 'k1' });
    expect(await auth.authenticate('good')).toBeNull();
  });

  it('does not cache what a lookup begun before a revocation read', async () => {
    let release!: (r: ApiKeyRecord | null) => void;
    const lookups: string[] = [];
    const auth = createAuthenticator({
      findByKey: (key: string) => {
        lookups.push(key);
        return lookups.length === 1 ? new Promise((r) => (release = r)) : Promise.resolve(null);
      },
    });
    const first = auth.authenticate('good');
    auth.forget({ keyId: 'k1' });
    release(record('user'));
    expect(await first).not.toBeNull();
    expect(await auth.authenticate('good')).toBeNull();
    expect(lookups).toHaveLength(2);
  });

  it('reads the Bearer header', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('scopes a user to its tenant and an operator to none', () => {
    expect(tenantScope({ keyId: 'k', tenantId: 'acme', role: 'user' })).toBe('acme');
    expect(tenantScope({ keyId: 'k', tenantId: 'ops', role: 'operator' })).toBeUndefined();
  });
});

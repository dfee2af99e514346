// Who is calling: `Authorization: Bearer <api key>` (or `?apiKey=` on the live streams, for
// browsers), looked up in the store and cached for a few seconds (revocation forgets at once on
// the replica that revokes; the others within the cache's ttlMs). A user sees only its own tenant; an
// operator sees every tenant (its scope is `undefined`, which the store reads as "all").
import type { Response } from 'express';
import { hashApiKey, type ApiKeyRecord, type ApiKeys } from '@loom/store';

export interface Principal {
  keyId: string;
  tenantId: string;
  role: ApiKeyRecord['role'];
}

export interface Authenticator {
  /** The principal of a key, or null for a missing, unknown or revoked key. `fresh` skips the cache (sign-in). */
  authenticate(apiKey: string | undefined, opts?: { fresh?: boolean }): Promise<Principal | null>;
  /** Forgets the cached keys of a key id or of a tenant (they were just revoked). */
  forget(who: { keyId: string } | { tenantId: string }): void;
}

export interface AuthenticatorOptions {
  /**
   * How long a known key is remembered (default 5 s). Saves a database read per request (one per
   * key per replica every 5 s instead); the price is that a key revoked through another replica
   * keeps working here for up to this long (the revoking replica forgets it at once). Unknown and
   * revoked keys are never cached, so a key issued a moment ago works at once.
   */
  ttlMs?: number;
  /** Bound on remembered keys (default 10,000); the oldest is forgotten first. */
  maxEntries?: number;
  now?: () => number;
}

export function createAuthenticator(apiKeys: Pick<ApiKeys, 'findByKey'>, opts: AuthenticatorOptions = {}): Authenticator {
  const ttlMs = opts.ttlMs ?? 5_000;
  const maxEntries = opts.maxEntries ?? 10_000;
  const now = opts.now ?? Date.now;
  // Keyed by the key's hash: the process never holds clear keys longer than a request.
  const cache = new Map<string, { principal: Principal; expiresAt: number }>();
  const pending = new Map<string, Promise<ApiKeyRecord | null>>();
  // Bumped by forget(): a lookup that began before a revocation may have read the key still live, and must not cache it.
  let generation = 0;

  return {
    async authenticate(apiKey, { fresh = false } = {}) {
      if (!apiKey || apiKey.length > 512) return null;
      const hash = hashApiKey(apiKey);
      const hit = cache.get(hash);
      if (hit && hit.expiresAt > now() && !fresh) return hit.principal;
      cache.delete(hash);
      // Concurrent first requests with one key share one lookup (a burst of 32 would make 32);
      // a fresh one never joins a lookup that may have started before a revocation.
      const startedIn = generation;
      let lookup = fresh ? undefined : pending.get(hash);
      if (!lookup) {
        const started = apiKeys.findByKey(apiKey).finally(() => pending.get(hash) === started && pending.delete(hash));
        lookup = started;
        pending.set(hash, lookup);
      }
      const record = await lookup;
      if (!record) return null;
      const principal: Principal = { keyId: record._id, tenantId: record.tenantId, role: record.role };
      if (startedIn !== generation) return principal;
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
      cache.set(hash, { principal, expiresAt: now() + ttlMs });
      return principal;
    },
    forget(who) {
      generation++;
      pending.clear();
      for (const [hash, { principal }] of cache) {
        if ('keyId' in who ? principal.keyId === who.keyId : principal.tenantId === who.tenantId) cache.delete(hash);
      }
    },
  };
}

/** The key of an `Authorization: Bearer <key>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

/** The key a request carries: the Bearer header, else (when allowed) the `apiKey` query parameter. */
export function apiKeyOf(headers: { authorization?: string }, url: URL | undefined, allowQueryKey: boolean): string | undefined {
  return bearerToken(headers.authorization) ?? (allowQueryKey ? url?.searchParams.get('apiKey') ?? undefined : undefined);
}

// The middleware that requires a caller (a key or a session cookie) is requireCaller in session-auth.ts.

export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}

/** The tenant the store should be restricted to: the caller's own, or none for an operator. */
export function tenantScope(p: Principal): string | undefined {
  return p.role === 'operator' ? undefined : p.tenantId;
}

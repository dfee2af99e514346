// The operators' use cases on API keys: list a tenant's keys, issue one, revoke one, revoke all of
// a tenant's (which is how a tenant is shut out: nothing authenticates it until a new key is
// issued). A revocation must also end what the key let in: the task center sessions it opened are
// deleted in the same call (every replica reads sessions uncached, so the next request is a 401
// everywhere), and this replica's key cache forgets it at once; other replicas' caches hold a key
// for at most the authenticator's ttlMs (5 s). Sign-in closes the remaining race from its side
// (session.routes.ts reads the key again after creating the session).
import type { ApiKeyRecord, ApiKeys } from '@loom/store';
import type { Authenticator } from '../http/auth';
import { ApiKeyNotFoundError } from '../http/errors';
import type { SessionStore } from '../session/session-store';

export interface ApiKeyView {
  keyId: string;
  tenantId: string;
  role: ApiKeyRecord['role'];
  name: string;
  createdAt: string;
  revokedAt: string | null;
}

export const presentApiKey = (r: ApiKeyRecord): ApiKeyView => ({
  keyId: r._id,
  tenantId: r.tenantId,
  role: r.role,
  name: r.name,
  createdAt: r.createdAt.toISOString(),
  revokedAt: r.revokedAt ? r.revokedAt.toISOString() : null,
});

export interface KeyAdminDeps {
  apiKeys: Pick<ApiKeys, 'issue' | 'listByTenant' | 'revoke' | 'revokeTenant'>;
  auth: Pick<Authenticator, 'forget'>;
  /** Absent when the gateway serves no task center sign-in. */
  sessions?: Pick<SessionStore, 'removeBy'>;
}

export function createKeyAdmin({ apiKeys, auth, sessions }: KeyAdminDeps) {
  return {
    async list(tenantId: string): Promise<ApiKeyView[]> {
      return (await apiKeys.listByTenant(tenantId)).map(presentApiKey);
    },

    async issue(tenantId: string, role: ApiKeyRecord['role'], name: string): Promise<ApiKeyView & { apiKey: string }> {
      const { apiKey, record } = await apiKeys.issue(tenantId, role, name);
      return { ...presentApiKey(record), apiKey };
    },

    /** Revokes a key and ends its sessions; revoking a revoked key again answers the same and ends any session left. */
    async revoke(keyId: string): Promise<ApiKeyView & { sessionsEnded: number }> {
      // Order matters: the key first, so a sign-in that reads it after this sees it revoked.
      const record = await apiKeys.revoke(keyId);
      if (!record) throw new ApiKeyNotFoundError(keyId);
      auth.forget({ keyId });
      const sessionsEnded = (await sessions?.removeBy({ keyId })) ?? 0;
      return { ...presentApiKey(record), sessionsEnded };
    },

    /** Revokes every key of a tenant and ends all its sessions. */
    async revokeTenant(tenantId: string): Promise<{ tenantId: string; revoked: number; sessionsEnded: number }> {
      const revoked = await apiKeys.revokeTenant(tenantId);
      auth.forget({ tenantId });
      const sessionsEnded = (await sessions?.removeBy({ tenantId })) ?? 0;
      return { tenantId, revoked, sessionsEnded };
    },
  };
}

export type KeyAdmin = ReturnType<typeof createKeyAdmin>;

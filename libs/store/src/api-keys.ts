// API keys: stored as sha256 hashes with their tenant and role; the key is shown once. A revoked
// key stays as a record with revokedAt (operators see what existed) and authenticates nothing.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ApiKeyRecord, StoreModels } from './models';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function createApiKeys({ ApiKey }: StoreModels) {
  return {
    /** Creates a key and returns it in clear, the only time it is visible. */
    async issue(tenantId: string, role: ApiKeyRecord['role'], name: string): Promise<{ apiKey: string; record: ApiKeyRecord }> {
      const apiKey = `${role === 'operator' ? 'lko' : 'lk'}_${randomBytes(24).toString('base64url')}`;
      const record: ApiKeyRecord = { _id: randomUUID(), hash: hashApiKey(apiKey), tenantId, role, name, createdAt: new Date() };
      await ApiKey.create(record);
      return { apiKey, record };
    },
    /** The live (not revoked) record of a key, or null. */
    async findByKey(apiKey: string): Promise<ApiKeyRecord | null> {
      // By the unique hash alone, checked after: the local stand-in uses an index only for a query of exactly its keys.
      const record = await ApiKey.findOne({ hash: hashApiKey(apiKey) }).lean<ApiKeyRecord>().exec();
      return record && !record.revokedAt ? record : null;
    },
    /** Whether the key of this id exists and is not revoked. */
    async isLive(keyId: string): Promise<boolean> {
      const record = await ApiKey.findById(keyId, { revokedAt: 1 }).lean<Pick<ApiKeyRecord, 'revokedAt'>>().exec();
      return !!record && !record.revokedAt;
    },
    /** A tenant's keys, revoked ones included, oldest first. */
    listByTenant(tenantId: string): Promise<ApiKeyRecord[]> {
      return ApiKey.find({ tenantId }).sort({ createdAt: 1, _id: 1 }).lean<ApiKeyRecord[]>().exec();
    },
    /** Revokes a key (revoking it again keeps the first revokedAt); its record after, or null for an unknown id. */
    async revoke(keyId: string, at = new Date()): Promise<ApiKeyRecord | null> {
      await ApiKey.updateOne({ _id: keyId, revokedAt: null }, { $set: { revokedAt: at } });
      return ApiKey.findById(keyId).lean<ApiKeyRecord>().exec();
    },
    /** Revokes every live key of a tenant; how many were live. */
    async revokeTenant(tenantId: string, at = new Date()): Promise<number> {
      const r = await ApiKey.updateMany({ tenantId, revokedAt: null }, { $set: { revokedAt: at } });
      return r.modifiedCount;
    },
  };
}
export type ApiKeys = ReturnType<typeof createApiKeys>;

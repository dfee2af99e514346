// API keys: stored as sha256 hashes with their tenant and role; the key is shown once.
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
    findByKey(apiKey: string): Promise<ApiKeyRecord | null> {
      return ApiKey.findOne({ hash: hashApiKey(apiKey) }).lean<ApiKeyRecord>().exec();
    },
  };
}
export type ApiKeys = ReturnType<typeof createApiKeys>;

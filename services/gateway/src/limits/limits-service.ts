// The use cases of the tenant limits API: an operator reads and changes a tenant's overrides
// (kept on the tenant's document in tenant_limits, beside the limits' shared state); a tenant
// reads its own limits. Enforcement is tenant-limiter.ts.
import type { TenantLimitOverrides, TenantLimits } from '@loom/store';
import type { TenantLimitsBody, TenantLimitsJson } from '../http/limits.schemas';
import type { TenantLimiter } from './tenant-limiter';

export function createLimitsService({ limits, limiter }: { limits: Pick<TenantLimits, 'read' | 'setOverrides'>; limiter: Pick<TenantLimiter, 'policy' | 'forget'> }) {
  const view = (tenantId: string, overrides: TenantLimitOverrides = {}): TenantLimitsJson => {
    const own: TenantLimitOverrides = {};
    for (const k of ['submitsPerSecond', 'burst', 'maxWaiting'] as const) if (typeof overrides[k] === 'number') own[k] = overrides[k];
    return { tenantId, ...limiter.policy(own), overrides: own };
  };
  return {
    async get(tenantId: string): Promise<TenantLimitsJson> {
      return view(tenantId, (await limits.read(tenantId)).limits);
    },
    /** Other replicas take the change with their next shared take, at most POLICY_TTL_MS later. */
    async set(tenantId: string, body: TenantLimitsBody): Promise<TenantLimitsJson> {
      const doc = await limits.setOverrides(tenantId, body);
      limiter.forget(tenantId);
      return view(tenantId, doc.limits);
    },
  };
}

export type LimitsService = ReturnType<typeof createLimitsService>;

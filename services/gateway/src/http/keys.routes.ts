// /v1/admin API keys (operators only; mounted behind adminRouter's operator check): a tenant's
// keys, a new key, revoking one, revoking all of a tenant's. Transport only: keys/key-admin.ts
// says what a revocation ends.
import { Router } from 'express';
import type { KeyAdmin } from '../keys/key-admin';
import { tenantIdParams } from './billing.schemas';
import { issueKeyBody, keyIdParams } from './keys.schemas';
import { validate } from './validate';

export function keysRouter(keys: KeyAdmin): Router {
  const r = Router();
  const tenantOf = (params: unknown) => validate(tenantIdParams, params).tenantId;

  r.get('/tenants/:tenantId/keys', async (req, res) => {
    res.json(await keys.list(tenantOf(req.params)));
  });
  r.post('/tenants/:tenantId/keys', async (req, res) => {
    const { name, role } = validate(issueKeyBody, req.body);
    res.status(201).json(await keys.issue(tenantOf(req.params), role, name));
  });
  r.delete('/tenants/:tenantId/keys', async (req, res) => {
    res.json(await keys.revokeTenant(tenantOf(req.params)));
  });
  r.delete('/keys/:keyId', async (req, res) => {
    res.json(await keys.revoke(validate(keyIdParams, req.params).keyId));
  });
  return r;
}

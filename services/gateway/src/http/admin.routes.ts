// /v1/admin: operators only (an operator API key; a user key gets 403). Tenants, their credits
// and any tenant's ledger and submission limits. Transport only.
import { Router, type RequestHandler } from 'express';
import type { AccountService } from '../billing/account-service';
import { presentAccount, presentLedgerEntry } from '../presenters/billing.presenter';
import { principalOf } from './auth';
import { createTenantBody, creditsBody, ledgerQuery, tenantIdParams } from './billing.schemas';
import { ForbiddenError } from './errors';
import type { LimitsService } from '../limits/limits-service';
import type { KeyAdmin } from '../keys/key-admin';
import { keysRouter } from './keys.routes';
import { tenantLimitsBody } from './limits.schemas';
import { validate } from './validate';

const operatorOnly: RequestHandler = (_req, res, next) => {
  if (principalOf(res).role !== 'operator') throw new ForbiddenError('this endpoint needs an operator API key');
  next();
};

export function adminRouter(accounts: AccountService, limits?: LimitsService, keys?: KeyAdmin): Router {
  const r = Router();
  r.use(operatorOnly);
  const tenantOf = (params: unknown) => validate(tenantIdParams, params).tenantId;

  r.post('/tenants', async (req, res) => {
    const created = await accounts.createTenant(validate(createTenantBody, req.body));
    res.status(201).location(`/v1/admin/tenants/${created.tenantId}`).json(created);
  });

  r.get('/tenants', async (_req, res) => {
    res.json((await accounts.tenants()).map(presentAccount));
  });

  r.get('/tenants/:tenantId', async (req, res) => {
    res.json(presentAccount(await accounts.tenantAccount(tenantOf(req.params))));
  });

  r.post('/tenants/:tenantId/credits', async (req, res) => {
    res.json(presentAccount(await accounts.changeCredits(tenantOf(req.params), validate(creditsBody, req.body))));
  });

  r.get('/tenants/:tenantId/ledger', async (req, res) => {
    const page = await accounts.tenantLedger(tenantOf(req.params), validate(ledgerQuery, req.query));
    res.json({ ...page, items: page.items.map(presentLedgerEntry) });
  });

  if (limits) {
    // Any tenant id works, as for credits: API keys name tenants, an account is optional.
    r.get('/tenants/:tenantId/limits', async (req, res) => {
      res.json(await limits.get(tenantOf(req.params)));
    });
    r.put('/tenants/:tenantId/limits', async (req, res) => {
      res.json(await limits.set(tenantOf(req.params), validate(tenantLimitsBody, req.body)));
    });
  }
  if (keys) r.use(keysRouter(keys));
  return r;
}

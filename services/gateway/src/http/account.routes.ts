// /v1/account: the caller's own credits, ledger and submission limits. Transport only.
import { Router } from 'express';
import type { AccountService } from '../billing/account-service';
import { presentAccount, presentLedgerEntry } from '../presenters/billing.presenter';
import { principalOf } from './auth';
import { ledgerQuery } from './billing.schemas';
import { validate } from './validate';
import type { LimitsService } from '../limits/limits-service';

export function accountRouter(accounts: AccountService, limits?: LimitsService): Router {
  const r = Router();
  r.get('/', async (_req, res) => {
    res.json(presentAccount(await accounts.account(principalOf(res).tenantId)));
  });
  r.get('/ledger', async (req, res) => {
    const page = await accounts.ledger(principalOf(res).tenantId, validate(ledgerQuery, req.query));
    res.json({ ...page, items: page.items.map(presentLedgerEntry) });
  });
  if (limits) r.get('/limits', async (_req, res) => void res.json(await limits.get(principalOf(res).tenantId)));
  return r;
}

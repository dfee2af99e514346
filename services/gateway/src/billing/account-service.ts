// The use cases of the credits API: a tenant reads its own account and ledger; an operator
// creates tenants (an account and a first user key), grants or deducts credits, and reads any
// tenant's account and ledger. Every change goes through the billing lib's ledger.
import { randomUUID } from 'node:crypto';
import type { AccountState, Billing, LedgerPage } from '@loom/billing';
import type { ApiKeys } from '@loom/store';
import { BalanceTooLowError, TenantNotFoundError } from '../http/errors';
import type { CreateTenantBody, CreditsBody, LedgerQuery } from '../http/billing.schemas';

export interface AccountView extends AccountState {
  name?: string;
}

export function createAccountService({ billing, apiKeys }: { billing: Pick<Billing, 'credits'>; apiKeys: Pick<ApiKeys, 'issue'> }) {
  const { credits } = billing;

  async function mustExist(tenantId: string): Promise<void> {
    if (!(await credits.accountExists(tenantId))) throw new TenantNotFoundError(tenantId);
  }

  return {
    /** A tenant's balance and held credits; zeros for a tenant that has no account (it only runs free types). */
    account(tenantId: string): Promise<AccountView> {
      return credits.account(tenantId);
    },

    ledger(tenantId: string, q: LedgerQuery): Promise<LedgerPage> {
      return credits.ledgerPage(tenantId, q.page, q.pageSize);
    },

    /** operator: a new tenant with an empty account and its first user API key (shown once). */
    async createTenant(body: CreateTenantBody): Promise<{ tenantId: string; name: string; apiKey: string }> {
      const tenantId = randomUUID();
      await credits.openAccount(tenantId, body.name);
      const { apiKey } = await apiKeys.issue(tenantId, 'user', `${body.name} (first key)`);
      return { tenantId, name: body.name, apiKey };
    },

    /**
     * operator: grant (amount > 0) or deduct (amount < 0). Any tenant id works (API keys name
     * tenants; the account is opened on first grant). With an idempotency key, a repeated request
     * changes nothing.
     */
    async changeCredits(tenantId: string, body: CreditsBody): Promise<AccountView> {
      const r = await credits.grant({ tenantId, amount: body.amount, reason: body.reason, key: body.idempotencyKey ?? randomUUID() });
      if (r.status === 'refused') throw new BalanceTooLowError(r.account.balance, body.amount);
      return credits.account(tenantId);
    },

    /** operator: every tenant that has an account, by id. */
    async tenants(): Promise<AccountView[]> {
      const rows = await credits.listAccounts();
      return rows.map((a) => ({ tenantId: a._id, name: a.name, balance: a.balance, held: a.held }));
    },

    async tenantAccount(tenantId: string): Promise<AccountView> {
      await mustExist(tenantId);
      return credits.account(tenantId);
    },

    async tenantLedger(tenantId: string, q: LedgerQuery): Promise<LedgerPage> {
      await mustExist(tenantId);
      return credits.ledgerPage(tenantId, q.page, q.pageSize);
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;

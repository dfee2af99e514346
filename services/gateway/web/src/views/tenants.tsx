// Operators: every tenant with its credits, a new tenant (its first key shown once), credits
// granted or deducted, and any tenant's ledger.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type Account, type LedgerPage } from '../api';
import { useToast } from '../ui/toasts';
import { LedgerTable } from './ledger';

export function TenantsView() {
  const toast = useToast();
  const [tenants, setTenants] = useState<Account[]>([]);
  const [created, setCreated] = useState<{ tenantId: string; name: string; apiKey: string } | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const [ledger, setLedger] = useState<LedgerPage | null>(null);
  const load = useCallback(() => api.admin.tenants().then(setTenants, (e: Error) => toast('error', e.message)), [toast]);
  useEffect(() => void load(), [load]);
  const showLedger = (tenantId: string, page = 1) =>
    api.admin.ledger(tenantId, page).then(
      (l) => (setShown(tenantId), setLedger(l)),
      (e: Error) => toast('error', e.message),
    );

  const createTenant = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const name = String(new FormData(form).get('name') ?? '').trim();
    try {
      setCreated(await api.admin.createTenant(name));
      form.reset();
      void load();
    } catch (err) {
      toast('error', `Creating the tenant failed: ${(err as Error).message}`);
    }
  };
  const grant = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const tenantId = String(f.get('tenantId') ?? '').trim();
    const amount = Number(f.get('amount'));
    try {
      const a = await api.admin.grant(tenantId, amount, String(f.get('reason') ?? '').trim() || 'granted in the task center');
      toast('success', `${tenantId}: balance ${a.balance}, held ${a.held}.`);
      form.reset();
      void load();
      if (shown === tenantId) void showLedger(tenantId);
    } catch (err) {
      toast('error', `Changing credits failed: ${(err as Error).message}`);
    }
  };

  return (
    <section aria-labelledby="tenants-title">
      <h1 id="tenants-title">Tenants</h1>
      <div class="grid2">
        <form class="card" onSubmit={createTenant}>
          <h2>New tenant</h2>
          <label for="t-name">Name</label>
          <input id="t-name" name="name" required maxLength={200} />
          <button type="submit" class="primary">
            Create tenant
          </button>
          {created && (
            <p class="notice">
              Tenant <strong>{created.name}</strong> ({created.tenantId}). Its API key, shown this once: <code class="mono">{created.apiKey}</code>
            </p>
          )}
        </form>
        <form class="card" onSubmit={grant}>
          <h2>Grant or deduct credits</h2>
          <label for="g-tenant">Tenant id</label>
          <input id="g-tenant" name="tenantId" required list="tenant-ids" />
          <datalist id="tenant-ids">
            {tenants.map((t) => (
              <option value={t.tenantId} key={t.tenantId}>
                {t.name ?? ''}
              </option>
            ))}
          </datalist>
          <label for="g-amount">Amount (negative deducts)</label>
          <input id="g-amount" name="amount" type="number" step={1} required />
          <label for="g-reason">Reason</label>
          <input id="g-reason" name="reason" maxLength={200} />
          <button type="submit" class="primary">
            Change credits
          </button>
        </form>
      </div>
      <div class="table-wrap">
        <table>
          <caption>Every tenant with an account</caption>
          <thead>
            <tr>
              <th scope="col">Tenant</th>
              <th scope="col">Name</th>
              <th scope="col">Balance</th>
              <th scope="col">Held</th>
              <th scope="col">Ledger</th>
            </tr>
          </thead>
          <tbody>
            {tenants.map((t) => (
              <tr key={t.tenantId}>
                <th scope="row" class="mono">
                  {t.tenantId}
                </th>
                <td>{t.name ?? ''}</td>
                <td>{t.balance}</td>
                <td>{t.held}</td>
                <td>
                  <button type="button" onClick={() => showLedger(t.tenantId)} aria-label={`Show the ledger of ${t.tenantId}`}>
                    Show ledger
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown && ledger && <LedgerTable page={ledger} onPage={(p) => showLedger(shown, p)} caption={`Ledger of ${shown}, newest first`} />}
    </section>
  );
}

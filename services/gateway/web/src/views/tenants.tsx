// Operators: every tenant with its credits, a new tenant (its first key shown once), credits
// granted or deducted, a tenant's submission limits, and any tenant's ledger.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type Account, type LedgerPage, type TenantLimits, type TenantLimitsChange } from '../api';
import { limitsText } from '../ui/format';
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

  const setLimits = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const tenantId = String(f.get('tenantId') ?? '').trim();
    // Empty: leave as it is; "default": back to the deployment's default; else the number.
    const change: TenantLimitsChange = {};
    for (const k of ['submitsPerSecond', 'burst', 'maxWaiting'] as const) {
      const v = String(f.get(k) ?? '').trim();
      if (v) change[k] = v === 'default' ? null : Number(v);
    }
    try {
      const l: TenantLimits = await api.admin.setLimits(tenantId, change);
      toast('success', `${tenantId}: ${limitsText(l)}.`);
      form.reset();
    } catch (err) {
      toast('error', `Changing the limits failed: ${(err as Error).message}`);
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
        <form class="card" onSubmit={setLimits}>
          <h2>Submission limits</h2>
          <p class="hint">Over a limit a submission is refused (429, with a time to retry after). Empty: unchanged; 0: no limit; default: the deployment's.</p>
          <label for="l-tenant">Tenant to limit</label>
          <input id="l-tenant" name="tenantId" required list="tenant-ids" />
          <label for="l-rate">Submissions per second</label>
          <input id="l-rate" name="submitsPerSecond" inputMode="decimal" pattern="default|\d+(\.\d+)?" />
          <label for="l-burst">Burst (at once)</label>
          <input id="l-burst" name="burst" inputMode="numeric" pattern="default|[1-9]\d*" />
          <label for="l-waiting">Most tasks waiting</label>
          <input id="l-waiting" name="maxWaiting" inputMode="numeric" pattern="default|\d+" />
          <button type="submit" class="primary">
            Apply limits
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

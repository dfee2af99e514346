// Credits: the viewer's balance and held credits, its submission limits, and its ledger.
import { useEffect, useState } from 'preact/hooks';
import { ErrorText } from '../ui/error-text';
import { api, type Account, type LedgerPage, type TenantLimits } from '../api';
import { limitsText } from '../ui/format';
import { useApp } from '../context';
import { LedgerTable } from './ledger';

export function CreditsView() {
  const { live } = useApp();
  const [account, setAccount] = useState<Account | null>(null);
  const [limits, setLimits] = useState<TenantLimits | null>(null);
  const [ledger, setLedger] = useState<LedgerPage | null>(null);
  const [page, setPage] = useState(1);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => void api.limits().then(setLimits, () => undefined), []);
  useEffect(() => {
    const load = () =>
      Promise.all([api.account(), api.ledger(page)]).then(
        ([a, l]) => (setAccount(a), setLedger(l), setError(null)),
        (e: Error) => setError(e.message),
      );
    void load();
    return live.subscribe((e) => {
      if (e.event === 'task.settled' || e.event === 'batch.settled') void load();
    });
  }, [page, live]);
  return (
    <section aria-labelledby="credits-title">
      <h1 id="credits-title">Credits</h1>
      <ErrorText message={error} />
      {account && (
        <div class="stats">
          <div class="card stat">
            <span class="stat-label">Balance</span>
            <span class="stat-value" data-testid="balance">{account.balance}</span>
          </div>
          <div class="card stat">
            <span class="stat-label">Held for running tasks</span>
            <span class="stat-value">{account.held}</span>
          </div>
          {limits && (
            <div class="card stat">
              <span class="stat-label">Submission limits</span>
              <span class="stat-value">{limits.submitsPerSecond > 0 ? `${limits.submitsPerSecond}/s` : 'no limit'}</span>
              <span class="hint" data-testid="limits">
                {limitsText(limits)}
              </span>
            </div>
          )}
        </div>
      )}
      {ledger && <LedgerTable page={ledger} onPage={setPage} caption="Ledger, newest first" />}
    </section>
  );
}

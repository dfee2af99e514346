// A ledger page as a table, newest first, with paging.
import type { LedgerPage } from '../api';
import { href } from '../ui/router';
import { Time } from '../ui/time';

export function LedgerTable({ page, onPage, caption }: { page: LedgerPage; onPage: (p: number) => void; caption: string }) {
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  return (
    <>
      <div class="table-wrap">
        <table>
          <caption>{caption}</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">Kind</th>
              <th scope="col">Amount</th>
              <th scope="col">Balance after</th>
              <th scope="col">Held after</th>
              <th scope="col">For</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((e) => (
              <tr key={e.id}>
                <td>{e.seq}</td>
                <td>
                  <Time iso={e.createdAt} />
                </td>
                <td>{e.kind}</td>
                <td>{e.amount}</td>
                <td>{e.balanceAfter}</td>
                <td>{e.heldAfter}</td>
                <td>
                  {e.taskId ? <a href={href(`tasks/${e.taskId}`)}>task</a> : e.batchId ? <a href={href(`batches/${e.batchId}`)}>batch</a> : (e.reason ?? '')}
                </td>
              </tr>
            ))}
            {page.items.length === 0 && (
              <tr>
                <td colSpan={7} class="empty">
                  No entries.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Ledger pages">
        <button type="button" disabled={page.page <= 1} onClick={() => onPage(page.page - 1)}>
          Newer entries
        </button>
        <span>
          Page {page.page} of {pages}
        </span>
        <button type="button" disabled={page.page >= pages} onClick={() => onPage(page.page + 1)}>
          Older entries
        </button>
      </nav>
    </>
  );
}

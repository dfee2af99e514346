// The task list: filters and search (done by the server, paginated), a live table (re-read when
// an event arrives, at most once a second), selection, and bulk cancel/retry on the selection or
// on everything the filter matches, each confirmed with the count the server gives (dry run).
// "Everything matching" is pinned to the moment it was counted (createdBefore), so the action
// cannot reach tasks submitted after the confirmation was shown.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError, FINISHED, TASK_STATUSES, type Task, type TaskFilter, type TaskPage, type TaskStatus } from '../api';
import { useApp } from '../context';
import { ConfirmDialog, type ConfirmRequest } from '../ui/confirm';
import { duration, shortId, taskDuration } from '../ui/format';
import { href, navigate } from '../ui/router';
import { Progress, StatusBadge } from '../ui/status';
import { Time, useNow } from '../ui/time';
import { ErrorText } from '../ui/error-text';
import { useToast } from '../ui/toasts';
import { useLiveReload } from '../use-live';

const PAGE_SIZE = 25;
const FILTER_KEYS = ['q', 'status', 'type', 'batchId', 'createdAfter', 'createdBefore'] as const;

function filterOf(params: URLSearchParams): TaskFilter {
  const f: TaskFilter = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v) (f as Record<string, string>)[k] = v;
  }
  return f;
}

/** datetime-local (viewer's zone) <-> ISO instant. */
const toLocalInput = (iso?: string) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (v: string) => (v ? new Date(v).toISOString() : undefined);

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function TaskList({ params }: { params: URLSearchParams }) {
  const { live } = useApp();
  const toast = useToast();
  const filter = filterOf(params);
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
  const filterKey = JSON.stringify(filter);
  const [data, setData] = useState<TaskPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [types, setTypes] = useState<string[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const now = useNow();

  const load = useCallback(async () => {
    try {
      setData(await api.tasks.list({ ...filter, page, pageSize: PAGE_SIZE }));
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filterKey, page]);

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => setSelected(new Set()), [filterKey, page]);
  useEffect(() => {
    api.taskTypes().then((ts) => setTypes(ts.map((t) => t.type)), () => undefined);
  }, []);

  // Live: progress patches the row at once; anything else re-reads the page, at most once a second.
  useLiveReload(live, load, 1000, (e) => {
    if (e.event === 'task.log') return false;
    if (e.event === 'task.progress' && e.taskId) {
      const p = e.payload as { progress?: number; message?: string } | null;
      setData((d) => d && { ...d, items: d.items.map((t) => (t.id === e.taskId ? { ...t, progress: p?.progress ?? t.progress, message: p?.message ?? t.message } : t)) });
      return false;
    }
    return true;
  });

  const setFilter = (next: TaskFilter) => navigate(href('tasks', { ...next } as Record<string, string | undefined>));
  const goPage = (p: number) => navigate(href('tasks', { ...filter, page: String(p) } as Record<string, string | undefined>));

  const onSubmit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const get = (k: string) => (String(form.get(k) ?? '').trim() || undefined);
    setFilter({
      q: get('q'),
      status: get('status') as TaskStatus | undefined,
      type: get('type'),
      batchId: get('batchId'),
      createdAfter: fromLocalInput(get('createdAfter') ?? ''),
      createdBefore: fromLocalInput(get('createdBefore') ?? ''),
    });
  };

  const items = data?.items ?? [];
  const allSelected = items.length > 0 && items.every((t) => selected.has(t.id));
  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  const bulk = async (action: 'cancel' | 'retry', scope: 'selection' | 'filter') => {
    const pinned: TaskFilter = { ...filter, createdBefore: filter.createdBefore ?? new Date().toISOString() };
    const body = scope === 'selection' ? { ids: [...selected] } : { filter: pinned };
    try {
      const dry = action === 'cancel' ? await api.tasks.bulkCancel(body, true) : await api.tasks.bulkRetry(body, true);
      const n = dry.matched;
      const verb = action === 'cancel' ? 'Cancel' : 'Retry';
      if (n === 0) {
        toast('info', action === 'cancel' ? 'Nothing to cancel: none of these tasks is still waiting or running.' : 'Nothing to retry: none of these tasks failed or was cancelled.');
        return;
      }
      setConfirm({
        title: `${verb} ${plural(n, 'task')}?`,
        body:
          scope === 'selection'
            ? `${plural(n, 'selected task')} will be ${action === 'cancel' ? 'cancelled' : 'retried'}.`
            : `Every task matching the current filter that ${action === 'cancel' ? 'is still waiting or running' : 'failed or was cancelled'}: ${plural(n, 'task')}.`,
        confirmLabel: `${verb} ${plural(n, 'task')}`,
        danger: action === 'cancel',
        onConfirm: async () => {
          try {
            if (action === 'cancel') {
              const r = await api.tasks.bulkCancel(body);
              toast('success', `Cancelled ${plural(r.cancelled.length, 'task')}${r.notFound.length ? `; ${r.notFound.length} had already finished` : ''}.`);
            } else {
              const r = await api.tasks.bulkRetry(body);
              toast(r.notRetried.length ? 'error' : 'success', `Retried ${plural(r.retried.length, 'task')}${r.notRetried.length ? `; ${r.notRetried.length} could not be (${r.notRetried[0]!.code})` : ''}.`);
            }
            setSelected(new Set());
            void load();
          } catch (err) {
            toast('error', `${verb} failed: ${(err as Error).message}`);
          }
        },
      });
    } catch (err) {
      toast('error', err instanceof ApiError ? err.message : String(err));
    }
  };

  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : 1;
  return (
    <section class="task-list" aria-labelledby="tasks-title">
      <h1 id="tasks-title">Tasks</h1>
      <form class="filters card" role="search" onSubmit={onSubmit} key={filterKey}>
        <div class="field grow">
          <label for="f-q">Search</label>
          <input id="f-q" name="q" type="search" placeholder="task id, idempotency key, or words of the input" defaultValue={filter.q ?? ''} />
        </div>
        <div class="field">
          <label for="f-status">Status</label>
          <select id="f-status" name="status" defaultValue={filter.status ?? ''}>
            <option value="">any</option>
            {TASK_STATUSES.map((s) => (
              <option value={s} key={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-type">Type</label>
          <select id="f-type" name="type" defaultValue={filter.type ?? ''}>
            <option value="">any</option>
            {[...new Set([...types, ...(filter.type ? [filter.type] : [])])].map((t) => (
              <option value={t} key={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-batch">Batch</label>
          <input id="f-batch" name="batchId" defaultValue={filter.batchId ?? ''} size={12} />
        </div>
        <div class="field">
          <label for="f-after">Created after</label>
          <input id="f-after" name="createdAfter" type="datetime-local" defaultValue={toLocalInput(filter.createdAfter)} />
        </div>
        <div class="field">
          <label for="f-before">Created before</label>
          <input id="f-before" name="createdBefore" type="datetime-local" defaultValue={toLocalInput(filter.createdBefore)} />
        </div>
        <div class="field actions">
          <button type="submit" class="primary">
            Apply filters
          </button>
          <button type="button" onClick={() => setFilter({})}>
            Clear filters
          </button>
        </div>
      </form>

      <div class="bulkbar" role="toolbar" aria-label="Bulk actions">
        <span class="muted">{selected.size ? `${plural(selected.size, 'task')} selected` : 'Select tasks, or act on everything the filter matches:'}</span>
        <button type="button" disabled={!selected.size} onClick={() => bulk('cancel', 'selection')}>
          Cancel selected
        </button>
        <button type="button" disabled={!selected.size} onClick={() => bulk('retry', 'selection')}>
          Retry selected
        </button>
        <button type="button" disabled={data?.total === 0} onClick={() => bulk('cancel', 'filter')}>
          Cancel all matching
        </button>
        <button type="button" disabled={data?.total === 0} onClick={() => bulk('retry', 'filter')}>
          Retry all matching
        </button>
      </div>

      <ErrorText message={error} />
      <div class="table-wrap">
        <table class="tasks">
          <caption>{data ? `${plural(data.total, 'task')}${Object.keys(filter).length ? ' match the filter' : ''}${data.total > 1 ? ', newest first' : ''}` : 'Loading tasks…'}</caption>
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label="Select every task on this page"
                  disabled={items.length === 0}
                  checked={allSelected}
                  onChange={() => setSelected(allSelected ? new Set() : new Set(items.map((t) => t.id)))}
                />
              </th>
              <th scope="col">Task</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Created</th>
              <th scope="col">Duration</th>
              <th scope="col">Price</th>
            </tr>
          </thead>
          <tbody>
            {items.map((t: Task) => (
              <tr key={t.id} data-task-id={t.id} data-status={t.status}>
                <td>
                  <input type="checkbox" aria-label={`Select task ${t.id}`} checked={selected.has(t.id)} onChange={() => toggle(t.id)} />
                </td>
                <td>
                  <a href={href(`tasks/${t.id}`)} class="mono" title={t.id}>
                    {shortId(t.id)}
                  </a>
                </td>
                <td>{t.type}</td>
                <td>
                  <StatusBadge status={t.status} phase={t.phase} />
                </td>
                <td>
                  <Progress value={FINISHED.includes(t.status) && t.status === 'succeeded' ? 100 : t.progress} label={`Progress of task ${shortId(t.id)}`} />
                </td>
                <td>
                  <Time iso={t.createdAt} />
                </td>
                <td>{duration(taskDuration(t, now))}</td>
                <td>{t.price ? `${t.price} cr` : 'free'}</td>
              </tr>
            ))}
            {data && items.length === 0 && (
              <tr>
                <td colSpan={8} class="empty">
                  No tasks{Object.keys(filter).length ? ' match this filter' : ' yet'}.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {/* One page needs no pager (a page past the end, after a filter change, still gets its way back). */}
      {(pages > 1 || page > 1) && (
        <nav class="pager" aria-label="Pages">
          <button type="button" disabled={page <= 1} onClick={() => goPage(page - 1)}>
            Previous page
          </button>
          <span>
            Page {page} of {pages}
          </span>
          <button type="button" disabled={page >= pages} onClick={() => goPage(page + 1)}>
            Next page
          </button>
        </nav>
      )}
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </section>
  );
}

// Batches: look one up by id (or follow a task's batch link) and see its items per status, its
// settlement, and its items in the task list.
import { useEffect, useState } from 'preact/hooks';
import { ErrorText } from '../ui/error-text';
import { api, TASK_STATUSES, type Batch } from '../api';
import { exactTime } from '../ui/format';
import { href, navigate } from '../ui/router';

export function BatchesView({ id }: { id?: string }) {
  const [batch, setBatch] = useState<Batch | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!id) return;
    api.batch(id).then((b) => (setBatch(b), setError(null)), (e: Error) => setError(e.message));
  }, [id]);
  return (
    <section aria-labelledby="batches-title">
      <h1 id="batches-title">Batches</h1>
      <form
        class="card inline"
        onSubmit={(e) => {
          e.preventDefault();
          const v = String(new FormData(e.currentTarget as HTMLFormElement).get('batchId') ?? '').trim();
          if (v) navigate(href(`batches/${v}`));
        }}
      >
        <label for="batch-id">Batch id</label>
        <input id="batch-id" name="batchId" defaultValue={id ?? ''} required />
        <button type="submit" class="primary">
          Show batch
        </button>
      </form>
      <ErrorText message={error} />
      {batch && (
        <div class="card">
          <h2>
            {batch.type} batch <span class="mono small">{batch.batchId}</span>
          </h2>
          <p>
            {batch.size} items, created {exactTime(batch.createdAt)}; price {batch.price} credits. <a href={href('tasks', { batchId: batch.batchId })}>Its tasks in the list</a>
          </p>
          <table>
            <caption>Items per status</caption>
            <thead>
              <tr>
                {TASK_STATUSES.map((s) => (
                  <th scope="col" key={s}>
                    {s}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr>
                {TASK_STATUSES.map((s) => (
                  <td key={s}>{batch.counts[s] ?? 0}</td>
                ))}
              </tr>
            </tbody>
          </table>
          <h3>Settlement</h3>
          <dl class="facts">
            <dt>State</dt>
            <dd>{batch.settlement.state}</dd>
            <dt>Held</dt>
            <dd>{batch.settlement.held}</dd>
            <dt>Captured</dt>
            <dd>{batch.settlement.captured}</dd>
            <dt>Released</dt>
            <dd>{batch.settlement.released}</dd>
            <dt>Settled</dt>
            <dd>{batch.settlement.settledAt ? exactTime(batch.settlement.settledAt) : 'not yet'}</dd>
          </dl>
        </div>
      )}
    </section>
  );
}

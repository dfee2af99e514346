// Queues: per task type what runs now, how many wait, typical duration, failure rate and the
// last hour as a chart (GET /v1/queues, read again every 5 s and on every finished task).
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type QueueStats } from '../api';
import { useApp } from '../context';
import { HourChart } from '../ui/chart';
import { duration, shortId } from '../ui/format';
import { ErrorText } from '../ui/error-text';
import { href } from '../ui/router';
import { useLiveReload } from '../use-live';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(x < 0.1 && x > 0 ? 1 : 0)}%`);

export function QueuesView() {
  const { live } = useApp();
  const [stats, setStats] = useState<QueueStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => api.queues().then((s) => (setStats(s), setError(null)), (e: Error) => setError(e.message)), []);
  useEffect(() => {
    void load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, [load]);
  useLiveReload(live, load, 1000, (e) => e.event !== 'task.log' && e.event !== 'task.progress');
  return (
    <section aria-labelledby="queues-title">
      <h1 id="queues-title">Queues</h1>
      <p class="muted">One task of a type runs at a time, across tenants; different types run side by side. Figures over the last hour.</p>
      <ErrorText message={error} />
      {stats && (
        <>
          <div class="table-wrap">
            <table class="queues">
              <caption>Task types{stats.sampled ? ' (the hour figures are of the newest finished tasks only)' : ''}</caption>
              <thead>
                <tr>
                  <th scope="col">Type</th>
                  <th scope="col">Running now</th>
                  <th scope="col">Waiting</th>
                  <th scope="col">Typical duration</th>
                  <th scope="col">Failure rate</th>
                  <th scope="col">Finished (1 h)</th>
                  <th scope="col">p50 / p90 / p99</th>
                </tr>
              </thead>
              <tbody>
                {stats.types.map((q) => (
                  <tr key={q.type} data-type={q.type}>
                    <th scope="row">{q.type}</th>
                    <td>
                      {q.running.length === 0
                        ? 'idle'
                        : q.running.map((r, i) =>
                            r.taskId ? (
                              <a key={i} href={href(`tasks/${r.taskId}`)} class="mono">
                                {shortId(r.taskId)} ({Math.round(r.progress)}%)
                              </a>
                            ) : (
                              <span key={i}>another tenant's task</span>
                            ),
                          )}
                    </td>
                    <td>{q.waiting}</td>
                    <td>{duration(q.typicalDurationMs)}</td>
                    <td>{pct(q.failureRate)}</td>
                    <td>{q.finishedLastHour}</td>
                    <td>{q.durationMs ? `${duration(q.durationMs.p50)} / ${duration(q.durationMs.p90)} / ${duration(q.durationMs.p99)}` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="charts">
            {stats.types.map((q) => (
              <div class="card" key={q.type}>
                <h2>{q.type}</h2>
                <HourChart q={q} />
              </div>
            ))}
          </div>
        </>
      )}
    </section>
  );
}

// One task: its state, a timeline of its life with durations (from its timestamps and the
// attempt and provider lines of its log), live progress and logs, why it waits when queued,
// input, outputs (downloads through presigned URLs, images and videos inline), error, provider
// and job id, and the actions its status allows.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, FINISHED, type LogLine, type Task, type TaskOutput } from '../api';
import { useApp } from '../context';
import { ConfirmDialog, type ConfirmRequest } from '../ui/confirm';
import { duration, exactTime, taskDuration } from '../ui/format';
import { href, navigate } from '../ui/router';
import { Progress, StatusBadge } from '../ui/status';
import { Time, useNow } from '../ui/time';
import { ErrorText } from '../ui/error-text';
import { useToast } from '../ui/toasts';
import { useLiveReload } from '../use-live';

interface Step {
  label: string;
  at: string;
}

/** The task's life in order: its own timestamps, plus attempts and provider hand-offs from its log. */
export function timelineOf(t: Task, logs: LogLine[]): Step[] {
  const steps: Step[] = [{ label: 'Created', at: t.createdAt }];
  for (const l of logs) {
    const attempt = /^attempt (\d+) of \d+ started/.exec(l.message);
    if (attempt) steps.push({ label: `Attempt ${attempt[1]} started`, at: l.timestamp });
    else if (/^submitted to /.test(l.message)) steps.push({ label: `Waiting at the provider (${l.message.replace(/^submitted to /, '')})`, at: l.timestamp });
    else if (/^finished in /.test(l.message)) steps.push({ label: 'Handler finished', at: l.timestamp });
  }
  if (t.queuedAt) steps.push({ label: 'Queued (latest attempt)', at: t.queuedAt });
  // The executor logs each attempt's start; the task's own startedAt only when that line is missing.
  const logged = steps.some((s) => s.label.startsWith('Attempt') && t.startedAt && Math.abs(Date.parse(s.at) - Date.parse(t.startedAt)) < 2000);
  if (t.startedAt && !logged) steps.push({ label: 'Started (latest attempt)', at: t.startedAt });
  if (t.finishedAt) steps.push({ label: `Finished: ${t.status}`, at: t.finishedAt });
  return steps.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

const logKey = (l: LogLine) => `${l.timestamp}|${l.level}|${l.message}`;

export function TaskDetail({ id }: { id: string }) {
  const { live } = useApp();
  const toast = useToast();
  const [task, setTask] = useState<Task | null>(null);
  const [logs, setLogs] = useState<LogLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const now = useNow();

  const load = useCallback(async () => {
    try {
      const [t, l] = await Promise.all([api.tasks.get(id), api.tasks.logs(id)]);
      setTask(t);
      // Lines that arrived live while this was read stay, once.
      setLogs((live) => {
        const seen = new Set(l.map(logKey));
        return [...l, ...live.filter((x) => !seen.has(logKey(x)))];
      });
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [id]);

  useEffect(() => {
    void load();
  }, [load]);

  useLiveReload(live, load, 300, (e) => {
    if (e.taskId !== id) return false;
    if (e.event === 'task.log') {
      const line = e.payload as unknown as LogLine;
      setLogs((ls) => (ls.some((x) => logKey(x) === logKey(line)) ? ls : [...ls, line]));
      return false;
    }
    if (e.event === 'task.progress') {
      const p = e.payload as { progress?: number; message?: string } | null;
      setTask((t) => t && { ...t, progress: p?.progress ?? t.progress, message: p?.message ?? t.message });
      return false;
    }
    return true;
  });

  const act = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      toast('success', what);
      void load();
    } catch (err) {
      toast('error', `${what.replace(/\.$/, '')} failed: ${(err as Error).message}`);
    }
  };

  if (error && !task)
    return (
      <section>
        <h1>Task {id}</h1>
        <ErrorText message={error} />
        <a href={href('tasks')}>Back to the tasks</a>
      </section>
    );
  if (!task) return <p class="loading">Loading task…</p>;
  const finished = FINISHED.includes(task.status);
  const steps = timelineOf(task, logs);
  return (
    <section aria-labelledby="task-title" class="detail" data-task-id={task.id} data-status={task.status}>
      <p>
        <a href={href('tasks')}>← Tasks</a>
      </p>
      <h1 id="task-title">
        {task.type} <span class="mono small">{task.id}</span>
      </h1>
      <div class="summary card">
        <StatusBadge status={task.status} phase={task.phase} />
        <Progress value={task.status === 'succeeded' ? 100 : task.progress} label="Progress" />
        {task.message && <span class="muted">{task.message}</span>}
        <span>
          attempt {task.attempts} of {task.maxAttempts}
        </span>
        <span>{task.price ? `${task.price} credits` : 'free'}</span>
        <div class="actions">
          {!finished && (
            <button type="button" class="danger" disabled={task.cancelRequested} onClick={() => act('Cancel requested.', () => api.tasks.cancel(task.id))}>
              {task.cancelRequested ? 'Cancelling…' : 'Cancel task'}
            </button>
          )}
          {(task.status === 'failed' || task.status === 'cancelled') && (
            <button type="button" class="primary" onClick={() => act('Retry started.', () => api.tasks.retry(task.id))}>
              Retry task
            </button>
          )}
          {finished && (
            <button
              type="button"
              onClick={() =>
                setConfirm({
                  title: 'Delete this task?',
                  body: 'The task and its logs are removed for good.',
                  confirmLabel: 'Delete task',
                  danger: true,
                  onConfirm: () =>
                    act('Task deleted.', async () => {
                      await api.tasks.remove(task.id);
                      navigate(href('tasks'));
                    }),
                })
              }
            >
              Delete task
            </button>
          )}
        </div>
      </div>

      {task.status === 'queued' && task.queue && (
        <div class="card" aria-labelledby="wait-title">
          <h2 id="wait-title">Why it waits</h2>
          <p>
            Position {task.queue.position} in the {task.type} line (one task of a type runs at a time).{' '}
            {task.queue.blockedBy === 'another-tenant' ? (
              "Another tenant's task is running now."
            ) : task.queue.blockedBy ? (
              <>
                Waiting for <a href={href(`tasks/${task.queue.blockedBy}`)}>{task.queue.blockedBy}</a>.
              </>
            ) : (
              'Nothing of this type runs now: it starts next.'
            )}{' '}
            {task.queue.estimatedStartInMs !== null && <>Estimated start in {duration(task.queue.estimatedStartInMs)}.</>}
          </p>
        </div>
      )}

      {task.error && (
        <div class="card error-card" role="group" aria-labelledby="err-title">
          <h2 id="err-title">Error</h2>
          <p>
            <code>{task.error.code}</code> {task.error.message} {task.error.retryable ? '(retryable)' : '(not retryable)'}
          </p>
        </div>
      )}

      <div class="grid2">
        <div class="card">
          <h2>Timeline</h2>
          <ol class="timeline">
            {steps.map((s, i) => {
              // A step lasts until the next one; the last lasts until now while the task goes on,
              // and has no length once it is the end. Skewed clocks (a log line stamped before the
              // step it follows) give no length rather than a negative one.
              const next = steps[i + 1];
              const until = next ? Date.parse(next.at) : finished ? null : now;
              const ms = until === null ? null : until - Date.parse(s.at);
              return (
                <li key={`${s.label}-${s.at}`} data-step={s.label}>
                  <span class="step">{s.label}</span> <Time iso={s.at} />
                  {ms !== null && ms >= 0 && (
                    <span class="muted step-length" title={next ? `until ${next.label}` : 'until now'}>
                      {' '}
                      · {duration(ms)}
                      {next ? '' : ' so far'}
                    </span>
                  )}
                </li>
              );
            })}
          </ol>
          <dl class="facts">
            <dt>Run time</dt>
            <dd>{duration(taskDuration(task, now))}</dd>
            <dt>Provider</dt>
            <dd>{task.provider ?? 'local handler'}</dd>
            {task.providerJobId && (
              <>
                <dt>Provider job</dt>
                <dd class="mono">{task.providerJobId}</dd>
              </>
            )}
            {task.batchId && (
              <>
                <dt>Batch</dt>
                <dd>
                  <a href={href(`batches/${task.batchId}`)}>{task.batchId}</a>
                </dd>
              </>
            )}
            {task.idempotencyKey && (
              <>
                <dt>Idempotency key</dt>
                <dd class="mono">{task.idempotencyKey}</dd>
              </>
            )}
            <dt>Created</dt>
            <dd>{exactTime(task.createdAt)}</dd>
          </dl>
        </div>
        <div class="card">
          <h2>Input</h2>
          <pre class="json">{JSON.stringify(task.input, null, 2)}</pre>
          <h2>Outputs</h2>
          {task.outputs.length === 0 ? <p class="muted">None{finished ? '' : ' yet'}.</p> : <Outputs outputs={task.outputs as TaskOutput[]} />}
          {task.result !== null && task.result !== undefined && (
            <>
              <h2>Result</h2>
              <pre class="json">{JSON.stringify(task.result, null, 2)}</pre>
            </>
          )}
        </div>
      </div>

      <div class="card">
        <h2 id="logs-title">Logs</h2>
        <div class="logs" role="log" aria-labelledby="logs-title" aria-live="off">
          {logs.length === 0 && <p class="muted">No log lines yet.</p>}
          {logs.map((l) => (
            <div class={`log log-${l.level}`} key={logKey(l)}>
              <time dateTime={l.timestamp} title={exactTime(l.timestamp)}>
                {new Date(l.timestamp).toLocaleTimeString()}
              </time>{' '}
              <span class="level">{l.level}</span> <span class="msg">{l.message}</span>
            </div>
          ))}
        </div>
      </div>
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </section>
  );
}

function Outputs({ outputs }: { outputs: TaskOutput[] }) {
  return (
    <ul class="outputs">
      {outputs.map((o, i) => {
        const type = String(o.contentType ?? '');
        const name = String(o.key ?? `output ${i + 1}`).split('/').pop();
        return (
          <li key={i}>
            {o.url && type.startsWith('image/') && <img src={o.url} alt={`Output ${i + 1} of the task`} loading="lazy" />}
            {o.url && type.startsWith('video/') && <video src={o.url} controls preload="metadata" aria-label={`Output ${i + 1} of the task`} />}
            <div>
              {o.url ? (
                <a href={o.url} download={name} rel="noreferrer">
                  Download {name}
                </a>
              ) : (
                <span>{name}</span>
              )}{' '}
              <span class="muted">
                {type || 'unknown type'}
                {typeof o.size === 'number' ? ` · ${o.size} bytes` : ''}
              </span>
            </div>
          </li>
        );
      })}
    </ul>
  );
}

// The queues view's chart of one type's last hour: finished tasks per minute as stacked bars
// (succeeded, failed, cancelled) and the minute's median and p90 duration as lines on their own
// scale. Plain SVG, no chart library; the numbers are also in a table for screen readers.
import type { QueueType } from '../api';
import { duration } from './format';

const W = 600;
const H = 160;
const PAD = { left: 36, right: 52, top: 8, bottom: 22 };

export function HourChart({ q }: { q: QueueType }) {
  const data = q.perMinute;
  const maxCount = Math.max(1, ...data.map((m) => m.succeeded + m.failed + m.cancelled));
  const hasDurations = data.some((m) => m.p90Ms !== null);
  const maxMs = Math.max(1, ...data.map((m) => m.p90Ms ?? 0));
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const bw = iw / data.length;
  const y = (n: number) => PAD.top + ih - (n / maxCount) * ih;
  const yMs = (ms: number) => PAD.top + ih - (ms / maxMs) * ih;
  const line = (key: 'p50Ms' | 'p90Ms') =>
    data
      .map((m, i) => (m[key] === null ? null : `${PAD.left + i * bw + bw / 2},${yMs(m[key]!)}`))
      .filter(Boolean)
      .join(' ');
  const total = data.reduce((a, m) => a + m.succeeded + m.failed + m.cancelled, 0);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${q.type}: ${total} tasks finished in the last hour; bars per minute, lines for median and p90 duration`}>
        <line class="axis" x1={PAD.left} y1={PAD.top + ih} x2={W - PAD.right} y2={PAD.top + ih} />
        <text class="tick" x={PAD.left - 4} y={PAD.top + 8} text-anchor="end">{maxCount}</text>
        <text class="tick" x={PAD.left - 4} y={PAD.top + ih} text-anchor="end">0</text>
        {hasDurations && <text class="tick" x={W - PAD.right + 4} y={PAD.top + 8}>{duration(maxMs)}</text>}
        <text class="tick" x={PAD.left} y={H - 6}>−60 min</text>
        <text class="tick" x={W - PAD.right} y={H - 6} text-anchor="end">now</text>
        {data.map((m, i) => {
          const x = PAD.left + i * bw + 1;
          const s = y(m.succeeded);
          const f = y(m.succeeded + m.failed);
          const c = y(m.succeeded + m.failed + m.cancelled);
          return (
            <g key={m.minute}>
              <rect class="bar-succeeded" x={x} width={bw - 2} y={s} height={PAD.top + ih - s} />
              <rect class="bar-failed" x={x} width={bw - 2} y={f} height={s - f} />
              <rect class="bar-cancelled" x={x} width={bw - 2} y={c} height={f - c} />
            </g>
          );
        })}
        <polyline class="line-p90" points={line('p90Ms')} />
        <polyline class="line-p50" points={line('p50Ms')} />
      </svg>
      <figcaption>
        <span class="key key-succeeded">succeeded</span> <span class="key key-failed">failed</span> <span class="key key-cancelled">cancelled</span> per minute;{' '}
        <span class="key key-p50">median</span> and <span class="key key-p90">p90</span> duration
      </figcaption>
      <details>
        <summary>The minutes as a table</summary>
        <table>
          <caption>{q.type}: finished per minute, last hour</caption>
          <thead>
            <tr>
              <th scope="col">Minute</th>
              <th scope="col">Succeeded</th>
              <th scope="col">Failed</th>
              <th scope="col">Cancelled</th>
              <th scope="col">Median</th>
              <th scope="col">p90</th>
            </tr>
          </thead>
          <tbody>
            {data
              .filter((m) => m.succeeded + m.failed + m.cancelled > 0)
              .map((m) => (
                <tr key={m.minute}>
                  <td>{new Date(m.minute).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</td>
                  <td>{m.succeeded}</td>
                  <td>{m.failed}</td>
                  <td>{m.cancelled}</td>
                  <td>{duration(m.p50Ms)}</td>
                  <td>{duration(m.p90Ms)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

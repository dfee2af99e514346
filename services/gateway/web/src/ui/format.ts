// Times and durations as people read them: relative in words ("3 min ago"), exact in the
// viewer's own time zone on hover, durations in the largest sensible unit; and a tenant's limits in words.
const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const exact = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function relativeTime(iso: string, now = Date.now()): string {
  const s = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 45) return rtf.format(s, 'second');
  if (abs < 45 * 60) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 22 * 3600) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}

export function exactTime(iso: string): string {
  return exact.format(new Date(iso));
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** How long a task ran (or has been running). */
export function taskDuration(t: { startedAt: string | null; finishedAt: string | null }, now = Date.now()): number | null {
  if (!t.startedAt) return null;
  return (t.finishedAt ? Date.parse(t.finishedAt) : now) - Date.parse(t.startedAt);
}

export function shortId(id: string): string {
  return id.length > 12 ? id.slice(0, 8) : id;
}

/** A tenant's submission limits in words, e.g. "5/s (burst 10), at most 100 waiting". */
export function limitsText(l: { submitsPerSecond: number; burst: number; maxWaiting: number }): string {
  const rate = l.submitsPerSecond > 0 ? `${l.submitsPerSecond}/s (burst ${l.burst})` : 'no rate limit';
  const waiting = l.maxWaiting > 0 ? `at most ${l.maxWaiting} waiting` : 'no waiting limit';
  return `${rate}, ${waiting}`;
}

// <time> with a relative text that stays current (one shared ticker) and the exact local time on hover.
// The ticker beats every second: "12 seconds ago" is what a timeline of a running task shows, and
// a slower beat left a step begun seconds ago reading "now" until the next one. Only components
// that read the clock re-render on it.
import { useEffect, useState } from 'preact/hooks';
import { exactTime, relativeTime } from './format';

const subscribers = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

const TICK_MS = 1000;

/** Re-renders the caller every second, for texts that depend on the clock. */
export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const tick = () => setNow(Date.now());
    subscribers.add(tick);
    timer ??= setInterval(() => subscribers.forEach((fn) => fn()), TICK_MS);
    return () => {
      subscribers.delete(tick);
      if (subscribers.size === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    };
  }, []);
  return now;
}

export function Time({ iso }: { iso: string | null }) {
  const now = useNow();
  if (!iso) return <span>—</span>;
  return (
    <time dateTime={iso} title={exactTime(iso)}>
      {relativeTime(iso, now)}
    </time>
  );
}

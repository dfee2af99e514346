// Views follow the live stream through this hook: `onEvent` sees every event (patching what it
// can at once) and answers whether the view must be read again; such re-reads are throttled to
// one per `everyMs`, and a reconnect of the stream (events may have been missed) triggers one too.
import { useEffect, useRef } from 'preact/hooks';
import type { Live, LiveEvent } from './live';

export function useLiveReload(live: Live, load: () => unknown, everyMs: number, onEvent: (e: LiveEvent) => boolean): void {
  const latest = useRef({ load, onEvent });
  latest.current = { load, onEvent };
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const reload = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        void latest.current.load();
      }, everyMs);
    };
    const off = live.subscribe((e) => {
      if (latest.current.onEvent(e)) reload();
    });
    const offReconnect = live.onReconnect(reload);
    return () => {
      off();
      offReconnect();
      if (timer) clearTimeout(timer);
    };
  }, [live, everyMs]);
}

// Toasts in one role="status" live region: screen readers announce them politely. At most
// MAX_SHOWN are on screen, answers to the user's actions first, then task events, newest first
// within each; the rest fold into one "+N more" line (a burst of
// finishing tasks would otherwise wall off the page). Each goes away by itself and can be
// dismissed. The region sits bottom-right, above the task list's pager (styles.css keeps the two
// apart: the pager is pinned to the bottom and the toasts stand on it).
import type { ComponentChildren } from 'preact';
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';

export interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  text: ComponentChildren;
  /** Told by the live stream (a task ended), not the answer to something the user just did. */
  event?: boolean;
}

/** Toasts on screen at once; older ones are counted in "+N more". */
export const MAX_SHOWN = 3;
/** Toasts kept at all, shown or counted (the oldest beyond this are dropped): memory stays bounded in a long burst. */
const MAX_KEPT = 500;
/** How long a toast stays: errors longer, they may need reading. */
const LIFETIME_MS: Record<Toast['kind'], number> = { success: 6_000, info: 6_000, error: 12_000 };

type PushToast = (kind: Toast['kind'], text: ComponentChildren, opts?: { event?: boolean }) => void;
const ToastContext = createContext<PushToast>(() => undefined);
export const useToast = () => useContext(ToastContext);

let nextId = 1;

export function ToastProvider({ children }: { children: ComponentChildren }) {
  // Newest first.
  const [toasts, setToasts] = useState<Toast[]>([]);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());
  const dismiss = useCallback((id: number) => {
    clearTimeout(timers.current.get(id));
    timers.current.delete(id);
    setToasts((ts) => ts.filter((t) => t.id !== id));
  }, []);
  const dismissAll = useCallback(() => {
    timers.current.forEach(clearTimeout);
    timers.current.clear();
    setToasts([]);
  }, []);
  const push = useCallback(
    (kind: Toast['kind'], text: ComponentChildren, opts: { event?: boolean } = {}) => {
      const id = nextId++;
      setToasts((ts) => {
        const kept = [{ id, kind, text, event: opts.event }, ...ts];
        for (const dropped of kept.splice(MAX_KEPT)) {
          clearTimeout(timers.current.get(dropped.id));
          timers.current.delete(dropped.id);
        }
        return kept;
      });
      timers.current.set(id, setTimeout(() => dismiss(id), LIFETIME_MS[kind]));
    },
    [dismiss],
  );
  useEffect(() => () => timers.current.forEach(clearTimeout), []);
  // The answer to the user's own action stays in view ahead of the task events it set off
  // (cancelling three tasks must not fold "Cancelled 3 tasks" under their three endings).
  const ordered = [...toasts.filter((t) => !t.event), ...toasts.filter((t) => t.event)];
  const hidden = ordered.length - MAX_SHOWN;
  return (
    <ToastContext.Provider value={push}>
      {children}
      <div class="toasts" role="status" aria-live="polite">
        {ordered.slice(0, MAX_SHOWN).map((t) => (
          <div class={`toast toast-${t.kind}`} key={t.id}>
            <div class="toast-text">{t.text}</div>
            <button type="button" class="icon-button" aria-label="Dismiss notification" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        ))}
        {hidden > 0 && (
          <div class="toast toast-more">
            <div class="toast-text">+{hidden} more</div>
            <button type="button" class="link-button" onClick={dismissAll}>
              Dismiss all
            </button>
          </div>
        )}
      </div>
    </ToastContext.Provider>
  );
}

// Toasts in one role="status" live region: screen readers announce them politely; each can be
// dismissed, and goes away by itself after a while.
import type { ComponentChildren } from 'preact';
import { createContext } from 'preact';
import { useCallback, useContext, useState } from 'preact/hooks';

export interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  text: ComponentChildren;
}

const ToastContext = createContext<(kind: Toast['kind'], text: ComponentChildren) => void>(() => undefined);
export const useToast = () => useContext(ToastContext);

let nextId = 1;

export function ToastProvider({ children }: { children: ComponentChildren }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: number) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);
  const push = useCallback(
    (kind: Toast['kind'], text: ComponentChildren) => {
      const id = nextId++;
      setToasts((ts) => [...ts.slice(-4), { id, kind, text }]);
      setTimeout(() => dismiss(id), 12_000);
    },
    [dismiss],
  );
  return (
    <ToastContext.Provider value={push}>
      {children}
      <div class="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div class={`toast toast-${t.kind}`} key={t.id}>
            <div class="toast-text">{t.text}</div>
            <button type="button" class="icon-button" aria-label="Dismiss notification" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

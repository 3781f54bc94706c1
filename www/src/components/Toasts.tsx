import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useStore } from "../lib/store";

type Kind = "error" | "info";
interface Toast {
  id: number;
  kind: Kind;
  message: string;
}

type Notify = (message: string, kind?: Kind) => void;

const ToastContext = createContext<Notify>(() => {});

/** How long a toast stays up: long enough to read a rejection's reason. */
const TOAST_MS = 8000;

export function useToast(): Notify {
  return useContext(ToastContext);
}

/**
 * Holds the toasts and turns every mutation the server rejects into one: by then the
 * store has already taken its effect out of what the app shows, so the user must be
 * told why something they did disappeared.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const store = useStore();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(0);

  const dismiss = useCallback((id: number) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);
  const notify = useCallback<Notify>(
    (message, kind = "error") => {
      const id = ++nextId.current;
      setToasts((ts) => [...ts, { id, kind, message }]);
      setTimeout(() => dismiss(id), TOAST_MS);
    },
    [dismiss],
  );

  useEffect(
    () => store.onRejected((r) => notify(`The server rejected ${r.name}: ${r.message} (${r.code}). It was undone.`)),
    [store, notify],
  );

  const value = useMemo(() => notify, [notify]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === "error" ? "alert" : "status"}>
            <span>{t.message}</span>
            <button type="button" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

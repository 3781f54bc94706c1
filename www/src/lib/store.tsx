import init, { StudioStore, type StudioStoreError, type SyncStatus } from "studio-store";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import type { AppConfig } from "./config";

/** The IndexedDB database name: one per origin, shared by every tab. */
const DB_NAME = "studio";

export async function openStore(config: AppConfig): Promise<StudioStore> {
  // The glue finds its .wasm with `new URL(..., import.meta.url)`, which Vite rewrites
  // to the emitted asset at build time and serves from ../pkg in dev.
  await init();
  if (config.serverUrl !== null && config.token !== null) {
    return StudioStore.open({ name: DB_NAME, serverUrl: config.serverUrl, token: config.token });
  }
  return StudioStore.open({ name: DB_NAME });
}

const StoreContext = createContext<StudioStore | null>(null);

export function StoreProvider({ store, children }: { store: StudioStore; children: ReactNode }) {
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

export function useStore(): StudioStore {
  const store = useContext(StoreContext);
  if (store === null) throw new Error("useStore outside StoreProvider");
  return store;
}

/** The sync status, live. The store calls back at once on subscribe, then on changes. */
export function useSyncStatus(): SyncStatus {
  const store = useStore();
  const [status, setStatus] = useState<SyncStatus>(() => store.sync.status());
  useEffect(() => store.onSyncStatus(setStatus), [store]);
  return status;
}

/** A thrown store error's stable code, or null for anything else. */
export function errorCode(err: unknown): StudioStoreError["code"] | null {
  if (err instanceof Error && "code" in err && typeof err.code === "string") {
    return (err as StudioStoreError).code;
  }
  return null;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

import type { SyncStatus } from "studio-store";
import { useSyncStatus } from "../lib/store";

const LABELS: Record<SyncStatus["state"], string> = {
  local: "Local only",
  offline: "Offline",
  syncing: "Syncing…",
  synced: "Synced",
  error: "Sync error",
};

function describe(s: SyncStatus): string {
  const parts: string[] = [];
  if (s.state === "local") parts.push("no server configured; everything stays on this device");
  else parts.push(s.pending === 1 ? "1 change pending" : `${s.pending} changes pending`);
  if (s.state === "syncing" && s.pulled > 0) parts.push(`${s.pulled} received`);
  if (s.lastSyncedAt !== null) parts.push(`last synced ${new Date(s.lastSyncedAt).toLocaleTimeString()}`);
  if (s.error !== null && s.state !== "synced") parts.push(s.error.message);
  return parts.join(" · ");
}

/** The sync status as the store reports it; data-* attributes are for the e2e test. */
export function StatusBar() {
  const s = useSyncStatus();
  return (
    <footer className={`status-bar status-${s.state}`} role="status" data-testid="sync-status" data-state={s.state} data-pending={s.pending}>
      <span className="status-dot" aria-hidden="true" />
      <strong>{LABELS[s.state]}</strong>
      <span className="status-detail">{describe(s)}</span>
      {!s.leader && s.state !== "local" && <span className="status-detail">(another tab syncs)</span>}
    </footer>
  );
}

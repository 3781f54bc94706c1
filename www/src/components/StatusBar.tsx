import { useEffect, useState } from "react";
import type { SyncState, SyncStatus } from "studio-store";
import { useSyncStatus } from "../lib/store";

const LABELS: Record<SyncState, string> = {
  local: "Local only",
  offline: "Offline",
  syncing: "Syncing…",
  synced: "Synced",
  error: "Sync error",
};

/** How long a round must last before the bar says "Syncing…". */
const SYNCING_DELAY_MS = 600;

/**
 * The state to show. The store polls every couple of seconds and each poll is a round
 * ("syncing" → "synced"); showing every one would make the bar blink while nothing
 * happens, so only a round that takes a while shows.
 */
function useShownState(state: SyncState): SyncState {
  const [shown, setShown] = useState(state);
  useEffect(() => {
    if (state !== "syncing") {
      setShown(state);
      return;
    }
    const timer = setTimeout(() => setShown("syncing"), SYNCING_DELAY_MS);
    return () => clearTimeout(timer);
  }, [state]);
  return shown;
}

function describe(s: SyncStatus): string {
  const parts: string[] = [];
  if (s.state === "local") parts.push("no server configured; everything stays on this device");
  else parts.push(s.pending === 1 ? "1 change pending" : `${s.pending} changes pending`);
  if (s.state === "syncing" && s.pulled > 0) parts.push(`${s.pulled} received`);
  if (s.lastSyncedAt !== null) parts.push(`last synced ${new Date(s.lastSyncedAt).toLocaleTimeString()}`);
  if (s.error !== null && s.state !== "synced") parts.push(s.error.message);
  return parts.join(" · ");
}

/**
 * The sync status. `data-state` and `data-pending` carry the store's own values at once
 * (the e2e test waits on them); the label may lag a short round, see useShownState.
 */
export function StatusBar() {
  const s = useSyncStatus();
  const shown = useShownState(s.state);
  return (
    <footer
      className={`status-bar status-${shown}`}
      role="status"
      data-testid="sync-status"
      data-state={s.state}
      data-pending={s.pending}
    >
      <span className="status-dot" aria-hidden="true" />
      <strong>{LABELS[shown]}</strong>
      <span className="status-detail">{describe(s)}</span>
      {!s.leader && s.state !== "local" && <span className="status-detail">(another tab syncs)</span>}
    </footer>
  );
}

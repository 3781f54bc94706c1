//! TypeScript declarations the generated types refer to but Rust cannot derive.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS: &'static str = r#"
/** A UUID string; every id is generated on the client. */
export type Id = string;
/** Milliseconds since the Unix epoch. */
export type Millis = number;
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** What `watch` listens to. */
export type WatchTopic =
  | "projects" | "project" | "files" | "canvas" | "executions" | "execution"
  | "templates" | "tools" | "chains" | "renders";

/** Passed to a `watch` callback. `origin`: this tab, another tab, or the server. */
export interface WatchEvent { topic: WatchTopic; id: Id | null; origin: "local" | "tab" | "remote" }

export type SyncState = "local" | "offline" | "syncing" | "synced" | "error";

export interface SyncStatus {
  state: SyncState;
  /** Mutations not yet answered by the server. */
  pending: number;
  /** The last error's code and message, in state "error" (and "offline" when known). */
  error: { code: string; message: string } | null;
  /** Whether this tab is the one that syncs (Web Locks). */
  leader: boolean;
  /** Changes received in the current pull, for a long first sync. */
  pulled: number;
  lastSyncedAt: Millis | null;
  /** Rounds completed so far. */
  round: number;
  /** Pulled changes set aside since the store opened (see `onSetAside`). */
  setAside: number;
  /** The browser's answer to `navigator.storage.persist()`, asked at open (null: not yet known). */
  persisted: boolean | null;
  /** Bytes this site stores and may store (`navigator.storage.estimate()`), updated after each round. */
  storageUsage: number | null;
  storageQuota: number | null;
  /** The server's poke channel is open (this tab syncs, automatic sync is on): another
   * device's edit arrives in about a round trip; otherwise at the next poll. */
  live: boolean;
}

/** A pulled change this client could not use (an entity kind or a value it does not
 * know, or a damaged change): set aside, while the rest of its page applied. */
export interface SetAsideChange { platform: string; entity: string; id: string; code: "malformed"; message: string }

/** A mutation the server rejected: its effect is gone from the visible state. */
export interface Rejection { seq: number; name: string; args: JsonValue; code: string; message: string }

/** Passed to an `onDamaged` callback: a stored record that does not decode, and what
 * became of it — `refetch` (the server's copy comes with the next sync), `set_aside`
 * (kept aside; a pending edit's place in the outbox is held by a placeholder),
 * `rebuilt` (the sync meta, rebuilt from the outbox). */
export interface DamageEvent { store: string; key: string; message: string; action: "refetch" | "set_aside" | "rebuilt" }

/** Errors thrown by the store: a JS Error with a stable `code`. */
export interface StudioStoreError extends Error {
  code: ErrorCode;
  details?: JsonValue;
}
"#;

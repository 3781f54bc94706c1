/**
 * The app's runtime config: `config.json` served next to index.html, so one build runs
 * against any server and the token never lands in the bundle.
 */
export interface AppConfig {
  /** Base URL of the sync server; `"/"` means the origin that served the app. */
  serverUrl: string | null;
  token: string | null;
  /** Why the app runs local-only, when it does. */
  localReason: string | null;
}

const LOCAL_ONLY = (reason: string): AppConfig => ({ serverUrl: null, token: null, localReason: reason });

export async function loadConfig(): Promise<AppConfig> {
  let raw: unknown;
  try {
    // no-store: a token written after the first visit must be picked up on reload. With
    // the network off, the service worker answers with the last good copy.
    const res = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: "no-store" });
    if (!res.ok) return LOCAL_ONLY(`no config.json (HTTP ${res.status})`);
    raw = await res.json();
  } catch {
    // Offline, yet the service worker (src/lib/serviceWorker.ts) had no copy: a first
    // visit, or no server at all. The data is in IndexedDB anyway, and what is edited
    // local-only is pushed once the app opens with a server again.
    return LOCAL_ONLY("config.json unreachable");
  }
  if (typeof raw !== "object" || raw === null) return LOCAL_ONLY("config.json is not an object");
  const { serverUrl, token } = raw as { serverUrl?: unknown; token?: unknown };
  if (typeof serverUrl !== "string" || serverUrl === "") return LOCAL_ONLY("config.json has no serverUrl");
  if (typeof token !== "string" || token === "") return LOCAL_ONLY("config.json has no token");
  return { serverUrl: devServerUrl(serverUrl), token, localReason: null };
}

/**
 * The reference server sends no CORS headers, so under `npm run dev` a server on
 * another origin is reached through Vite's `/api` proxy (vite.config.ts) instead.
 */
function devServerUrl(serverUrl: string): string {
  if (!import.meta.env.DEV || !/^https?:\/\//.test(serverUrl)) return serverUrl;
  return new URL(serverUrl).origin === location.origin ? serverUrl : "/";
}

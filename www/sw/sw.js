// The app's service worker, so the studio opens with the network off. The build
// (vite.config.ts, `serviceWorker`) writes it to dist/sw.js with this build's files in
// place of the two names below.
//
// - The app shell (index.html, scripts, styles, the package's .wasm): cache-first,
//   kept at install. Every navigation in the app's scope gets index.html, so any app
//   path (a file's canvas) opens offline.
// - config.json: network-first; the last good copy (one with a serverUrl and a token)
//   is the fallback, so an offline reload keeps syncing mode: the store opens with its
//   server and waits, offline, instead of opening local-only.
// - /api: never touched; the store's sync goes to the network or fails as offline.

/* eslint-env serviceworker */
const VERSION = __STUDIO_VERSION__;
const SHELL_FILES = __STUDIO_SHELL__;

const SHELL_CACHE = `studio-shell-${VERSION}`;
const CONFIG_CACHE = "studio-config";
const scope = new URL(self.registration.scope);
const at = (path) => new URL(path, scope).href;
const INDEX = at("index.html");
const CONFIG = at("config.json");

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      await cache.addAll(SHELL_FILES.map(at));
      // The config the page just loaded, before this worker controlled it.
      await fetchConfig().catch(() => undefined);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("studio-shell-") && key !== SHELL_CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  const path = url.pathname.slice(scope.pathname.length);
  if (path === "api" || path.startsWith("api/")) return;
  if (url.href === CONFIG) event.respondWith(configNetworkFirst());
  else if (path.startsWith("assets/") || path.startsWith("pkg/")) event.respondWith(cacheFirst(request));
  else if (request.mode === "navigate") event.respondWith(shell(request));
});

/** Fetches config.json and keeps it when it is a usable one. */
async function fetchConfig() {
  const response = await fetch(CONFIG, { cache: "no-store" });
  if (response.ok && (await isGoodConfig(response.clone()))) {
    const cache = await caches.open(CONFIG_CACHE);
    await cache.put(CONFIG, response.clone());
  }
  return response;
}

async function isGoodConfig(response) {
  try {
    const { serverUrl, token } = await response.json();
    return typeof serverUrl === "string" && serverUrl !== "" && typeof token === "string" && token !== "";
  } catch {
    return false;
  }
}

async function configNetworkFirst() {
  try {
    return await fetchConfig();
  } catch (err) {
    const cached = await caches.match(CONFIG, { cacheName: CONFIG_CACHE, ignoreVary: true });
    if (cached) return cached;
    throw err;
  }
}

async function cacheFirst(request) {
  // ignoreVary: a module script's request differs in headers from the one install made.
  const cached = await caches.match(request, { cacheName: SHELL_CACHE, ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(SHELL_CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

async function shell(request) {
  const cached = await caches.match(INDEX, { cacheName: SHELL_CACHE, ignoreVary: true });
  return cached ?? fetch(request);
}

/**
 * Registers the service worker the build writes (`sw.js`, from sw/sw.js): it keeps the
 * app shell, the package's .wasm and the last good config.json, so a reload with the
 * network off opens the studio in syncing mode, waiting offline. Not under
 * `npm run dev`, whose modules are not a build's and change under Vite.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`).catch((err: unknown) => {
    // The app works online without it; only an offline reload needs it.
    console.warn("studio: no offline start:", err);
  });
}

import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * `STUDIO_STORE_PKG=/some/dir` builds against another build of the package than
 * ../pkg (the `file:` dependency), e.g. to try a fix of the package before it lands.
 */
const altPkg = process.env.STUDIO_STORE_PKG ? resolve(process.env.STUDIO_STORE_PKG) : null;

/**
 * Where `npm run dev` sends `/api`: the reference server has no CORS headers, so in dev
 * the app talks to its own origin and Vite forwards. `STUDIO_SERVER_URL` wins, then an
 * absolute `serverUrl` in public/config.json, then the server's default address.
 */
function apiTarget(): string {
  if (process.env.STUDIO_SERVER_URL) return process.env.STUDIO_SERVER_URL;
  try {
    const path = fileURLToPath(new URL("./public/config.json", import.meta.url));
    const { serverUrl } = JSON.parse(readFileSync(path, "utf8")) as { serverUrl?: unknown };
    if (typeof serverUrl === "string" && /^https?:\/\//.test(serverUrl)) return serverUrl;
  } catch {
    // No config (local-only dev): the default below is only used if a request is made.
  }
  return "http://127.0.0.1:8080";
}

/**
 * Writes the service worker (sw/sw.js) into the build as `sw.js`, with the build's files
 * as the app shell it keeps and a version that changes whenever they do, so a new build
 * replaces the old cache. Build only: under `npm run dev` nothing registers it.
 */
function serviceWorker(): Plugin {
  return {
    name: "studio-service-worker",
    apply: "build",
    async writeBundle(options, bundle) {
      const shell = Object.keys(bundle)
        .filter((file) => !file.endsWith(".map"))
        .sort();
      const version = createHash("sha256").update(shell.join("\n")).digest("hex").slice(0, 16);
      const template = await readFile(fileURLToPath(new URL("./sw/sw.js", import.meta.url)), "utf8");
      const source = template
        .replace("__STUDIO_VERSION__", JSON.stringify(version))
        .replace("__STUDIO_SHELL__", JSON.stringify(shell));
      await writeFile(resolve(options.dir ?? "dist", "sw.js"), source);
    },
  };
}

export default defineConfig({
  plugins: [react(), serviceWorker()],
  resolve: { alias: altPkg ? { "studio-store": resolve(altPkg, "studio_store.js") } : {} },
  server: {
    // `studio-store` is a symlink to ../pkg; its files must be servable in dev.
    fs: { allow: [".", "../pkg", ...(altPkg ? [altPkg] : [])] },
    proxy: { "/api": { target: apiTarget(), changeOrigin: true } },
  },
  // Pre-bundling would move the glue into .vite/deps and break its
  // `new URL("studio_store_bg.wasm", import.meta.url)`; serve it as it is.
  optimizeDeps: { exclude: ["studio-store"] },
  build: { target: "es2022" },
});

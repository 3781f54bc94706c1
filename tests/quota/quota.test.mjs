// @ts-check
/**
 * The package under a real full disk: Chromium's own quota, set with the DevTools
 * protocol's `Storage.overrideQuotaForOrigin` before the page first touches storage
 * (Chromium caches a site's remaining room for a while, so a quota set later is not
 * enforced at once), against the real server on a fresh SQLite database.
 *
 * What must hold (DESIGN.md, issue 9 case 7): a write that does not fit is
 * `quota_exceeded` and changes nothing; on a full disk a delete still goes through, a
 * sync round still completes (pushing what is pending and landing what others did), and
 * what they free is free again for new edits; nothing acknowledged is lost.
 *
 *   STUDIO_SERVER_BIN=/path/to/studio-server npm test     (after scripts/build-pkg.sh)
 */
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile, access } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const PKG = path.join(ROOT, "pkg");
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];
/** The site's whole quota: the store fills it with projects of ~60 KB each. */
const QUOTA = 3_000_000;
const BLOB = 60_000;

/** The real server on a free port, serving the package and a blank page. */
async function startServer() {
  const bin = process.env.STUDIO_SERVER_BIN;
  if (!bin) throw new Error("set STUDIO_SERVER_BIN to the studio-server binary");
  await access(path.join(PKG, "studio_store_bg.wasm")).catch(() => {
    throw new Error("no pkg/studio_store_bg.wasm: run scripts/build-pkg.sh first");
  });
  const tmp = await mkdtemp(path.join(tmpdir(), "studio-quota-"));
  const www = path.join(tmp, "www");
  await mkdir(www);
  await writeFile(
    path.join(www, "index.html"),
    `<!doctype html><meta charset="utf-8"><title>quota</title>
     <script type="module">
       import init, { StudioStore } from "/pkg/studio_store.js";
       await init();
       window.StudioStore = StudioStore;
       window.ready = true;
     </script>`,
  );
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${tmp}/studio.sqlite`,
    STUDIO_DATA_DIR: path.join(tmp, "data"),
    STUDIO_WWW_DIR: www,
    STUDIO_PKG_DIR: PKG,
  };
  execFileSync(bin, ["migrate"], { env, stdio: ["ignore", "ignore", "inherit"] });
  const token = execFileSync(bin, ["token", "create", "quota@test.local"], { env }).toString().trim();
  const server = spawn(bin, ["serve", "--addr", "127.0.0.1:0"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const origin = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output}`)), 30_000);
    const onData = (/** @type {Buffer} */ chunk) => {
      output += chunk.toString();
      const m = /listening on (http:\/\/[0-9.]+:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    server.stdout.on("data", onData);
    server.stderr.on("data", onData);
    server.on("exit", (code) => reject(new Error(`the server exited (${code}):\n${output}`)));
  });
  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
    }
    await rm(tmp, { recursive: true, force: true });
  };
  return { origin: /** @type {string} */ (origin), token, stop };
}

/**
 * The server's projects of the token's user, by name (a pull from cursor 0, as a new
 * device sees them).
 * @param {{ origin: string, token: string }} server
 */
async function serverProjects(server) {
  const names = new Map();
  let cursor = 0;
  for (;;) {
    const url = `${server.origin}/api/projects/pull?client_id=${crypto.randomUUID()}&cursor=${cursor}&limit=500`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${server.token}` } });
    assert.equal(res.status, 200);
    const page = await res.json();
    for (const c of page.changes) {
      if (c.entity !== "project") continue;
      if (c.deleted) names.delete(c.id);
      else names.set(c.id, c.value.name);
    }
    cursor = page.cursor;
    if (!page.has_more) break;
  }
  return [...names.values()].sort();
}

/**
 * Another device of the same user creates a project, straight through the API.
 * @param {{ origin: string, token: string }} server
 * @param {string} name
 * @param {number} size
 */
async function createElsewhere(server, name, size) {
  const res = await fetch(`${server.origin}/api/projects/push`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
    body: JSON.stringify({
      client_id: crypto.randomUUID(),
      mutations: [
        { seq: 1, name: "project.create", args: { id: crypto.randomUUID(), name, metadata: { blob: "e".repeat(size) } } },
      ],
    }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.results[0].status, "applied", JSON.stringify(body));
}

test("a full disk: quota_exceeded changes nothing; deletes, syncs and new edits after them go through", async (t) => {
  const server = await startServer();
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  t.after(async () => {
    await browser.close();
    await server.stop();
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Storage.overrideQuotaForOrigin", { origin: server.origin, quotaSize: QUOTA });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${server.origin}/`);
  await page.waitForFunction(() => /** @type {any} */ (window).ready === true);

  // Fill the disk: synced projects of ~60 KB each until a create does not fit.
  const filled = await page.evaluate(
    async ({ origin, token, blob }) => {
      const w = /** @type {any} */ (window);
      const random = (/** @type {number} */ n) => {
        let s = "";
        while (s.length < n) s += Math.random().toString(36).slice(2);
        return s.slice(0, n);
      };
      w.random = random;
      const store = await w.StudioStore.open({ name: "quota", serverUrl: origin, token, autoSync: false });
      w.store = store;
      await store.sync.now();
      const created = [];
      for (let i = 0; i < 200; i++) {
        try {
          const p = await store.projects.create({ name: `P${i}`, metadata: { blob: random(blob) } });
          created.push(p.id);
          if (i % 5 === 4) await store.sync.now();
        } catch (e) {
          const err = /** @type {any} */ (e);
          const listed = (await store.projects.list()).length;
          return { created, code: err.code, message: err.message, listed };
        }
      }
      return { created, code: null, message: "never full", listed: created.length };
    },
    { origin: server.origin, token: server.token, blob: BLOB },
  );
  assert.equal(filled.code, "quota_exceeded", filled.message);
  assert.ok(filled.created.length >= 10, `the disk held ${filled.created.length} projects`);
  assert.equal(filled.listed, filled.created.length, "the create that did not fit left nothing");

  // Everything created before the disk filled is acknowledged (synced) or pending; a
  // sync on the full disk pushes what is pending, and it is on the server.
  const synced = await page.evaluate(async () => {
    const store = /** @type {any} */ (window).store;
    try {
      await store.sync.now();
      return { ok: true, status: store.sync.status() };
    } catch (e) {
      return { ok: false, code: /** @type {any} */ (e).code, status: store.sync.status() };
    }
  });
  assert.equal(synced.ok, true, `a round on a full disk: ${JSON.stringify(synced)}`);
  assert.equal(synced.status.pending, 0);
  assert.equal((await serverProjects(server)).length, filled.created.length);

  // Another device adds a project while this disk is full, and this one deletes two:
  // the deletes go through, and the round that pushes them lands the other device's
  // project in the room they freed.
  await createElsewhere(server, "From elsewhere", BLOB);
  const freed = await page.evaluate(async (ids) => {
    const store = /** @type {any} */ (window).store;
    const out = { deleted: 0, deleteError: null, syncError: null, names: [], pending: -1 };
    try {
      for (const id of ids) {
        await store.projects.delete(id);
        out.deleted++;
      }
    } catch (e) {
      out.deleteError = /** @type {any} */ (e).code;
    }
    try {
      await store.sync.now();
    } catch (e) {
      out.syncError = /** @type {any} */ (e).code;
    }
    out.names = (await store.projects.list()).map((/** @type {any} */ p) => p.name);
    out.pending = store.sync.status().pending;
    return out;
  }, filled.created.slice(0, 2));
  assert.equal(freed.deleteError, null, "a delete on a full disk goes through");
  assert.equal(freed.deleted, 2);
  assert.equal(freed.syncError, null, "the round that pushes the deletes completes");
  assert.equal(freed.pending, 0);
  assert.ok(freed.names.includes("From elsewhere"), `the other device's project landed: ${freed.names}`);
  assert.ok(!freed.names.includes("P0") && !freed.names.includes("P1"));

  // The room is free again: a new edit of the same size fits, and syncs.
  const after = await page.evaluate(async (blob) => {
    const w = /** @type {any} */ (window);
    try {
      await w.store.projects.create({ name: "After", metadata: { blob: w.random(blob) } });
      await w.store.sync.now();
      return { ok: true, pending: w.store.sync.status().pending };
    } catch (e) {
      return { ok: false, code: /** @type {any} */ (e).code, message: /** @type {any} */ (e).message };
    }
  }, BLOB);
  assert.equal(after.ok, true, `an edit after the deletes: ${JSON.stringify(after)}`);
  assert.equal(after.pending, 0);

  // Nothing acknowledged is lost: the server has every project but the two deleted.
  const expected = [
    ...filled.created.slice(2).map((_, i) => `P${i + 2}`),
    "After",
    "From elsewhere",
  ].sort();
  assert.deepEqual(await serverProjects(server), expected);
  assert.deepEqual(errors, []);
});

// @ts-check
/**
 * End to end: the built app (dist/), served by the real reference server on a fresh
 * SQLite database, driven in Debian's Chromium. Two browser contexts are two devices
 * with their own IndexedDB. Every wait is a wait for a condition, never a sleep.
 *
 *   STUDIO_SERVER_BIN=/path/to/studio-server npm test
 */
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { cp, mkdtemp, rm, writeFile, access } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const WWW = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const DIST = path.join(WWW, "dist");
const PKG = path.join(WWW, "..", "pkg");
/** Generous: CI machines are small, and the first sync pulls the tool catalog. */
const WAIT = { timeout: 30_000 };
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];

/**
 * Starts `studio-server serve` on a free port with a fresh database and the app's
 * build as its www dir, plus a config.json holding a new token.
 * @returns {Promise<{ origin: string, token: string, stop: () => Promise<void>, log: () => string }>}
 */
async function startServer() {
  const bin = process.env.STUDIO_SERVER_BIN;
  if (!bin) throw new Error("set STUDIO_SERVER_BIN to the studio-server binary (cargo build -p studio-server)");
  await access(path.join(DIST, "index.html")).catch(() => {
    throw new Error("no dist/index.html: run `npm run build` first");
  });
  const tmp = await mkdtemp(path.join(tmpdir(), "studio-www-e2e-"));
  const www = path.join(tmp, "www");
  // A copy, so the token written next to index.html never lands in dist/.
  await cp(DIST, www, { recursive: true });
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${tmp}/studio.sqlite`,
    STUDIO_DATA_DIR: path.join(tmp, "data"),
    STUDIO_WWW_DIR: www,
    STUDIO_PKG_DIR: PKG,
    STUDIO_RUNNER_DELAY_MS: "50",
  };
  execFileSync(bin, ["migrate"], { env, stdio: ["ignore", "ignore", "inherit"] });
  const token = execFileSync(bin, ["token", "create", "e2e@test.local"], { env }).toString().trim();
  assert.match(token, /^[0-9a-f]{64}$/, "token create prints a token");

  const server = spawn(bin, ["serve", "--addr", "127.0.0.1:0"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const origin = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output}`)), WAIT.timeout);
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
  await writeFile(path.join(www, "config.json"), JSON.stringify({ serverUrl: origin, token }));

  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
    }
    await rm(tmp, { recursive: true, force: true });
  };
  return { origin, token, stop, log: () => output };
}

/**
 * Pushes mutations to the server as another device would, checking each was applied.
 * @param {{ origin: string, token: string }} server
 * @param {string} platform
 * @param {string} clientId
 * @param {{ seq: number, name: string, args: object }[]} mutations
 */
async function push(server, platform, clientId, mutations) {
  const res = await fetch(`${server.origin}/api/${platform}/push`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
    body: JSON.stringify({ client_id: clientId, mutations }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  for (const r of body.results) assert.equal(r.status, "applied", JSON.stringify(r));
}

/**
 * What a person sees on the canvas: each node's label and position (React Flow's
 * transform, in flow coordinates, so the viewport does not matter) and each edge as
 * "source label -> target label". Runs in the page.
 */
function readCanvas() {
  const labels = new Map();
  const nodes = /** @type {Record<string, [number, number]>} */ ({});
  for (const el of document.querySelectorAll(".react-flow__node")) {
    const label = el.querySelector(".studio-node-label")?.textContent ?? "?";
    labels.set(el.getAttribute("data-id"), label);
    const m = /translate\(([-\d.]+)px,\s*([-\d.]+)px\)/.exec(/** @type {HTMLElement} */ (el).style.transform);
    nodes[label] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  }
  const edges = [];
  for (const el of document.querySelectorAll(".react-flow__edge")) {
    const m = /^Edge from (\S+) to (\S+)$/.exec(el.getAttribute("aria-label") ?? "");
    if (m) edges.push(`${labels.get(m[1]) ?? m[1]} -> ${labels.get(m[2]) ?? m[2]}`);
  }
  return { nodes, edges: edges.sort() };
}

/** @typedef {ReturnType<typeof readCanvas>} Canvas */

/** @param {import("playwright-core").Page} page */
async function canvasOf(page) {
  return page.evaluate(readCanvas);
}

/**
 * Waits until the page shows exactly `expected` (then checks it, for a clear diff).
 * @param {import("playwright-core").Page} page
 * @param {Canvas} expected
 */
async function waitForCanvas(page, expected) {
  const want = JSON.stringify(expected);
  await page
    .waitForFunction(
      ([read, want]) => JSON.stringify(new Function(`return (${read})()`)()) === want,
      [readCanvas.toString(), want],
      WAIT,
    )
    .catch(() => {});
  assert.deepEqual(await canvasOf(page), expected);
}

/** @param {import("playwright-core").Page} page */
async function waitForSynced(page) {
  await page.waitForFunction(() => {
    const el = /** @type {HTMLElement | null} */ (document.querySelector("[data-testid=sync-status]"));
    return el?.dataset["state"] === "synced" && el.dataset["pending"] === "0";
  }, null, WAIT);
}

/**
 * @param {import("playwright-core").Page} page
 * @param {string} state
 */
async function waitForState(page, state) {
  await page.waitForFunction(
    (state) => document.querySelector("[data-testid=sync-status]")?.getAttribute("data-state") === state,
    state,
    WAIT,
  );
}

/**
 * Waits until the editor says every edit is in IndexedDB: what a user can reload after.
 * @param {import("playwright-core").Page} page
 */
async function waitForSaved(page) {
  await page.waitForFunction(
    () => document.querySelector("[data-testid=save-state]")?.getAttribute("data-saving") === "false",
    null,
    WAIT,
  );
}

/**
 * Runs in every page: records when an open canvas gives way to "No file" or "was
 * deleted" although nobody deleted it (the store's visible state must never lose a
 * file or an edit, not even for a moment during a sync).
 */
function watchForVanishing() {
  let opened = false;
  new MutationObserver(() => {
    if (document.querySelector(".react-flow")) opened = true;
    const h1 = document.querySelector("h1")?.textContent ?? "";
    if (opened && /^No file|was deleted$/.test(h1)) {
      opened = false;
      // @ts-expect-error: exposed by the test through exposeFunction
      window.reportVanished(`${location.pathname}: ${h1}`);
    }
  }).observe(document, { subtree: true, childList: true });
}

/** @param {import("playwright-core").Page} page @param {string} label */
function node(page, label) {
  return page.locator(".react-flow__node", { has: page.locator(".studio-node-label", { hasText: label }) });
}

/**
 * Drags with the mouse, in steps, as a hand would.
 * @param {import("playwright-core").Page} page
 * @param {import("playwright-core").Locator} from
 * @param {{ x: number, y: number } | import("playwright-core").Locator} to  an offset, or a target
 */
async function drag(page, from, to) {
  const a = await from.boundingBox();
  assert.ok(a, "drag source is on screen");
  const start = { x: a.x + a.width / 2, y: a.y + a.height / 2 };
  let end;
  if ("boundingBox" in to) {
    const b = await to.boundingBox();
    assert.ok(b, "drag target is on screen");
    end = { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  } else {
    end = { x: start.x + to.x, y: start.y + to.y };
  }
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(end.x, end.y, { steps: 12 });
  await page.mouse.up();
}

test("canvas app: edit, persist, sync to a second device, offline edit", async (t) => {
  const server = await startServer();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
  });
  /** @type {string[]} */
  const pageErrors = [];
  /** @param {import("playwright-core").Page} page @param {string} name */
  const watchErrors = (page, name) => {
    page.on("pageerror", (err) => pageErrors.push(`${name}: ${err.message}`));
    page.on("console", (msg) => {
      // Failed requests while offline are the point of the test, not errors of the app.
      if (msg.type() === "error" && !/Failed to load resource|net::ERR_/.test(msg.text())) {
        pageErrors.push(`${name} console: ${msg.text()}`);
      }
    });
  };

  /** @type {string[]} */
  const vanished = [];
  /** A device: a browser context with its own IndexedDB, watched for vanishing files. */
  const newDevice = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.exposeFunction("reportVanished", (/** @type {string} */ what) => vanished.push(what));
    await context.addInitScript(watchForVanishing);
    return context;
  };

  /** Steps build on each other: after a failure the rest are skipped, not timed out. */
  let failed = false;
  /** @param {string} name @param {() => Promise<void>} fn */
  const step = (name, fn) =>
    t.test(name, { skip: failed && "an earlier step failed" }, async () => {
      try {
        await fn();
      } catch (err) {
        failed = true;
        if (vanished.length > 0 && err instanceof Error) {
          err.message += `\n(meanwhile the open file vanished from the screen: ${vanished.join("; ")})`;
        }
        throw err;
      }
    });

  try {
    const deviceA = await newDevice();
    const a = await deviceA.newPage();
    watchErrors(a, "A");
    /** @type {Canvas} */
    let expected = { nodes: {}, edges: [] };

    await step("the app opens its store", async () => {
      await a.goto(server.origin + "/");
      const ready = a.getByLabel("Project name");
      const broken = a.getByRole("heading", { name: "The studio could not open its local database" });
      await ready.or(broken).waitFor(WAIT);
      if (await broken.isVisible()) assert.fail(`the app shows: ${await a.locator("main, #root").first().innerText()}`);
    });

    await step("create a project and a file", async () => {
      await a.getByLabel("Project name").fill("Villa Rosa");
      await a.getByRole("button", { name: "Create project" }).click();
      await a.getByRole("heading", { name: "Villa Rosa" }).waitFor(WAIT);
      await a.getByLabel("File name").fill("Ground floor");
      await a.getByRole("button", { name: "Create file" }).click();
      await a.getByRole("button", { name: "Add node" }).waitFor(WAIT);
      // A real path (history API), not a hash route.
      assert.equal(new URL(a.url()).pathname, "/canvas/villa-rosa/ground-floor");
      assert.equal(new URL(a.url()).hash, "");
    });

    await step("add two nodes, connect them, drag one", async () => {
      const add = a.getByRole("button", { name: "Add node" });
      await add.click();
      await node(a, "Node 1").waitFor(WAIT);
      await add.click();
      await node(a, "Node 2").waitFor(WAIT);

      await drag(a, node(a, "Node 1").locator(".react-flow__handle.source"), node(a, "Node 2").locator(".react-flow__handle.target"));
      await a.locator(".react-flow__edge").first().waitFor(WAIT);

      const before = await canvasOf(a);
      await drag(a, node(a, "Node 2").locator(".studio-node-label"), { x: 160, y: 90 });
      const after = await canvasOf(a);
      assert.deepEqual(after.nodes["Node 1"], before.nodes["Node 1"], "Node 1 stays put");
      assert.notDeepEqual(after.nodes["Node 2"], before.nodes["Node 2"], "Node 2 moved");
      assert.deepEqual(after.edges, ["Node 1 -> Node 2"]);
      expected = after;
    });

    await step("everything is still there after a reload (IndexedDB)", async () => {
      await waitForSaved(a);
      await a.reload();
      await waitForCanvas(a, expected);
    });

    await step("device A syncs: synced, 0 pending", async () => {
      await waitForSynced(a);
    });

    const deviceB = await newDevice();
    const b = await deviceB.newPage();
    watchErrors(b, "B");

    await step("a second device opens the file by its URL and sees the same graph", async () => {
      // A fresh device: nothing local yet, so the page waits for the first pull. The
      // server answers index.html for the app path (a shared link).
      const res = await b.goto(server.origin + "/canvas/villa-rosa/ground-floor");
      assert.equal(res?.status(), 200);
      await waitForCanvas(b, expected);
      await waitForSynced(b);
    });

    await step("the deep link survives a reload, and links and Back move between real paths", async () => {
      await b.reload();
      assert.equal(new URL(b.url()).pathname, "/canvas/villa-rosa/ground-floor");
      await waitForCanvas(b, expected);
      await b.getByRole("navigation", { name: "Breadcrumbs" }).getByRole("link", { name: "villa-rosa" }).click();
      await b.getByRole("link", { name: "Ground floor" }).waitFor(WAIT);
      assert.equal(new URL(b.url()).pathname, "/canvas/villa-rosa");
      await b.goBack();
      assert.equal(new URL(b.url()).pathname, "/canvas/villa-rosa/ground-floor");
      await waitForCanvas(b, expected);
    });

    await step("reloaded with the network off, A opens the file with its nodes, still syncing", async () => {
      // The service worker keeps the app shell, the .wasm and the last good config.json.
      await a.evaluate(async () => {
        await navigator.serviceWorker.ready;
      });
      await a.waitForFunction(() => navigator.serviceWorker.controller !== null, null, WAIT);
      await deviceA.setOffline(true);
      await a.reload();
      await waitForCanvas(a, expected);
      // Opened with its server (the cached config), sync paused: not "local".
      await waitForState(a, "offline");
    });

    await step("an edit made offline on A reaches B once A is back online", async () => {
      await deviceA.setOffline(true);
      await waitForState(a, "offline");

      await a.getByRole("button", { name: "Add node" }).click();
      await node(a, "Node 3").waitFor(WAIT);
      await drag(a, node(a, "Node 1").locator(".studio-node-label"), { x: -120, y: 40 });
      const offline = await canvasOf(a);
      assert.equal(Object.keys(offline.nodes).length, 3);
      assert.notDeepEqual(offline.nodes["Node 1"], expected.nodes["Node 1"], "Node 1 moved");
      // Still offline: the edits wait in the outbox, and B has not seen them.
      await a.waitForFunction(
        () => Number(document.querySelector("[data-testid=sync-status]")?.getAttribute("data-pending")) > 0,
        null,
        WAIT,
      );
      assert.equal(await a.locator("[data-testid=sync-status]").getAttribute("data-state"), "offline");
      assert.deepEqual(await canvasOf(b), expected);

      await deviceA.setOffline(false);
      await waitForSynced(a);
      await waitForCanvas(b, offline);
    });

    await step("no errors in the pages, and the open file never vanished", async () => {
      assert.deepEqual(pageErrors, []);
      assert.deepEqual(vanished, []);
    });
  } catch (err) {
    console.error(`server output:\n${server.log()}`);
    throw err;
  } finally {
    await browser.close();
    await server.stop();
  }
});

// Its own server and browser; React Flow takes a while to draw 10 000 edges on a small
// machine, hence the longer timeout.
test("canvas app: a deletion of more than one applyOps takes is saved whole", { timeout: 300_000 }, async () => {
  const server = await startServer();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
  });
  try {
    // Two nodes joined by 9 999 edges, put on the server through the API (another
    // device's work): deleting both nodes is one edit of 10 001 ops (each edge goes with
    // them), more than one applyOps takes.
    const edgeCount = 9_999;
    const clientId = crypto.randomUUID();
    const projectId = crypto.randomUUID();
    const fileId = crypto.randomUUID();
    await push(server, "projects", clientId, [{ seq: 1, name: "project.create", args: { id: projectId, name: "Big villa", slug: "big-villa" } }]);
    await push(server, "canvas", clientId, [{ seq: 2, name: "file.create", args: { id: fileId, project_id: projectId, name: "Big floor" } }]);
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    const nodeOps = [
      { op: "node.add", node: { id: a, type: "image", position: { x: 150, y: 100 }, data: { label: "A" } } },
      { op: "node.add", node: { id: b, type: "image", position: { x: 450, y: 300 }, data: { label: "B" } } },
    ];
    await push(server, "canvas", clientId, [{ seq: 3, name: "graph.apply", args: { file_id: fileId, ops: nodeOps } }]);
    const edgeOps = Array.from({ length: edgeCount }, () => ({ op: "edge.add", edge: { id: crypto.randomUUID(), source: a, target: b } }));
    const perApply = 2_500;
    for (let i = 0, seq = 4; i < edgeCount; i += perApply, seq++) {
      await push(server, "canvas", clientId, [{ seq, name: "graph.apply", args: { file_id: fileId, ops: edgeOps.slice(i, i + perApply) } }]);
    }

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Every toast the page shows, kept (a toast leaves after a few seconds).
    await context.addInitScript(() => {
      const seen = /** @type {string[]} */ ([]);
      Object.assign(window, { toastsSeen: seen });
      new MutationObserver(() => {
        for (const el of document.querySelectorAll(".toast span")) {
          if (!seen.includes(el.textContent ?? "")) seen.push(el.textContent ?? "");
        }
      }).observe(document, { subtree: true, childList: true });
    });
    const page = await context.newPage();
    /** @type {string[]} */
    const errors = [];
    page.on("pageerror", (err) => errors.push(err.message));
    const slow = { timeout: 120_000, polling: 500 };
    await page.goto(`${server.origin}/canvas/big-villa/big-floor`);
    await page.waitForFunction((n) => document.querySelectorAll(".react-flow__edge").length === n, edgeCount, slow);
    await waitForSynced(page);

    // Select both nodes with a Shift-drag box around them, then delete.
    const boxes = await Promise.all([node(page, "A").boundingBox(), node(page, "B").boundingBox()]);
    const [ba, bb] = boxes;
    assert.ok(ba && bb, "both nodes are on screen");
    await page.keyboard.down("Shift");
    await page.mouse.move(Math.min(ba.x, bb.x) - 30, Math.min(ba.y, bb.y) - 30);
    await page.mouse.down();
    await page.mouse.move(Math.max(ba.x + ba.width, bb.x + bb.width) + 30, Math.max(ba.y + ba.height, bb.y + bb.height) + 30, { steps: 2 });
    await page.mouse.up();
    await page.keyboard.up("Shift");
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__node.selected").length === 2, null, slow);
    await page.keyboard.press("Delete");

    const empty = () => document.querySelectorAll(".react-flow__node, .react-flow__edge").length === 0;
    await page.waitForFunction(empty, null, slow);
    await waitForSaved(page);
    // @ts-expect-error: set by the init script above
    assert.deepEqual(await page.evaluate(() => window.toastsSeen), [], "no save failed");
    // Saved means in IndexedDB: after a reload and a sync the canvas is still empty,
    // so the server took every batch too.
    await waitForSynced(page);
    await page.reload();
    await page.getByRole("button", { name: "Add node" }).waitFor(slow);
    await waitForSynced(page);
    assert.equal(await page.evaluate(empty), true, "nothing is left, here or on the server");
    assert.deepEqual(errors, []);
  } catch (err) {
    console.error(`server output:\n${server.log()}`);
    throw err;
  } finally {
    await browser.close();
    await server.stop();
  }
});

// @ts-check
/**
 * Faults between client and server: real Chromium clients of one user (three devices,
 * one of them with two tabs on the same store) edit at random through a seeded
 * fault-injecting proxy (proxy.mjs) in front of the real server on a fresh SQLite
 * database. Mid-run the server is SIGKILLed and restarted on the same database and
 * port, and a page is closed mid-sync and reopened on the same store name.
 *
 * At the end the faults stop, every client syncs until nothing is pending, and then:
 * every edit whose promise resolved is on the server (an edit resolves once durable in
 * IndexedDB, so it must get there), nothing is applied twice (no graph has more
 * versions than applyOps were made on it, no mutation is rejected), and every client
 * reads what the server has.
 *
 *   STUDIO_SERVER_BIN=/path/to/studio-server node run.mjs [--runs N] [--edits M] [--seed S]
 *
 * M is the number of edit actions (a drag is one: several moves of a node in a row).
 * Run i uses seed S+i for the proxy's decisions and the harness's choices of edits; a
 * failing run prints the command that replays its seeds (the browser's timing still
 * varies, so a replay meets the same sequence of decisions, not always the same race).
 * The last line is a JSON summary; the exit code is nonzero on any loss, duplication,
 * divergence or unexpected error.
 */
import { spawn, execFileSync } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile, access } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { FAULT_KINDS, mulberry32, startProxy } from "./proxy.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PKG = path.join(HERE, "..", "..", "pkg");
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];
/** The devices of the one user, and how many tabs each has open on the store. */
const DEVICES = [
  { name: "A", tabs: 2 },
  { name: "B", tabs: 1 },
  { name: "C", tabs: 1 },
];
const STORE_NAME = "studio";
/** Below the proxy's longest delay, so some requests time out and are retried while
 * their first copy is still on its way. */
const REQUEST_TIMEOUT_MS = 2000;
const RUN_TIMEOUT_MS = 150_000;
const SETTLE_TIMEOUT_MS = 60_000;

/** The page every tab loads: the package, and a small agent the harness drives. */
const INDEX_HTML = `<!doctype html><meta charset="utf-8"><title>faults</title>
<script type="module">
  import init, { StudioStore } from "/pkg/studio_store.js";
  await init();
  let store = null;
  const position = (x, y) => ({ x, y });
  window.agent = {
    async open(opts) {
      store = await StudioStore.open({ ...opts, syncIntervalMs: 500, requestTimeoutMs: ${REQUEST_TIMEOUT_MS} });
      store.onRejected((e) => window.reportRejected(e));
    },
    createProject: async (id, name) => void (await store.projects.create({ id, name })),
    renameProject: async (id, name) => void (await store.projects.update(id, { name })),
    deleteProject: (id) => store.projects.delete(id),
    createFile: async (id, projectId, name) => void (await store.canvas.createFile({ id, projectId, name })),
    addNode: (fileId, id, x, y) =>
      store.canvas.applyOps(fileId, [{ op: "node.add", node: { id, type: "image", position: position(x, y), data: {} } }]),
    moveNode: (fileId, id, x, y) => store.canvas.applyOps(fileId, [{ op: "node.set", id, props: { position: position(x, y) } }]),
    /** A round started and not waited for (the page may be closed under it). */
    startSync: () => void store.sync.now().catch(() => {}),
    /** Waits up to \`ms\` for a round to be on its way; whether one is. */
    async syncing(ms) {
      for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 10))) {
        if (store.sync.status().state === "syncing") return true;
      }
      return false;
    },
    /** A round waited for, and what is left pending after it. */
    async syncRound(timeoutMs) {
      let error = null;
      const timeout = new Promise((_, reject) => setTimeout(() => reject({ code: "harness_timeout" }), timeoutMs));
      try {
        await Promise.race([store.sync.now(), timeout]);
      } catch (e) {
        error = e?.code ?? String(e);
      }
      return { error, pending: await store.sync.pending(), status: store.sync.status() };
    },
    /** The ids of the projects and files this store has. */
    async ids() {
      const projects = (await store.projects.list()).map((p) => p.id);
      const files = [];
      for (const id of projects) for (const f of await store.canvas.filesByProject(id)) files.push(f.id);
      return { projects, files };
    },
    /** What this store shows: projects, files, nodes, keyed by id. */
    async snapshot() {
      const out = { projects: {}, files: {}, nodes: {} };
      for (const p of await store.projects.list()) {
        out.projects[p.id] = p.name;
        for (const f of await store.canvas.filesByProject(p.id)) {
          out.files[f.id] = { projectId: f.project_id, name: f.name };
          const g = await store.canvas.getGraph(f.id);
          for (const n of g?.nodes ?? []) out.nodes[n.id] = { fileId: f.id, x: n.position.x, y: n.position.y };
        }
      }
      return out;
    },
  };
  window.ready = true;
</script>`;

/**
 * A promise awaited only later: its failure is not an unhandled rejection meanwhile.
 * @template T @param {Promise<T>} promise
 */
function awaitedLater(promise) {
  promise.catch(() => {});
  return promise;
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every server process alive, so none outlives the harness, however it ends. */
const liveServers = new Set();
process.on("exit", () => {
  for (const proc of liveServers) proc.kill("SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(1));

/** A port free now, for a server that must come back on it after a kill. */
async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, "127.0.0.1", () => resolve(undefined)));
  const { port } = /** @type {net.AddressInfo} */ (probe.address());
  await new Promise((resolve) => probe.close(() => resolve(undefined)));
  return port;
}

/**
 * The real server on a fresh SQLite database and a fixed port, serving the package and
 * the agent's page; `kill` SIGKILLs it, `start` brings it back on the same database.
 * @param {string} bin
 */
async function startServer(bin) {
  const tmp = await mkdtemp(path.join(tmpdir(), "studio-faults-"));
  const www = path.join(tmp, "www");
  await mkdir(www);
  await writeFile(path.join(www, "index.html"), INDEX_HTML);
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${tmp}/studio.sqlite`,
    STUDIO_DATA_DIR: path.join(tmp, "data"),
    STUDIO_WWW_DIR: www,
    STUDIO_PKG_DIR: PKG,
  };
  execFileSync(bin, ["migrate"], { env, stdio: ["ignore", "ignore", "inherit"] });
  const token = execFileSync(bin, ["token", "create", "faults@test.local"], { env }).toString().trim();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  /** @type {import("node:child_process").ChildProcess | null} */
  let child = null;

  /** One attempt to serve; rejects if the process exits first (the port not yet free). */
  const serveOnce = () =>
    new Promise((resolve, reject) => {
      const proc = spawn(bin, ["serve", "--addr", `127.0.0.1:${port}`], { env, stdio: ["ignore", "pipe", "pipe"] });
      liveServers.add(proc);
      let output = "";
      const timer = setTimeout(() => {
        proc.kill("SIGKILL");
        reject(new Error(`the server did not start:\n${output}`));
      }, 30_000);
      const onData = (/** @type {Buffer} */ chunk) => {
        output += chunk.toString();
        if (output.includes("listening on")) {
          clearTimeout(timer);
          child = proc;
          resolve(undefined);
        }
      };
      proc.stdout.on("data", onData);
      proc.stderr.on("data", onData);
      proc.on("exit", (code) => {
        liveServers.delete(proc);
        clearTimeout(timer);
        reject(new Error(`the server exited (${code}):\n${output}`));
      });
    });

  const start = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await serveOnce();
      } catch (e) {
        if (attempt >= 20) throw e;
        await sleep(250);
      }
    }
  };
  const kill = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    origin,
    token,
    start,
    kill,
    stop: async () => {
      await kill();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * The server's state as a new device pulls it from cursor 0, straight from the server.
 * @param {{ origin: string, token: string }} server
 */
async function serverState(server) {
  const state = {
    projects: /** @type {Record<string, string>} */ ({}),
    files: /** @type {Record<string, { projectId: string, name: string }>} */ ({}),
    nodes: /** @type {Record<string, { fileId: string, x: number, y: number }>} */ ({}),
    /** Graphs by id: their file and version. */
    graphs: /** @type {Record<string, { fileId: string, version: number }>} */ ({}),
  };
  const clientId = crypto.randomUUID();
  for (const platform of ["projects", "canvas"]) {
    for (let cursor = 0; ; ) {
      const url = `${server.origin}/api/${platform}/pull?client_id=${clientId}&cursor=${cursor}&limit=500`;
      const res = await fetch(url, { headers: { authorization: `Bearer ${server.token}` } });
      if (res.status !== 200) throw new Error(`pull ${platform}: HTTP ${res.status}: ${await res.text()}`);
      const page = await res.json();
      for (const c of page.changes) foldChange(state, c);
      cursor = page.cursor;
      if (!page.has_more) break;
    }
  }
  return state;
}

/**
 * One pulled change into the state it describes.
 * @param {Awaited<ReturnType<typeof serverState>>} state
 * @param {{ entity: string, id: string, deleted: boolean, value: any }} c
 */
function foldChange(state, c) {
  const table = /** @type {Record<string, Record<string, unknown>>} */ ({
    project: state.projects,
    canvas_file: state.files,
    canvas_graph: state.graphs,
    canvas_node: state.nodes,
  })[c.entity];
  if (!table) return;
  if (c.deleted) {
    delete table[c.id];
  } else if (c.entity === "canvas_graph") {
    state.graphs[c.id] = { fileId: c.value.file_id, version: c.value.version };
  } else if (c.entity === "project") {
    state.projects[c.id] = c.value.name;
  } else if (c.entity === "canvas_file") {
    state.files[c.id] = { projectId: c.value.project_id, name: c.value.name };
  } else {
    const n = c.value.node;
    state.nodes[c.id] = { fileId: c.value.file_id, x: n.position.x, y: n.position.y };
  }
}

/**
 * What the harness asked for and what it was told. A write is `acked` when its promise
 * resolved; one that never settled (its page closed under it) may or may not land.
 * @typedef {{ value: any, acked: boolean }} Write
 * A scratch project only its owner uses, and may delete; a shared one anyone renames.
 * @typedef {{ owner: string, scratch: boolean, shared: boolean, writes: Write[], deleted: "no" | "attempted" | "acked" }} ProjectModel
 * @typedef {{ owner: string, projectId: string, name: string, acked: boolean }} FileModel
 * @typedef {{ owner: string, fileId: string, writes: Write[] }} NodeModel
 */
function newModel() {
  return {
    projects: /** @type {Map<string, ProjectModel>} */ (new Map()),
    files: /** @type {Map<string, FileModel>} */ (new Map()),
    nodes: /** @type {Map<string, NodeModel>} */ (new Map()),
    /** applyOps calls made on each file, by any client: the most versions it may have. */
    graphCalls: /** @type {Map<string, number>} */ (new Map()),
    made: 0,
    acked: 0,
    /** Edits made and acknowledged by kind (each move of a drag counted). */
    byKind: /** @type {Record<string, { made: number, acked: number }>} */ ({}),
    /** Edits that failed for another reason than their page closing. */
    errors: /** @type {string[]} */ ([]),
  };
}

/**
 * A tab: one page of a device's browser context with the store open.
 * @typedef {{ device: Device, label: string, page: import("playwright-core").Page | null }} Tab
 * @typedef {{ name: string, context: import("playwright-core").BrowserContext, tabs: Tab[] }} Device
 */

/**
 * Where the tabs load from and sync with (the proxy), and what they report.
 * @typedef {{ proxyOrigin: string, token: string, pageErrors: string[] }} Where
 */

/**
 * A browser context per device, each with its store's tabs open, reporting rejected
 * mutations into `rejected`.
 * @param {import("playwright-core").Browser} browser @param {Where} where @param {any[]} rejected
 */
async function openDevices(browser, where, rejected) {
  /** @type {Device[]} */
  const devices = [];
  for (const spec of DEVICES) {
    const context = await browser.newContext();
    await context.exposeBinding("reportRejected", (_source, e) => void rejected.push({ device: spec.name, ...e }));
    /** @type {Device} */
    const device = { name: spec.name, context, tabs: [] };
    for (let i = 1; i <= spec.tabs; i++) device.tabs.push({ device, label: `${spec.name}${i}`, page: null });
    devices.push(device);
    for (const tab of device.tabs) await openTab(tab, where);
  }
  return devices;
}

/**
 * Opens (or reopens) a tab's page and its store; a page that does not load (the server
 * down) is tried again.
 * @param {Tab} tab @param {Where} where
 */
async function openTab(tab, where) {
  for (let attempt = 1; ; attempt++) {
    const page = await tab.device.context.newPage();
    try {
      await page.goto(`${where.proxyOrigin}/`);
      await page.waitForFunction(() => /** @type {any} */ (window).ready === true, null, { timeout: 10_000 });
      await page.evaluate(
        (opts) => /** @type {any} */ (window).agent.open(opts),
        { name: STORE_NAME, serverUrl: where.proxyOrigin, token: where.token },
      );
      page.on("pageerror", (e) => where.pageErrors.push(`${tab.label}: ${firstLine(e)}`));
      tab.page = page;
      return;
    } catch (e) {
      await page.close().catch(() => {});
      if (attempt >= 20) throw new Error(`${tab.label} did not open: ${e}`);
      await sleep(300);
    }
  }
}

/**
 * One seeded run: a fresh server and proxy, the devices, the edits and the faults, then
 * the settle and the checks.
 * @param {import("playwright-core").Browser} browser @param {string} bin
 * @param {number} seed @param {number} edits
 */
async function runOnce(browser, bin, seed, edits) {
  const started = Date.now();
  const server = await startServer(bin);
  const proxy = await startProxy({ target: server.origin, seed });
  const random = mulberry32(seed ^ 0x5bd1e995);
  const pick = (/** @type {any[]} */ list) => list[Math.floor(random() * list.length)];
  const model = newModel();
  const rejected = /** @type {any[]} */ ([]);
  /** @type {Where} */
  const where = { proxyOrigin: proxy.origin, token: server.token, pageErrors: [] };
  /** @type {Device[]} */
  let devices = [];
  const chaos = {
    kills: 0,
    closes: 0,
    closesMidRound: 0,
    restarts: Promise.resolve(),
    closing: /** @type {Promise<void>[]} */ ([]),
  };
  try {
    devices = await openDevices(browser, where, rejected);
    const tabs = devices.flatMap((d) => d.tabs);

    // When the server is killed and a page closed: seeded points among the edits.
    const events = Math.max(1, Math.floor(edits / 60));
    const at = () => Math.floor(edits * (0.15 + 0.7 * random()));
    const killsAt = new Set(Array.from({ length: events }, at));
    const closesAt = new Set(Array.from({ length: events }, at));
    let next = 0;

    const restartServer = async () => {
      chaos.kills++;
      await server.kill();
      await sleep(200 + random() * 1200);
      await server.start();
    };
    /**
     * Closes a tab while a round is on its way (and, half the time, an edit too), and
     * reopens it on the same store.
     */
    const closeAndReopen = async (/** @type {Tab} */ tab) => {
      chaos.closes++;
      const page = tab.page;
      if (!page) return;
      tab.page = null;
      await page.evaluate(() => /** @type {any} */ (window).agent.startSync()).catch(() => {});
      const syncing = await page.evaluate(() => /** @type {any} */ (window).agent.syncing(1000)).catch(() => false);
      if (syncing) chaos.closesMidRound++;
      if (random() < 0.5) {
        // A new project only: the device's own edits of existing ones stay in order.
        void makeEdit({ ...tab, page }, tab.device.name, random, pick, model, "createProject");
        await sleep(random() * 20);
      } else {
        await sleep(random() * 200);
      }
      await page.close();
      await sleep(300 + random() * 1200);
      await openTab(tab, where);
    };

    /** The edits one device makes, one at a time, each through one of its open tabs. */
    const work = async (/** @type {Device} */ device) => {
      while (next < edits) {
        const index = next++;
        // One restart at a time: a second kill waits for the server to be back.
        if (killsAt.has(index)) chaos.restarts = awaitedLater(chaos.restarts.then(restartServer));
        const closable = tabs.filter((t) => t.page);
        if (closesAt.has(index) && closable.length > 0) chaos.closing.push(awaitedLater(closeAndReopen(pick(closable))));
        let open = device.tabs.filter((t) => t.page);
        while (open.length === 0) {
          await sleep(50);
          open = device.tabs.filter((t) => t.page);
        }
        const tab = pick(open);
        await makeEdit(tab, device.name, random, pick, model);
        if (random() < 0.1) await tab.page?.evaluate(() => /** @type {any} */ (window).agent.startSync()).catch(() => {});
        await sleep(random() * 120);
      }
    };
    await Promise.all(devices.map(work));
    await Promise.all([chaos.restarts, ...chaos.closing]);

    proxy.setFaults(false);
    const settle = await settleAll(tabs);
    const verdict = check(model, await serverState(server), await snapshots(tabs), rejected);
    return {
      seed,
      ok:
        settle.quiet &&
        Object.values(verdict).every((findings) => findings.length === 0) &&
        model.errors.length + where.pageErrors.length === 0,
      ms: Date.now() - started,
      faults: { ...proxy.counts },
      upstreamErrors: proxy.state.upstreamErrors,
      streamCuts: proxy.state.streamCuts,
      made: model.made,
      acked: model.acked,
      kills: chaos.kills,
      closes: chaos.closes,
      closesMidRound: chaos.closesMidRound,
      byKind: model.byKind,
      settle,
      ...verdict,
      errors: [...model.errors, ...where.pageErrors],
    };
  } finally {
    for (const d of devices) await d.context.close().catch(() => {});
    await proxy.close();
    await server.stop();
  }
}

/**
 * One random edit through `tab`, recorded in the model: what it asked for, and whether
 * its promise resolved. Owners alone rename their projects (but shared ones, which any
 * device renames) and move their nodes, so "the last write" of each is well defined;
 * anyone adds files and nodes to any project it has but another's scratch ones.
 * @param {Tab} tab @param {string} owner @param {() => number} random
 * @param {(list: any[]) => any} pick @param {ReturnType<typeof newModel>} model
 * @param {string} [only] this kind of edit, not one at random
 */
async function makeEdit(tab, owner, random, pick, model, only) {
  const page = /** @type {import("playwright-core").Page} */ (tab.page);
  const mine = [...model.projects].filter(([, p]) => p.owner === owner && p.writes[0].acked && p.deleted === "no");
  const local = await page.evaluate(() => /** @type {any} */ (window).agent.ids()).catch(() => null);
  if (!local) return;
  // Anyone's projects, and the device's own scratch ones (which it alone may delete).
  const usable = (/** @type {string | undefined} */ projectId) => {
    const p = projectId === undefined ? undefined : model.projects.get(projectId);
    return p !== undefined && p.deleted === "no" && (!p.scratch || (p.owner === owner && p.writes[0].acked));
  };
  const filable = local.projects.filter(usable);
  const shared = local.projects.filter((/** @type {string} */ id) => model.projects.get(id)?.shared);
  const files = local.files.filter((/** @type {string} */ id) => usable(model.files.get(id)?.projectId));
  const myNodes = [...model.nodes].filter(
    ([, n]) => n.owner === owner && n.writes[0].acked && usable(model.files.get(n.fileId)?.projectId),
  );
  const n = model.made;
  /** How often each kind is chosen, among those possible now. */
  const weights = /** @type {[string, number, boolean][]} */ ([
    ["createProject", 8, true],
    ["createScratch", 4, true],
    ["createShared", 3, true],
    ["renameProject", 10, mine.some(([, p]) => !p.shared)],
    ["renameShared", 6, shared.length > 0],
    ["deleteScratch", 4, mine.some(([, p]) => p.scratch)],
    ["createFile", 12, filable.length > 0],
    ["addNode", 32, files.length > 0],
    ["moveNode", 22, myNodes.length > 0],
    ["dragNode", 8, myNodes.length > 0],
  ]).filter(([, , possible]) => possible);
  const kind = only ?? weighted(weights, random());
  const xy = () => [Math.floor(random() * 2000), Math.floor(random() * 2000)];

  /** Runs the edit in the page and records whether its promise resolved. */
  const attempt = async (
    /** @type {string} */ fn,
    /** @type {any[]} */ args,
    /** @type {{ acked: boolean }} */ write,
    through = page,
  ) => {
    model.made++;
    const counts = (model.byKind[kind] ??= { made: 0, acked: 0 });
    counts.made++;
    try {
      await through.evaluate(({ fn, args }) => /** @type {any} */ (window).agent[fn](...args), { fn, args });
      write.acked = true;
      model.acked++;
      counts.acked++;
    } catch (e) {
      if (!through.isClosed()) model.errors.push(`${tab.label} ${fn}(${JSON.stringify(args)}): ${firstLine(e)}`);
    }
  };

  switch (kind) {
    case "createProject":
    case "createScratch":
    case "createShared": {
      const id = crypto.randomUUID();
      const scratch = kind === "createScratch";
      const sharedOne = kind === "createShared";
      const name = `${scratch ? "X" : sharedOne ? "S" : "P"} ${owner} ${n}`;
      const write = { value: name, acked: false };
      model.projects.set(id, { owner, scratch, shared: sharedOne, writes: [write], deleted: "no" });
      return attempt("createProject", [id, name], write);
    }
    case "renameProject":
    case "renameShared": {
      const id = kind === "renameShared" ? pick(shared) : pick(mine.filter(([, p]) => !p.shared))[0];
      const p = /** @type {ProjectModel} */ (model.projects.get(id));
      const prefix = p.scratch ? "X" : p.shared ? "S" : "P";
      const write = { value: `${prefix} ${owner} ${n} renamed`, acked: false };
      p.writes.push(write);
      return attempt("renameProject", [id, write.value], write);
    }
    case "deleteScratch": {
      const [id, p] = pick(mine.filter(([, p]) => p.scratch));
      p.deleted = "attempted";
      const write = { value: null, acked: false };
      await attempt("deleteProject", [id], write);
      if (write.acked) p.deleted = "acked";
      return;
    }
    case "createFile": {
      const id = crypto.randomUUID();
      const projectId = pick(filable);
      const f = { owner, projectId, name: `F ${owner} ${n}`, acked: false };
      model.files.set(id, f);
      return attempt("createFile", [id, projectId, f.name], f);
    }
    case "addNode": {
      const id = crypto.randomUUID();
      const fileId = pick(files);
      const [x, y] = xy();
      const write = { value: { x, y }, acked: false };
      model.nodes.set(id, { owner, fileId, writes: [write] });
      model.graphCalls.set(fileId, (model.graphCalls.get(fileId) ?? 0) + 1);
      return attempt("addNode", [fileId, id, x, y], write);
    }
    case "moveNode":
    case "dragNode": {
      // A drag: moves of one node in a row, no pause, through any of the device's tabs
      // (they coalesce in the outbox while a push may be on its way).
      const [id, node] = pick(myNodes);
      const moves = kind === "dragNode" ? 3 + Math.floor(random() * 6) : 1;
      for (let i = 0; i < moves; i++) {
        const through = pick(tab.device.tabs.filter((t) => t.page))?.page;
        if (!through) return;
        const [x, y] = xy();
        const write = { value: { x, y }, acked: false };
        node.writes.push(write);
        model.graphCalls.set(node.fileId, (model.graphCalls.get(node.fileId) ?? 0) + 1);
        await attempt("moveNode", [node.fileId, id, x, y], write, through);
      }
      return;
    }
  }
}

/**
 * The kind that `r` in [0, 1) falls on, by weight.
 * @param {[string, number, boolean][]} weights @param {number} r
 */
function weighted(weights, r) {
  let left = r * weights.reduce((sum, [, w]) => sum + w, 0);
  for (const [kind, w] of weights) {
    left -= w;
    if (left < 0) return kind;
  }
  return weights[weights.length - 1][0];
}

/**
 * Faults off: every tab syncs until two passes in a row find nothing pending anywhere
 * (after the first, every outbox is empty; in the second, every store pulls the rest).
 * @param {Tab[]} tabs
 */
async function settleAll(tabs) {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let quietPasses = 0;
  let passes = 0;
  /** @type {any[]} */
  let last = [];
  while (quietPasses < 2 && Date.now() < deadline) {
    passes++;
    last = [];
    for (const tab of tabs) {
      const page = /** @type {import("playwright-core").Page} */ (tab.page);
      const r = await page.evaluate((ms) => /** @type {any} */ (window).agent.syncRound(ms), 20_000);
      last.push({ tab: tab.label, error: r.error, pending: r.pending, state: r.status.state });
    }
    const quiet = last.every((r) => r.pending === 0 && r.error === null && r.state === "synced");
    quietPasses = quiet ? quietPasses + 1 : 0;
  }
  return { quiet: quietPasses >= 2, passes, last: quietPasses >= 2 ? undefined : last };
}

/** What each tab's store shows. @param {Tab[]} tabs */
async function snapshots(tabs) {
  const out = [];
  for (const tab of tabs) {
    const page = /** @type {import("playwright-core").Page} */ (tab.page);
    out.push({ label: tab.label, state: await page.evaluate(() => /** @type {any} */ (window).agent.snapshot()) });
  }
  return out;
}

/**
 * The values a written entity may end with: its last acknowledged write, or one after
 * it that never settled (it may have committed before its page closed).
 * @param {Write[]} writes
 */
function allowedFinal(writes) {
  const lastAcked = writes.map((w) => w.acked).lastIndexOf(true);
  return writes.slice(Math.max(lastAcked, 0)).map((w) => JSON.stringify(w.value));
}

/**
 * The names a shared project may end with: devices rename it concurrently, so the last
 * to reach the server wins; any rename, once one was acknowledged (the create always
 * reaches the server first).
 * @param {Write[]} writes
 */
function allowedShared(writes) {
  const renames = writes.slice(1);
  return (renames.some((w) => w.acked) ? renames : writes).map((w) => JSON.stringify(w.value));
}

/**
 * Loss, duplication and divergence, from the model, the server's state and each tab's.
 * @param {ReturnType<typeof newModel>} model @param {Awaited<ReturnType<typeof serverState>>} server
 * @param {{ label: string, state: any }[]} snapshots @param {any[]} rejected
 */
function check(model, server, snapshots, rejected) {
  const lost = /** @type {string[]} */ ([]);
  const duplicated = /** @type {string[]} */ ([]);
  const unexpected = /** @type {string[]} */ ([]);
  for (const [id, p] of model.projects) {
    const name = server.projects[id];
    if (p.deleted === "acked") {
      if (name !== undefined) lost.push(`project ${id}: its acknowledged delete did not happen`);
    } else if (name === undefined) {
      if (p.writes[0].acked && p.deleted === "no") lost.push(`project ${id} (${p.writes[0].value}) is not on the server`);
    } else {
      const allowed = (p.shared ? allowedShared : allowedFinal)(p.writes);
      if (!allowed.includes(JSON.stringify(name))) lost.push(`project ${id} is named ${JSON.stringify(name)}, not ${allowed.join(" or ")}`);
    }
  }
  /** How the project of a file went: "no", "attempted" or "acked" (deleted). */
  const fileGone = (/** @type {string} */ fileId) => {
    const f = model.files.get(fileId);
    return (f && model.projects.get(f.projectId)?.deleted) ?? "no";
  };
  for (const [id, f] of model.files) {
    const s = server.files[id];
    const gone = fileGone(id);
    if (gone !== "no") {
      if (gone === "acked" && s) lost.push(`file ${id} outlived its project's acknowledged delete`);
    } else if (!s) {
      if (f.acked) lost.push(`file ${id} (${f.name}) is not on the server`);
    } else if (s.projectId !== f.projectId || s.name !== f.name) {
      lost.push(`file ${id} is ${JSON.stringify(s)}, not in ${f.projectId} as ${f.name}`);
    }
  }
  for (const [id, n] of model.nodes) {
    const s = server.nodes[id];
    const gone = fileGone(n.fileId);
    if (gone !== "no") {
      if (gone === "acked" && s) lost.push(`node ${id} outlived its project's acknowledged delete`);
    } else if (!s) {
      if (n.writes[0].acked) lost.push(`node ${id} is not on the server`);
    } else if (s.fileId !== n.fileId) {
      lost.push(`node ${id} is in file ${s.fileId}, not ${n.fileId}`);
    } else if (!allowedFinal(n.writes).includes(JSON.stringify({ x: s.x, y: s.y }))) {
      lost.push(`node ${id} is at ${s.x},${s.y}, not ${allowedFinal(n.writes).join(" or ")}`);
    }
  }
  for (const { fileId, version } of Object.values(server.graphs)) {
    // A new graph is at version 1; each applyOps adds at most one (merged ones less).
    const calls = model.graphCalls.get(fileId) ?? 0;
    if (version > 1 + calls) duplicated.push(`graph of file ${fileId} is at version ${version} after ${calls} applyOps`);
  }
  // This workload makes no edit the server may refuse: a create refused as already
  // there was applied twice; any other refusal is reported on its own (what it lost
  // shows above, entity by entity).
  const refused = /** @type {string[]} */ ([]);
  for (const e of rejected) {
    const line = `rejected on ${e.device}: seq ${e.seq} ${e.name}: ${e.code}: ${e.message}`;
    (e.code === "conflict" || /already/.test(e.message) ? duplicated : refused).push(line);
  }
  for (const id of Object.keys(server.projects)) if (!model.projects.has(id)) unexpected.push(`project ${id}`);
  for (const id of Object.keys(server.files)) if (!model.files.has(id)) unexpected.push(`file ${id}`);
  for (const id of Object.keys(server.nodes)) if (!model.nodes.has(id)) unexpected.push(`node ${id}`);
  const want = JSON.stringify(sortedState(server));
  const diverged = snapshots
    .filter((s) => JSON.stringify(sortedState(s.state)) !== want)
    .map((s) => `${s.label}: ${describeDifference(sortedState(s.state), sortedState(server))}`);
  return { lost, duplicated, diverged, unexpected, rejected: refused };
}

/** Projects, files and nodes with their keys in order, for comparing. */
function sortedState(/** @type {any} */ s) {
  const sorted = (/** @type {Record<string, any>} */ o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
  return { projects: sorted(s.projects), files: sorted(s.files), nodes: sorted(s.nodes) };
}

/** The first few ids a client has differently from the server. */
function describeDifference(/** @type {any} */ mine, /** @type {any} */ theirs) {
  const out = [];
  for (const table of ["projects", "files", "nodes"]) {
    const ids = new Set([...Object.keys(mine[table]), ...Object.keys(theirs[table])]);
    for (const id of ids) {
      const [a, b] = [JSON.stringify(mine[table][id]), JSON.stringify(theirs[table][id])];
      if (a !== b) out.push(`${table} ${id}: client ${a ?? "none"}, server ${b ?? "none"}`);
    }
  }
  return `${out.length} differences: ${out.slice(0, 3).join("; ")}`;
}

/** An error's message without its stack. */
function firstLine(/** @type {unknown} */ e) {
  return String(e).split("\n")[0];
}

/** Rejects if `promise` takes longer than `ms`. */
function within(/** @type {Promise<any>} */ promise, /** @type {number} */ ms, /** @type {string} */ what) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "3" }, edits: { type: "string", default: "60" }, seed: { type: "string" } },
  });
  const runs = Number(values.runs);
  const edits = Number(values.edits);
  const baseSeed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  const bin = process.env.STUDIO_SERVER_BIN;
  if (!bin) throw new Error("set STUDIO_SERVER_BIN to the studio-server binary");
  await access(path.join(PKG, "studio_store_bg.wasm")).catch(() => {
    throw new Error("no pkg/studio_store_bg.wasm: run scripts/build-pkg.sh first");
  });
  console.log(`faults: ${runs} runs of ${edits} edits from seed ${baseSeed}`);
  const started = Date.now();
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const results = [];
  try {
    for (let i = 0; i < runs; i++) {
      const seed = (baseSeed + i) >>> 0;
      let r;
      try {
        r = await within(runOnce(browser, bin, seed, edits), RUN_TIMEOUT_MS, `run ${seed}`);
      } catch (e) {
        r = { seed, ok: false, errors: [String(e)], lost: [], duplicated: [], diverged: [], unexpected: [], rejected: [] };
      }
      results.push(r);
      report(r, bin, edits);
    }
  } finally {
    await browser.close();
  }
  const summary = summarize(results, Date.now() - started);
  console.log(JSON.stringify(summary));
  // Exit now: a run that timed out may still hold a server and pages.
  process.exit(summary.failed_seeds.length > 0 ? 1 : 0);
}

/** One line per run; a failing run's findings and the command that replays it. */
function report(/** @type {any} */ r, /** @type {string} */ bin, /** @type {number} */ edits) {
  const figures = r.made === undefined ? "" : ` ${r.made} edits, ${r.acked} acknowledged, ${r.kills} server kills, ${r.closes} page closes, ${Math.round(r.ms / 1000)} s`;
  console.log(`seed ${r.seed}: ${r.ok ? "ok" : "FAILED"}${figures}`);
  if (r.ok) return;
  if (r.settle && !r.settle.quiet) console.log(`  never quiet: ${JSON.stringify(r.settle.last)}`);
  for (const what of ["lost", "duplicated", "diverged", "unexpected", "rejected", "errors"]) {
    for (const line of r[what].slice(0, 10)) console.log(`  ${what}: ${line}`);
    if (r[what].length > 10) console.log(`  ${what}: ... ${r[what].length - 10} more`);
  }
  console.log(`  replay: STUDIO_SERVER_BIN=${bin} node run.mjs --runs 1 --edits ${edits} --seed ${r.seed}`);
}

/** Edits made and acknowledged by kind, over every run. */
function byKind(/** @type {any[]} */ results) {
  /** @type {Record<string, { made: number, acked: number }>} */
  const out = {};
  for (const r of results) {
    for (const [kind, c] of Object.entries(r.byKind ?? {})) {
      const t = (out[kind] ??= { made: 0, acked: 0 });
      t.made += c.made;
      t.acked += c.acked;
    }
  }
  return out;
}

/** The JSON summary line over every run. */
function summarize(/** @type {any[]} */ results, /** @type {number} */ ms) {
  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0]));
  for (const r of results) for (const k of FAULT_KINDS) faults[k] += r.faults?.[k] ?? 0;
  const total = (/** @type {string} */ key) => results.reduce((sum, r) => sum + (Array.isArray(r[key]) ? r[key].length : r[key] ?? 0), 0);
  return {
    runs: results.length,
    seeds: results.map((r) => r.seed),
    faults,
    upstream_errors: total("upstreamErrors"),
    poke_streams_cut: total("streamCuts"),
    server_kills: total("kills"),
    page_closes: total("closes"),
    page_closes_mid_round: total("closesMidRound"),
    edits_by_kind: byKind(results),
    edits_made: total("made"),
    edits_acknowledged: total("acked"),
    lost: total("lost"),
    duplicated: total("duplicated"),
    diverged: total("diverged"),
    unexpected: total("unexpected"),
    rejected: total("rejected"),
    errors: total("errors"),
    failed_seeds: results.filter((r) => !r.ok).map((r) => r.seed),
    wall_s: Math.round(ms / 1000),
  };
}

await main();

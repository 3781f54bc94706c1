// studio-store benchmarks, page side. Runs in Chromium; run.mjs calls
// window.storeBench.<name>(config) and gets plain JSON back: raw samples in
// milliseconds (statistics are computed by the runner) plus setup facts and a
// verification of the final state.
//
// Contenders always run in the same page, against the same data, interleaved
// rep by rep (the order rotates each rep), with gc() before every sample and
// outside the timed window.

import init, { StudioStore } from "/pkg/studio_store.js";
import Dexie from "/dexie.mjs";
import { mulberry32, uuid, WORDS, B62, req, done, openDb } from "/lib/page.js";

const ready = init();

// ---------------------------------------------------------------- data ----

// A valid fractional-index key (rocicorp format): head "c" = 3-digit integer
// part, so 238,328 distinct keys, increasing with i.
function zKey(i) {
  let s = "";
  for (let k = 0; k < 3; k++) {
    s = B62[i % 62] + s;
    i = Math.floor(i / 62);
  }
  return "c" + s;
}

// Same shape and sizes as bench/graph-layout (~250 B per node as JSON).
function makeNode(rand, i) {
  const words = 3 + Math.floor(rand() * 4);
  const prompt = Array.from({ length: words }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(" ");
  return {
    id: uuid(rand),
    type: "image",
    position: {
      x: Math.round(rand() * 400000) / 10 - 20000,
      y: Math.round(rand() * 400000) / 10 - 20000,
    },
    data: { label: `Image ${i + 1}`, prompt, seed: Math.floor(rand() * 2 ** 31) },
    z: zKey(i + 1),
  };
}

function makeGraph(seed, nNodes, nEdges) {
  const rand = mulberry32(seed);
  const nodes = Array.from({ length: nNodes }, (_, i) => makeNode(rand, i));
  const edges = [];
  for (let i = 0; i < nEdges; i++) {
    const s = Math.floor(rand() * nNodes);
    let t = Math.floor(rand() * (nNodes - 1));
    if (t >= s) t++;
    edges.push({ id: uuid(rand), source: nodes[s].id, target: nodes[t].id });
  }
  return { nodes, edges, rand };
}

function shuffled(rand, n) {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

// The store's bucket of a node: FNV-1a over the uuid's 16 bytes, mod 256
// (core/src/graph/layout.rs). Used to pick moves that touch a fresh bucket.
function bucketOf(id) {
  const hex = id.replace(/-/g, "");
  let h = 0x811c9dc5;
  for (let i = 0; i < 32; i += 2) {
    h ^= parseInt(hex.slice(i, i + 2), 16);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 256;
}

// ----------------------------------------------------------- IDB glue ----

// One record per node / per edge, key [file_id, id], index file_id: the
// natural hand-written layout (layout B of bench/graph-layout).
async function openRawGraphDb(name, withOutbox = false) {
  return openDb(name, 1, (db) => {
    for (const s of ["nodes", "edges"]) {
      db.createObjectStore(s, { keyPath: ["file_id", "id"] }).createIndex("file_id", "file_id");
    }
    if (withOutbox) db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
  });
}

async function rawPutAll(db, nodes, edges) {
  const tx = db.transaction(["nodes", "edges"], "readwrite");
  const ns = tx.objectStore("nodes");
  const es = tx.objectStore("edges");
  for (const n of nodes) ns.put(n);
  for (const e of edges) es.put(e);
  await done(tx);
}

// --------------------------------------------------------------- timing ----

const gc = () => (typeof window.gc === "function" ? window.gc() : undefined);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function timed(fn) {
  gc();
  const t = performance.now();
  const result = await fn();
  return [performance.now() - t, result];
}

const rotate = (arr, k) => arr.map((_, i) => arr[(i + k) % arr.length]);

function log(...a) {
  console.log("[page]", ...a);
}

// Inserts a graph into a store through applyOps, `batch` ops per call.
async function storeInsertGraph(store, fileId, g, batch) {
  const t = performance.now();
  for (let i = 0; i < g.nodes.length; i += batch) {
    await store.canvas.applyOps(
      fileId,
      g.nodes.slice(i, i + batch).map((node) => ({ op: "node.add", node })),
    );
  }
  for (let i = 0; i < g.edges.length; i += batch) {
    await store.canvas.applyOps(
      fileId,
      g.edges.slice(i, i + batch).map((edge) => ({ op: "edge.add", edge })),
    );
  }
  return performance.now() - t;
}

async function syncUntilEmpty(store, maxRounds = 50) {
  let rounds = 0;
  do {
    await store.sync.now();
    rounds++;
    if (rounds > maxRounds) throw new Error(`still ${await store.sync.pending()} pending after ${maxRounds} rounds`);
  } while ((await store.sync.pending()) > 0);
  return rounds;
}

// ------------------------------------------------------- server helpers ----

const api = (token) => ({
  async get(path) {
    const r = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
    if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
    return r.json();
  },
  async post(path, body) {
    const r = await fetch(path, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
    return r.json();
  },
});

// Requests that went through the runner's proxy so far, by kind.
async function counters() {
  return (await fetch("/__bench/counters")).json();
}
function countersDiff(a, b) {
  const out = {};
  for (const k of Object.keys(b)) {
    out[k] = {};
    for (const f of Object.keys(b[k])) out[k][f] = b[k][f] - (a[k]?.[f] ?? 0);
  }
  return out;
}

// Client time between requests, from the proxy's request log: for each push,
// the gap since the previous request ended (the client preparing that batch).
async function logLength() {
  return (await (await fetch("/__bench/log?from=0")).json()).length;
}
async function gapsSince(from) {
  const { entries } = await (await fetch(`/__bench/log?from=${from}`)).json();
  entries.sort((a, b) => a.t0 - b.t0);
  const pushGaps = [];
  let pullPhase = null;
  for (let i = 1; i < entries.length; i++) {
    const gap = entries[i].t0 - entries[i - 1].t1;
    if (entries[i].kind === "push") pushGaps.push(gap);
    else if (entries[i].kind === "pull" && pullPhase === null) pullPhase = { firstPullGap: gap, start: entries[i - 1].t1 };
  }
  const med = (a) => {
    const b = [...a].sort((x, y) => x - y);
    return b.length ? b[b.length >> 1] : null;
  };
  const pulls = entries.filter((e) => e.kind === "pull");
  const pullClientMs = pullPhase ? entries[entries.length - 1].t1 - pullPhase.start - pulls.reduce((a, e) => a + (e.t1 - e.t0), 0) : null;
  return {
    pushes: pushGaps.length + (entries[0]?.kind === "push" ? 1 : 0),
    gapFirst10Median: med(pushGaps.slice(0, 10)),
    gapLast10Median: med(pushGaps.slice(-10)),
    gapSum: pushGaps.reduce((a, b) => a + b, 0),
    firstPullGap: pullPhase?.firstPullGap ?? null,
    pullClientMs,
  };
}

// The number of mutations the server has processed for a client (seqs are
// consecutive per client, so last_seq counts them).
async function serverLastSeq(token, clientId) {
  const body = await api(token).get(`/api/canvas/pull?client_id=${clientId}&cursor=0&limit=1`);
  return body.last_seq;
}

// The head of a platform's change log for this user (pages to the end).
async function headCursor(token, clientId, platform = "canvas") {
  let cursor = 0;
  for (;;) {
    const b = await api(token).get(`/api/${platform}/pull?client_id=${clientId}&cursor=${cursor}&limit=1000`);
    cursor = b.cursor;
    if (!b.has_more) return cursor;
  }
}

async function changesSince(token, clientId, cursor, platform = "canvas") {
  const out = [];
  for (;;) {
    const b = await api(token).get(`/api/${platform}/pull?client_id=${clientId}&cursor=${cursor}&limit=1000`);
    out.push(...b.changes);
    cursor = b.cursor;
    if (!b.has_more) return out;
  }
}

// Puts a graph on the server as another device of its owner would have:
// project, file, then graph.apply mutations of 500 ops, one mutation per push
// (each well under the server's 1 MiB body limit). A store then gets it by
// pull. (Pushing it from a store is not possible: the store sends up to 100
// mutations per push whatever their size, so an outbox of 500-op batches
// makes a ~5 MB body that the server refuses with 413, on every retry.)
async function seedServerGraph(token, g, slug) {
  const a = api(token);
  const client = crypto.randomUUID();
  const pid = crypto.randomUUID();
  const fid = crypto.randomUUID();
  let seq = 0;
  const push = async (platform, name, args) => {
    const r = await a.post(`/api/${platform}/push`, { client_id: client, mutations: [{ seq: ++seq, name, args }] });
    if (r.results.some((x) => x.status !== "applied")) throw new Error(`seed ${name}: ${JSON.stringify(r.results).slice(0, 300)}`);
  };
  await push("projects", "project.create", { id: pid, name: "Bench", slug });
  await push("canvas", "file.create", { id: fid, project_id: pid, name: "Graph", slug: "graph" });
  for (let i = 0; i < g.nodes.length; i += 500) {
    await push("canvas", "graph.apply", { file_id: fid, ops: g.nodes.slice(i, i + 500).map((node) => ({ op: "node.add", node })) });
  }
  for (let i = 0; i < g.edges.length; i += 500) {
    await push("canvas", "graph.apply", { file_id: fid, ops: g.edges.slice(i, i + 500).map((edge) => ({ op: "edge.add", edge })) });
  }
  return { pid, fid };
}

// The reference server takes ~0.2 s per graph.apply on a 10k-node file
// (benchmark "server"), so a push of 100 of them outlasts the store's default
// 20 s request timeout; the syncing stores here wait up to 120 s instead.
const REQUEST_TIMEOUT_MS = 120000;

// Opens a syncing store and pulls the seeded graph into it.
async function openSynced(name, token, fid, n, extra = {}) {
  const store = await StudioStore.open({ name, serverUrl: location.origin, token, requestTimeoutMs: REQUEST_TIMEOUT_MS, ...extra });
  const t = performance.now();
  const rounds = await syncUntilEmpty(store);
  const pullMs = performance.now() - t;
  const got = await store.canvas.getGraph(fid);
  if (!got || got.nodes.length !== n) throw new Error(`store pulled ${got?.nodes.length} nodes, expected ${n}`);
  return { store, pullMs, rounds };
}

// ======================================================= 1. graph ====

// Load a 10k/10k graph and move one node: our store (local only) vs Dexie vs
// raw IndexedDB, one record per node.
async function graph(cfg) {
  await ready;
  const g = makeGraph(cfg.seed, cfg.nodes, cfg.edges);
  const setup = {};

  const store = await StudioStore.open({ name: `graph-store-${cfg.runId}` });
  const p = await store.projects.create({ name: "Graph bench", slug: `graph-${cfg.runId}` });
  const f = await store.canvas.createFile({ projectId: p.id, name: "Graph" });
  const fid = f.id;
  setup.storeInsertMs = await storeInsertGraph(store, fid, g, cfg.batch);
  log("store insert", setup.storeInsertMs.toFixed(0), "ms");

  const pnodes = g.nodes.map((n) => ({ ...n, file_id: fid }));
  const pedges = g.edges.map((e) => ({ ...e, file_id: fid }));

  const dx = new Dexie(`graph-dexie-${cfg.runId}`);
  dx.version(1).stores({ nodes: "[file_id+id], file_id", edges: "[file_id+id], file_id" });
  await dx.open();
  let t = performance.now();
  await dx.transaction("rw", dx.nodes, dx.edges, async () => {
    await dx.nodes.bulkPut(pnodes);
    await dx.edges.bulkPut(pedges);
  });
  setup.dexieInsertMs = performance.now() - t;

  const raw = await openRawGraphDb(`graph-raw-${cfg.runId}`);
  t = performance.now();
  await rawPutAll(raw, pnodes, pedges);
  setup.rawInsertMs = performance.now() - t;

  const N = g.nodes.length;
  const E = g.edges.length;
  // The store's own database, read directly: the floor of its layout.
  const own = await openDb(`graph-store-${cfg.runId}`);
  const load = {
    store: async () => {
      const gr = await store.canvas.getGraph(fid);
      return [gr.nodes.length, gr.connections.length];
    },
    dexie: async () => {
      const [n, e] = await dx.transaction("r", dx.nodes, dx.edges, () =>
        Promise.all([
          dx.nodes.where("file_id").equals(fid).toArray(),
          dx.edges.where("file_id").equals(fid).toArray(),
        ]),
      );
      return [n.length, e.length];
    },
    raw: async () => {
      const tx = raw.transaction(["nodes", "edges"], "readonly");
      const [n, e] = await Promise.all([
        req(tx.objectStore("nodes").index("file_id").getAll(fid)),
        req(tx.objectStore("edges").index("file_id").getAll(fid)),
      ]);
      return [n.length, e.length];
    },
    // One getAll over [fid]..[fid, []] of the store's graph_buckets, flattened
    // (no sort): what getGraph reads, without the wasm/JSON layer.
    buckets: async () => {
      const tx = own.transaction(["canvas_graphs", "graph_buckets"], "readonly");
      const [, rows] = await Promise.all([
        req(tx.objectStore("canvas_graphs").get(fid)),
        req(tx.objectStore("graph_buckets").getAll(IDBKeyRange.bound([fid], [fid, []]))),
      ]);
      const nodes = [];
      const edges = [];
      for (const r of rows) (r.kind === "n" ? nodes : edges).push(...r.items);
      return [nodes.length, edges.length];
    },
  };

  // Dexie and raw put the node object the app already holds (a blind write);
  // the store gets only {id, props} and reads-modifies-writes its bucket.
  // The *-rmw rows do the same read-modify-write in the peers.
  const move = {
    store: (i, pos) =>
      store.canvas.applyOps(fid, [{ op: "node.set", id: g.nodes[i].id, props: { position: pos } }]),
    dexie: (i, pos) => {
      pnodes[i].position = pos;
      return dx.nodes.put(pnodes[i]);
    },
    raw: (i, pos) => {
      pnodes[i].position = pos;
      const tx = raw.transaction("nodes", "readwrite");
      tx.objectStore("nodes").put(pnodes[i]);
      return done(tx);
    },
    "dexie-rmw": (i, pos) => dx.nodes.update([fid, g.nodes[i].id], { position: pos }),
    "raw-rmw": (i, pos) => {
      const tx = raw.transaction("nodes", "readwrite");
      const st = tx.objectStore("nodes");
      const r = st.get([fid, g.nodes[i].id]);
      r.onsuccess = () => {
        const n = r.result;
        n.position = pos;
        st.put(n);
      };
      return done(tx);
    },
  };

  const samples = { load: {}, move: {} };
  for (const k of Object.keys(load)) samples.load[k] = [];
  for (const k of Object.keys(move)) samples.move[k] = [];

  const loadNames = Object.keys(load);
  for (let r = -cfg.warmup; r < cfg.loadReps; r++) {
    for (const name of rotate(loadNames, ((r % loadNames.length) + loadNames.length) % loadNames.length)) {
      const [ms, [n, e]] = await timed(load[name]);
      if (n !== N || e !== E) throw new Error(`${name} loaded ${n}/${e}, expected ${N}/${E}`);
      if (r >= 0) samples.load[name].push(ms);
    }
  }
  log("load done");

  // Each rep moves a different node; every contender moves that node to the
  // same place. Nodes moved in the warm-up are not reused.
  const order = shuffled(mulberry32(cfg.seed + 1), N);
  const expected = new Map();
  const moveNames = Object.keys(move);
  for (let r = -cfg.warmup; r < cfg.moveReps; r++) {
    const i = order[r + cfg.warmup];
    const pos = { x: 100000 + r, y: -100000 - r / 2 };
    for (const name of rotate(moveNames, ((r % moveNames.length) + moveNames.length) % moveNames.length)) {
      const [ms] = await timed(() => move[name](i, pos));
      if (r >= 0) samples.move[name].push(ms);
    }
    expected.set(g.nodes[i].id, pos);
  }
  log("move done");

  // Every contender holds exactly the expected positions.
  const problems = [];
  const gr = await store.canvas.getGraph(fid);
  const check = (who, nodes) => {
    let wrong = 0;
    for (const n of nodes) {
      const want = expected.get(n.id);
      if (want && (n.position.x !== want.x || n.position.y !== want.y)) wrong++;
    }
    if (nodes.length !== N) problems.push(`${who}: ${nodes.length} nodes`);
    if (wrong) problems.push(`${who}: ${wrong} moved nodes at the wrong place`);
  };
  check("store", gr.nodes);
  check("dexie", await dx.nodes.where("file_id").equals(fid).toArray());
  check("raw", await req(raw.transaction("nodes").objectStore("nodes").index("file_id").getAll(fid)));
  const sizes = {
    nodeJsonBytes: Math.round(JSON.stringify(g.nodes).length / N),
    edgeJsonBytes: Math.round(JSON.stringify(g.edges).length / E),
  };
  own.close();
  await store.close();
  dx.close();
  raw.close();
  return { setup: { ...setup, ...sizes }, samples, verification: { ok: problems.length === 0, problems } };
}

// ================================================== 2. move + outbox ====

// One node move in a syncing store (the edit and its outbox entry in one
// transaction) vs a raw IndexedDB put, in the same page.
async function move(cfg) {
  await ready;
  const token = cfg.tokens[0];
  const g = makeGraph(cfg.seed, cfg.nodes, cfg.edges);
  const setup = {};

  let t = performance.now();
  const { fid } = await seedServerGraph(token, g, `move-${cfg.runId}`);
  setup.seedMs = performance.now() - t;
  const opened = await openSynced(`move-sync-${cfg.runId}`, token, fid, g.nodes.length, { autoSync: false });
  const S = opened.store;
  setup.initialPullMs = opened.pullMs;
  setup.initialSyncRounds = opened.rounds;
  setup.serverLastSeqAfterInsert = await serverLastSeq(token, S.sync.clientId);
  log("sync store ready; initial pull", setup.initialPullMs.toFixed(0), "ms");

  const L = await StudioStore.open({ name: `move-local-${cfg.runId}` });
  const lp = await L.projects.create({ name: "Move bench", slug: `move-${cfg.runId}` });
  const lf = await L.canvas.createFile({ projectId: lp.id, name: "Graph" });
  setup.localStoreInsertMs = await storeInsertGraph(L, lf.id, g, cfg.batch);

  const pnodes = g.nodes.map((n) => ({ ...n, file_id: fid }));
  const raw = await openRawGraphDb(`move-raw-${cfg.runId}`, true);
  await rawPutAll(raw, pnodes, []);

  // Per rep: a bucket nobody has touched since the sync, and two of its nodes.
  const byBucket = new Map();
  for (let i = 0; i < g.nodes.length; i++) {
    const b = bucketOf(g.nodes[i].id);
    if (!byBucket.has(b)) byBucket.set(b, []);
    byBucket.get(b).push(i);
  }
  const buckets = [...byBucket.entries()].filter(([, v]) => v.length >= 2).map(([b]) => b);
  const reps = Math.min(cfg.moveReps, buckets.length - cfg.warmup);
  const set = (store, fileId, i, pos) =>
    store.canvas.applyOps(fileId, [{ op: "node.set", id: g.nodes[i].id, props: { position: pos } }]);

  const names = [
    "store-sync: 1st edit of a bucket since sync",
    "store-sync: another node, same bucket",
    "store-sync: same node again (coalesced)",
    "store-local",
    "raw put",
    "raw put + outbox add",
  ];
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const groups = [
    async (a, b, pos, rec) => {
      rec(names[0], await timed(() => set(S, fid, a, pos)));
      rec(names[1], await timed(() => set(S, fid, b, pos)));
      rec(names[2], await timed(() => set(S, fid, b, { x: pos.x + 1, y: pos.y })));
    },
    async (a, b, pos, rec) => rec(names[3], await timed(() => set(L, lf.id, a, pos))),
    async (a, b, pos, rec) =>
      rec(
        names[4],
        await timed(() => {
          pnodes[a].position = pos;
          const tx = raw.transaction("nodes", "readwrite");
          tx.objectStore("nodes").put(pnodes[a]);
          return done(tx);
        }),
      ),
    async (a, b, pos, rec) =>
      rec(
        names[5],
        await timed(() => {
          pnodes[a].position = pos;
          const tx = raw.transaction(["nodes", "outbox"], "readwrite");
          tx.objectStore("nodes").put(pnodes[a]);
          tx.objectStore("outbox").add({
            name: "graph.apply",
            args: { file_id: fid, ops: [{ op: "node.set", id: pnodes[a].id, props: { position: pos } }] },
            at: Date.now(),
          });
          return done(tx);
        }),
      ),
  ];
  const expected = new Map();
  for (let r = -cfg.warmup; r < reps; r++) {
    const [a, b] = byBucket.get(buckets[r + cfg.warmup]);
    const pos = { x: 200000 + r, y: -200000 - r };
    const rec = (name, [ms]) => {
      if (r >= 0) samples[name].push(ms);
    };
    for (const grp of rotate(groups, ((r % 4) + 4) % 4)) await grp(a, b, pos, rec);
    expected.set(g.nodes[a].id, pos);
    expected.set(g.nodes[b].id, { x: pos.x + 1, y: pos.y });
  }
  log("moves done");

  // The outbox holds one entry per moved node (the coalesced set merged),
  // and after a sync the server has every final position.
  const problems = [];
  // bucketOf() agrees with the store: node a of the first bucket is in that bucket record.
  {
    const db = await openDb(`move-sync-${cfg.runId}`);
    const [a] = byBucket.get(buckets[0]);
    const rec = await req(db.transaction("graph_buckets").objectStore("graph_buckets").get([fid, "n", buckets[0]]));
    if (!rec || !JSON.stringify(rec.items).includes(g.nodes[a].id)) problems.push("bucketOf() does not match the store's buckets");
    db.close();
  }
  const pending = await S.sync.pending();
  if (pending !== 2 * (reps + cfg.warmup)) problems.push(`outbox holds ${pending}, expected ${2 * (reps + cfg.warmup)}`);
  // (Not pushed here: ~400 graph.apply on a 10k-node file take the reference
  // server ~90 s; the drag benchmark checks the server side.)
  const local = new Map((await S.canvas.getGraph(fid)).nodes.map((n) => [n.id, n.position]));
  let wrong = 0;
  for (const [id, pos] of expected) {
    const s = local.get(id);
    if (!s || s.x !== pos.x || s.y !== pos.y) wrong++;
  }
  if (wrong) problems.push(`${wrong} of ${expected.size} moved nodes are not at their last position in the store`);
  await S.close();
  await L.close();
  raw.close();
  return { setup: { ...setup, reps }, samples, verification: { ok: problems.length === 0, problems } };
}

// ====================================================== 3. 60 Hz drag ====

// A 10 s drag at 60 Hz in a syncing store (autoSync on, default interval):
// how many mutations reach the server.
async function dragOnce(cfg, variant, token, tag) {
  const g = makeGraph(cfg.seed, cfg.nodes, cfg.edges);
  const { fid } = await seedServerGraph(token, g, `drag-${tag}`);
  const opened = await openSynced(`drag-${tag}`, token, fid, g.nodes.length);
  const store = opened.store;
  const insertMs = opened.pullMs;
  const clientId = store.sync.clientId;
  const before = await serverLastSeq(token, clientId);
  const head = await headCursor(token, clientId);
  await sleep(500); // let the post-setup round settle

  const idx = shuffled(g.rand, g.nodes.length).slice(0, cfg.dragEdits);
  const targets = variant === "one node" ? idx.map(() => idx[0]) : idx;
  const lat = [];
  const round0 = store.sync.status().round;
  let syncing = 0;
  let prev = store.sync.status().state;
  const unsub = store.onSyncStatus((s) => {
    if (s.state === "syncing" && prev !== "syncing") syncing++;
    prev = s.state;
  });
  const last = new Map();
  const c0 = await counters();
  const t0 = performance.now();
  for (let i = 0; i < cfg.dragEdits; i++) {
    const wait = t0 + (i * 1000) / cfg.hz - performance.now();
    if (wait > 1) await sleep(wait);
    const id = g.nodes[targets[i]].id;
    const pos = { x: 300000 + i, y: -300000 - i / 2 };
    const s = performance.now();
    await store.canvas.applyOps(fid, [{ op: "node.set", id, props: { position: pos } }]);
    lat.push(performance.now() - s);
    last.set(id, pos);
  }
  const dragMs = performance.now() - t0;
  const roundsDuring = store.sync.status().round - round0;
  const duringDrag = countersDiff(c0, await counters());
  const pendingAtEnd = await store.sync.pending();
  const c1 = await counters();
  const t1 = performance.now();
  const finalRounds = await syncUntilEmpty(store);
  const finalSyncMs = performance.now() - t1;
  const finalSync = countersDiff(c1, await counters());
  unsub();
  const after = await serverLastSeq(token, clientId);

  // Every dragged node is at its last position on the server.
  const changes = await changesSince(token, clientId, head);
  const onServer = new Map(changes.filter((c) => c.entity === "canvas_node").map((c) => [c.id, c.value.node.position]));
  let wrong = 0;
  for (const [id, pos] of last) {
    const s = onServer.get(id);
    if (!s || s.x !== pos.x || s.y !== pos.y) wrong++;
  }
  await store.close();
  return {
    variant,
    edits: cfg.dragEdits,
    pushed: after - before,
    dragMs,
    lat,
    roundsDuring,
    syncingTransitions: syncing,
    duringDrag,
    finalSync,
    pendingAtEnd,
    finalSyncMs,
    finalRounds,
    initialPullMs: insertMs,
    nodesChangedOnServer: onServer.size,
    wrong,
  };
}

async function drag(cfg) {
  await ready;
  const runs = [];
  const variants = ["one node", "distinct nodes"];
  let k = 0;
  for (let r = 0; r < cfg.dragReps; r++) {
    for (const v of r % 2 ? [...variants].reverse() : variants) {
      const res = await dragOnce(cfg, v, cfg.tokens[k], `${cfg.runId}-${k}`);
      k++;
      log(`drag ${v}: ${res.edits} edits → ${res.pushed} pushed, ${res.dragMs.toFixed(0)} ms`);
      runs.push(res);
    }
  }
  const problems = runs.filter((x) => x.wrong).map((x) => `${x.variant}: ${x.wrong} nodes not at their last position on the server`);
  return { runs, verification: { ok: problems.length === 0, problems } };
}

// ================================================= 4. 10k pending push ====

function pushNodes(seed, n) {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => makeNode(rand, i));
}

// The edits: cfg.pending node.add mutations, round-robin over cfg.pushFiles
// files (the reference server rewrites a file's whole graph per graph.apply,
// so one 10,000-node file would measure that instead of the sync path).
async function pushStore(cfg, token, tag) {
  const nodes = pushNodes(cfg.seed + 7, cfg.pending);
  const store = await StudioStore.open({
    name: `push-${tag}`,
    serverUrl: location.origin,
    token,
    autoSync: false,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  });
  const p = await store.projects.create({ name: "Push bench", slug: `push-${tag}` });
  const files = [];
  for (let k = 0; k < cfg.pushFiles; k++) {
    files.push(await store.canvas.createFile({ projectId: p.id, name: `Graph ${k}`, slug: `graph-${k}` }));
  }
  const t0 = performance.now();
  for (let i = 0; i < nodes.length; i++) {
    await store.canvas.applyOps(files[i % files.length].id, [{ op: "node.add", node: nodes[i] }]);
  }
  const editMs = performance.now() - t0;
  const pendingBefore = await store.sync.pending();
  gc();
  const c0 = await counters();
  const l0 = await logLength();
  const t1 = performance.now();
  let rounds = 0;
  while ((await store.sync.pending()) > 0) {
    await store.sync.now();
    rounds++;
    if (rounds > 20) throw new Error("store push did not finish in 20 rounds");
  }
  const syncMs = performance.now() - t1;
  const traffic = countersDiff(c0, await counters());
  const gaps = await gapsSince(l0);
  const status = store.sync.status();
  const lastSeq = await serverLastSeq(token, store.sync.clientId);
  let local = 0;
  for (const f of files) local += (await store.canvas.getGraph(f.id)).nodes.length;
  await store.close();
  return {
    contender: "store",
    ms: syncMs,
    editMs,
    pendingBefore,
    rounds,
    requests: (traffic.push?.requests ?? 0) + (traffic.pull?.requests ?? 0),
    traffic,
    gaps,
    pulled: status.pulled,
    lastSeq,
    ok: lastSeq === pendingBefore && local === nodes.length,
  };
}

// The same mutations, pushed by a bare fetch loop (no IndexedDB), batched
// like the store batches them (a leading run of one platform, at most 100),
// then a pull of every platform from cursor 0, pages of 500, like the store.
async function pushFetch(cfg, token, tag) {
  const nodes = pushNodes(cfg.seed + 7, cfg.pending);
  const clientId = crypto.randomUUID();
  const pid = crypto.randomUUID();
  const fids = Array.from({ length: cfg.pushFiles }, () => crypto.randomUUID());
  const muts = [
    { platform: "projects", name: "project.create", args: { id: pid, name: "Push bench", slug: `push-${tag}`, is_public: false, tags: [], metadata: {} } },
    ...fids.map((id, k) => ({ platform: "canvas", name: "file.create", args: { id, project_id: pid, name: `Graph ${k}`, slug: `graph-${k}`, metadata: {} } })),
    ...nodes.map((node, i) => ({ platform: "canvas", name: "graph.apply", args: { file_id: fids[i % fids.length], ops: [{ op: "node.add", node }] } })),
  ].map((m, i) => ({ ...m, seq: i + 1 }));
  const a = api(token);
  gc();
  const c0 = await counters();
  const l0 = await logLength();
  const t1 = performance.now();
  let i = 0;
  let requests = 0;
  let rejected = 0;
  let lastSeq = 0;
  while (i < muts.length) {
    const platform = muts[i].platform;
    const batch = [];
    while (i < muts.length && batch.length < 100 && muts[i].platform === platform) {
      const { seq, name, args } = muts[i++];
      batch.push({ seq, name, args });
    }
    const resp = await a.post(`/api/${platform}/push`, { client_id: clientId, mutations: batch });
    requests++;
    rejected += resp.results.filter((x) => x.status !== "applied").length;
    lastSeq = resp.last_seq;
  }
  let pulled = 0;
  for (const platform of ["projects", "canvas", "apps", "render"]) {
    let cursor = 0;
    for (;;) {
      const b = await a.get(`/api/${platform}/pull?client_id=${clientId}&cursor=${cursor}&limit=500`);
      requests++;
      pulled += b.changes.length;
      cursor = b.cursor;
      if (!b.has_more) break;
    }
  }
  const ms = performance.now() - t1;
  const traffic = countersDiff(c0, await counters());
  const gaps = await gapsSince(l0);
  return { contender: "fetch", ms, requests, traffic, gaps, rejected, pulled, lastSeq, ok: rejected === 0 && lastSeq === muts.length };
}

async function push(cfg) {
  await ready;
  const runs = [];
  let k = 0;
  for (let r = 0; r < cfg.pushReps; r++) {
    // ABBA: store first on even reps, fetch first on odd ones.
    const order = r % 2 ? ["fetch", "store"] : ["store", "fetch"];
    for (const c of order) {
      const tag = `${cfg.runId}-${k}`;
      const res = c === "store" ? await pushStore(cfg, cfg.tokens[k], tag) : await pushFetch(cfg, cfg.tokens[k], tag);
      k++;
      log(`push ${c}: ${res.ms.toFixed(0)} ms ok=${res.ok}`);
      runs.push({ rep: r, ...res });
    }
  }
  const problems = runs.filter((x) => !x.ok).map((x) => `${x.contender} rep ${x.rep}: ${JSON.stringify(x)}`);
  return { runs, verification: { ok: problems.length === 0, problems } };
}

// ===================================================== 5. index query ====

const DB_EXECUTIONS = "tool_executions";
const DB_FILES = "canvas_files";
const DB_PROJECTS = "projects";

async function query(cfg) {
  await ready;
  const rand = mulberry32(cfg.seed + 11);
  const name = `query-store-${cfg.runId}`;
  const store = await StudioStore.open({ name });
  const tools = await store.apps.tools();
  const setup = { tools: tools.length };

  // Executions: one project, tools picked at random, valid inputs per tool.
  const p = await store.projects.create({ name: "Query bench", slug: `query-${cfg.runId}` });
  let t = performance.now();
  for (let i = 0; i < cfg.executions; i++) {
    const tool = tools[Math.floor(rand() * tools.length)];
    const images = tool.input_type === "multiple" ? [`img-${i}-a`, `img-${i}-b`] : [`img-${i}`];
    await store.apps.createExecution({
      toolSlug: tool.slug,
      projectId: p.id,
      inputImages: images,
      inputText: tool.input_type === "image+text" ? `variation ${i}` : undefined,
      inputSettings: tool.default_settings,
    });
  }
  setup.executionsInsertMs = performance.now() - t;

  // Files: spread over projects of 100 files each.
  const perProject = 100;
  const projects = [];
  t = performance.now();
  for (let i = 0; i < cfg.files; i++) {
    if (i % perProject === 0) {
      projects.push(await store.projects.create({ name: `Files ${projects.length}`, slug: `files-${cfg.runId}-${projects.length}` }));
    }
    await store.canvas.createFile({ projectId: projects[projects.length - 1].id, name: `Sheet ${i}` });
  }
  setup.filesInsertMs = performance.now() - t;
  const files = [];
  for (const pr of projects) for (const fl of await store.canvas.filesByProject(pr.id)) files.push([pr.slug, fl.slug, fl.id]);
  if (files.length !== cfg.files) throw new Error(`${files.length} files, expected ${cfg.files}`);

  // The same database, read directly.
  const raw = await openDb(name);
  setup.objectStores = [...raw.objectStoreNames];
  const rawAll = async (storeName) => req(raw.transaction(storeName).objectStore(storeName).getAll());

  const perTool = {};
  for (const tl of tools) perTool[tl.slug] = (await store.apps.executionsByTool(tl.slug)).length;
  setup.executionsPerTool = perTool;

  const byTool = {
    "store executionsByTool": async (tool) => (await store.apps.executionsByTool(tool.slug)).map((e) => e.id),
    "raw getAll + filter": async (tool) => {
      const all = await rawAll(DB_EXECUTIONS);
      return all
        .filter((e) => e.tool_id === tool.id)
        .sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1))
        .map((e) => e.id);
    },
    "raw index getAll": async (tool) => {
      const ix = raw.transaction(DB_EXECUTIONS).objectStore(DB_EXECUTIONS).index("tool_created");
      const rows = await req(ix.getAll(IDBKeyRange.bound([tool.id, -Infinity], [tool.id, Infinity])));
      return rows.reverse().map((e) => e.id);
    },
  };
  const bySlug = {
    "store fileBySlug": async ([ps, fs]) => (await store.canvas.fileBySlug(ps, fs))?.id,
    "raw getAll + find": async ([ps, fs]) => {
      const pr = (await rawAll(DB_PROJECTS)).find((x) => x.slug === ps);
      return (await rawAll(DB_FILES)).find((x) => x.project_id === pr.id && x.slug === fs)?.id;
    },
    "raw index get": async ([ps, fs]) => {
      const pr = await req(raw.transaction(DB_PROJECTS).objectStore(DB_PROJECTS).index("slug").get(ps));
      const fl = await req(raw.transaction(DB_FILES).objectStore(DB_FILES).index("project_slug").get([pr.id, fs]));
      return fl?.id;
    },
  };

  const samples = { byTool: {}, bySlug: {} };
  for (const k of Object.keys(byTool)) samples.byTool[k] = [];
  for (const k of Object.keys(bySlug)) samples.bySlug[k] = [];
  const problems = [];
  for (let r = -cfg.warmup; r < cfg.queryReps; r++) {
    const tool = tools[((r % tools.length) + tools.length) % tools.length];
    const names = Object.keys(byTool);
    const answers = {};
    for (const n of rotate(names, ((r % 3) + 3) % 3)) {
      const [ms, ids] = await timed(() => byTool[n](tool));
      answers[n] = ids;
      if (r >= 0) samples.byTool[n].push(ms);
    }
    const a0 = answers[names[0]];
    // Executions created in the same millisecond have no defined order: compare as sets.
    for (const n of names.slice(1)) {
      const s = new Set(answers[n]);
      if (s.size !== a0.length || !a0.every((id) => s.has(id))) problems.push(`byTool ${tool.slug}: ${n} differs from the store`);
    }
    const file = files[Math.floor(rand() * files.length)];
    const sn = Object.keys(bySlug);
    for (const n of rotate(sn, ((r % 3) + 3) % 3)) {
      const [ms, id] = await timed(() => bySlug[n](file));
      if (id !== file[2]) problems.push(`bySlug ${file[0]}/${file[1]}: ${n} answered ${id}`);
      if (r >= 0) samples.bySlug[n].push(ms);
    }
  }
  raw.close();
  await store.close();
  return { setup, samples, verification: { ok: problems.length === 0, problems: problems.slice(0, 10) } };
}

// ================================================ 8. live updates ====

// One contender: a writer device (manual sync) creates projects one by one and pushes
// each; a reader device of the same user (automatic sync, default 2 s interval) with
// the poke channel on or off. Latency: from the writer's push call to the project
// being readable in the reader's store (polled every 2 ms).
async function liveOnce(variant, token, tag, edits) {
  const base = { serverUrl: location.origin, token, requestTimeoutMs: REQUEST_TIMEOUT_MS };
  const writer = await StudioStore.open({ ...base, name: `live-w-${tag}`, autoSync: false });
  const poked = variant !== "polling only";
  // The runner serves a second instance of the same database under /second.
  const readerUrl = variant === "poke channel, other instance" ? `${location.origin}/second` : location.origin;
  const reader = await StudioStore.open({ ...base, serverUrl: readerUrl, name: `live-r-${tag}`, liveUpdates: poked });
  const problems = [];
  if (poked) {
    const t = performance.now();
    while (!reader.sync.status().live && performance.now() - t < 10000) await sleep(20);
    if (!reader.sync.status().live) problems.push("the poke channel did not open");
  }
  await sleep(1500);
  const rand = mulberry32(7);
  const latencies = [];
  for (let i = 0; i < edits; i++) {
    const p = await writer.projects.create({ name: `Live ${i}` });
    const t0 = performance.now();
    await writer.sync.now();
    while (!(await reader.projects.get(p.id)) && performance.now() - t0 < 15000) await sleep(2);
    const ms = performance.now() - t0;
    if (ms >= 15000) problems.push(`${variant}: edit ${i} not seen in 15 s`);
    latencies.push(ms);
    // Edits at random moments relative to the reader's polling.
    await sleep(200 + rand() * 800);
  }
  await writer.close();
  await reader.close();
  return { variant, latencies, problems };
}

async function live(cfg) {
  await ready;
  const runs = [];
  const variants = ["poke channel", "polling only", ...(cfg.secondInstance ? ["poke channel, other instance"] : [])];
  for (let r = 0; r < variants.length; r++) {
    const v = variants[r];
    const res = await liveOnce(v, cfg.tokens[r], `${cfg.runId}-${r}`, cfg.liveEdits);
    const sorted = [...res.latencies].sort((a, b) => a - b);
    log(`live ${v}: p50 ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms`);
    runs.push(res);
  }
  const problems = runs.flatMap((x) => x.problems);
  return { runs, verification: { ok: problems.length === 0, problems } };
}

window.storeBench = { graph, move, drag, push, query, live };
window.storeBenchReady = true;

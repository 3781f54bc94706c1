// Graph-layout benchmark, page side. Runs in Chromium against raw IndexedDB.
// The runner (run.mjs) calls window.runGraphLayoutBench(config) and gets plain
// JSON back: per phase, per variant, the raw samples in milliseconds.

import { mulberry32, uuid, WORDS, B62, req, done, openDb } from "/lib/page.js";

// ---------------------------------------------------------------- data ----

// Fractional-index style z key ("a0V3"), as a canvas would store for ordering.
function zKey(i) {
  let s = "";
  for (let k = 0; k < 3; k++) {
    s = B62[i % 62] + s;
    i = Math.floor(i / 62);
  }
  return "a" + s;
}

function makeNode(rand, fileId, i) {
  const words = 3 + Math.floor(rand() * 4);
  const prompt = Array.from({ length: words }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(" ");
  return {
    id: uuid(rand),
    file_id: fileId,
    type: "image",
    position: {
      x: Math.round(rand() * 400000) / 10 - 20000,
      y: Math.round(rand() * 400000) / 10 - 20000,
    },
    data: { label: `Image ${i + 1}`, prompt, seed: Math.floor(rand() * 2 ** 31) },
    z: zKey(i),
  };
}

function makeGraph(seed, nNodes, nEdges) {
  const rand = mulberry32(seed);
  const fileId = uuid(rand);
  const nodes = Array.from({ length: nNodes }, (_, i) => makeNode(rand, fileId, i));
  const edges = [];
  for (let i = 0; i < nEdges; i++) {
    const s = Math.floor(rand() * nNodes);
    let t = Math.floor(rand() * (nNodes - 1));
    if (t >= s) t++; // no self loops
    edges.push({ id: uuid(rand), source: nodes[s].id, target: nodes[t].id });
  }
  return { fileId, nodes, edges };
}

// FNV-1a over the uuid string: cheap, stable across JS and Rust.
function fnv1a(str) {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// ----------------------------------------------------------- IDB glue ----

function deleteDb(name) {
  return new Promise((resolve, reject) => {
    const r = indexedDB.deleteDatabase(name);
    r.onsuccess = () => resolve();
    r.onerror = () => reject(r.error);
  });
}

// Everything below sits inside one transaction per call; the caller times
// from before transaction() to after oncomplete.
let TX_OPTS = undefined; // set from config.durability

function rw(db, stores) {
  return db.transaction(stores, "readwrite", TX_OPTS);
}

const fileRange = (f) => IDBKeyRange.bound([f], [f, []]); // [f] < [f, x] < [f, []] for any string/number x

// ------------------------------------------------------------ layouts ----

// A: one record per file holding the whole graph.
function layoutA() {
  const S = "graphs";
  return {
    name: "A",
    dbName: "bench-graph-A",
    stores: [S],
    upgrade: (db) => db.createObjectStore(S, { keyPath: "file_id" }),
    recordBytes: (g) => JSON.stringify({ file_id: g.fileId, nodes: g.nodes, edges: g.edges }).length,
    async bulkWrite(db, g) {
      const tx = rw(db, [S]);
      tx.objectStore(S).put({ file_id: g.fileId, nodes: g.nodes, edges: g.edges });
      await done(tx);
    },
    async load(db, f) {
      const tx = db.transaction([S], "readonly");
      const rec = await req(tx.objectStore(S).get(f));
      await done(tx);
      return { nodes: rec.nodes, edges: rec.edges };
    },
    async move(db, f, id, pos) {
      const tx = rw(db, [S]);
      const st = tx.objectStore(S);
      const rec = await req(st.get(f));
      rec.nodes.find((n) => n.id === id).position = pos;
      st.put(rec);
      await done(tx);
    },
    // The canvas already holds the graph in memory, so A can skip the read.
    async moveBlind(db, mem, id, pos) {
      mem.nodes.find((n) => n.id === id).position = pos;
      const tx = rw(db, [S]);
      tx.objectStore(S).put(mem);
      await done(tx);
    },
    async add(db, f, node) {
      const tx = rw(db, [S]);
      const st = tx.objectStore(S);
      const rec = await req(st.get(f));
      rec.nodes.push(node);
      st.put(rec);
      await done(tx);
    },
    async remove(db, f, id) {
      const tx = rw(db, [S]);
      const st = tx.objectStore(S);
      const rec = await req(st.get(f));
      rec.nodes = rec.nodes.filter((n) => n.id !== id);
      rec.edges = rec.edges.filter((e) => e.source !== id && e.target !== id);
      st.put(rec);
      await done(tx);
    },
  };
}

// B: one record per node and per edge. Edges carry file_id (needed by the
// key path and index) and get [file_id, source] / [file_id, target] indexes
// so remove can find a node's edges without scanning the file.
function layoutB() {
  const N = "nodes";
  const E = "edges";
  return {
    name: "B",
    dbName: "bench-graph-B",
    stores: [N, E],
    upgrade(db) {
      const n = db.createObjectStore(N, { keyPath: ["file_id", "id"] });
      n.createIndex("file_id", "file_id");
      const e = db.createObjectStore(E, { keyPath: ["file_id", "id"] });
      e.createIndex("file_id", "file_id");
      e.createIndex("source", ["file_id", "source"]);
      e.createIndex("target", ["file_id", "target"]);
    },
    recordBytes: (g) => JSON.stringify(g.nodes[0]).length,
    async bulkWrite(db, g) {
      const tx = rw(db, [N, E]);
      const n = tx.objectStore(N);
      const e = tx.objectStore(E);
      for (const node of g.nodes) n.put(node);
      for (const edge of g.edges) e.put({ file_id: g.fileId, ...edge });
      await done(tx);
    },
    async load(db, f) {
      const tx = db.transaction([N, E], "readonly");
      const [nodes, edges] = await Promise.all([
        req(tx.objectStore(N).index("file_id").getAll(f)),
        req(tx.objectStore(E).index("file_id").getAll(f)),
      ]);
      await done(tx);
      return { nodes, edges };
    },
    // Same data, but via the primary key prefix: the file_id index is then unused.
    async loadPk(db, f) {
      const tx = db.transaction([N, E], "readonly");
      const [nodes, edges] = await Promise.all([
        req(tx.objectStore(N).getAll(fileRange(f))),
        req(tx.objectStore(E).getAll(fileRange(f))),
      ]);
      await done(tx);
      return { nodes, edges };
    },
    async move(db, f, id, pos) {
      const tx = rw(db, [N]);
      const st = tx.objectStore(N);
      const node = await req(st.get([f, id]));
      node.position = pos;
      st.put(node);
      await done(tx);
    },
    async add(db, f, node) {
      const tx = rw(db, [N]);
      tx.objectStore(N).put(node);
      await done(tx);
    },
    async remove(db, f, id) {
      const tx = rw(db, [N, E]);
      const e = tx.objectStore(E);
      tx.objectStore(N).delete([f, id]);
      const [out, inc] = await Promise.all([
        req(e.index("source").getAllKeys([f, id])),
        req(e.index("target").getAllKeys([f, id])),
      ]);
      for (const k of out) e.delete(k);
      for (const k of inc) e.delete(k);
      await done(tx);
    },
    // Canvas state already knows the node's edge ids: no index lookup.
    async removeKnown(db, f, id, edgeIds) {
      const tx = rw(db, [N, E]);
      const e = tx.objectStore(E);
      tx.objectStore(N).delete([f, id]);
      for (const eid of edgeIds) e.delete([f, eid]);
      await done(tx);
    },
  };
}

// How a bucket holds its items: the id -> value object from the design
// sketch ("map"), or a plain array. Uuid-keyed objects go dictionary-mode in
// V8 and clone noticeably slower, so both are measured.
const SHAPES = {
  map: {
    suffix: "",
    empty: () => ({}),
    each(items, fn) {
      for (const k in items) fn(items[k]);
    },
    get: (items, id) => items[id],
    add(items, x) {
      items[x.id] = x;
    },
    // Returns the items without the matching ones, or null if none matched.
    drop(items, pred) {
      let hit = false;
      for (const k in items) {
        if (pred(items[k])) {
          delete items[k];
          hit = true;
        }
      }
      return hit ? items : null;
    },
  },
  array: {
    suffix: "[]",
    empty: () => [],
    each(items, fn) {
      for (const x of items) fn(x);
    },
    get: (items, id) => items.find((x) => x.id === id),
    add(items, x) {
      items.push(x);
    },
    drop(items, pred) {
      const kept = items.filter((x) => !pred(x));
      return kept.length === items.length ? null : kept;
    },
  },
};

// C: nodes and edges hashed by id into `buckets` records per kind per file.
function layoutC(buckets, shape = "map") {
  const S = "buckets";
  const I = SHAPES[shape];
  const bucketOf = (id) => fnv1a(id) % buckets;
  const toRecords = (g) => {
    const recs = [];
    for (const kind of ["n", "e"]) {
      for (let b = 0; b < buckets; b++) recs.push({ file_id: g.fileId, kind, bucket: b, items: I.empty() });
    }
    for (const n of g.nodes) I.add(recs[bucketOf(n.id)].items, n);
    for (const e of g.edges) I.add(recs[buckets + bucketOf(e.id)].items, e);
    return recs;
  };
  const name = `C${buckets}${I.suffix}`;
  return {
    name,
    dbName: `bench-graph-${shape}-C${buckets}`,
    stores: [S],
    upgrade: (db) => db.createObjectStore(S, { keyPath: ["file_id", "kind", "bucket"] }),
    recordBytes: (g) => {
      const recs = toRecords(g).slice(0, buckets);
      return Math.round(recs.reduce((s, r) => s + JSON.stringify(r).length, 0) / recs.length);
    },
    async bulkWrite(db, g) {
      const tx = rw(db, [S]);
      const st = tx.objectStore(S);
      for (const r of toRecords(g)) st.put(r);
      await done(tx);
    },
    async load(db, f) {
      const tx = db.transaction([S], "readonly");
      const recs = await req(tx.objectStore(S).getAll(fileRange(f)));
      await done(tx);
      const nodes = [];
      const edges = [];
      for (const r of recs) {
        const out = r.kind === "n" ? nodes : edges;
        I.each(r.items, (x) => out.push(x));
      }
      return { nodes, edges };
    },
    async move(db, f, id, pos) {
      const tx = rw(db, [S]);
      const st = tx.objectStore(S);
      const rec = await req(st.get([f, "n", bucketOf(id)]));
      I.get(rec.items, id).position = pos;
      st.put(rec);
      await done(tx);
    },
    async add(db, f, node) {
      const tx = rw(db, [S]);
      const st = tx.objectStore(S);
      const b = bucketOf(node.id);
      const rec = (await req(st.get([f, "n", b]))) || { file_id: f, kind: "n", bucket: b, items: I.empty() };
      I.add(rec.items, node);
      st.put(rec);
      await done(tx);
    },
    // Edges are bucketed by edge id, so a node's edges can be in any bucket:
    // read every edge bucket of the file, rewrite only those that changed.
    async remove(db, f, id) {
      const tx = rw(db, [S]);
      const st = tx.objectStore(S);
      const [nrec, erecs] = await Promise.all([
        req(st.get([f, "n", bucketOf(id)])),
        req(st.getAll(IDBKeyRange.bound([f, "e"], [f, "e", []]))),
      ]);
      nrec.items = I.drop(nrec.items, (n) => n.id === id) ?? nrec.items;
      st.put(nrec);
      for (const r of erecs) {
        const kept = I.drop(r.items, (e) => e.source === id || e.target === id);
        if (kept) st.put({ ...r, items: kept });
      }
      await done(tx);
    },
    // Canvas state already knows the node's edge ids: touch only their buckets.
    async removeKnown(db, f, id, edgeIds) {
      const tx = rw(db, [S]);
      const st = tx.objectStore(S);
      const gone = new Set(edgeIds);
      const keys = new Map([[`n${bucketOf(id)}`, [f, "n", bucketOf(id)]]]);
      for (const eid of edgeIds) keys.set(`e${bucketOf(eid)}`, [f, "e", bucketOf(eid)]);
      const recs = await Promise.all([...keys.values()].map((k) => req(st.get(k))));
      for (const r of recs) {
        const pred = r.kind === "n" ? (x) => x.id === id : (x) => gone.has(x.id);
        st.put({ ...r, items: I.drop(r.items, pred) ?? r.items });
      }
      await done(tx);
    },
  };
}

// ------------------------------------------------------------ harness ----

const gc = typeof window.gc === "function" ? window.gc : null;

async function timed(fn) {
  // Collect the previous sample's garbage outside the timed window, so a
  // layout is not billed for the one that ran before it.
  if (gc) gc();
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function log(msg) {
  console.log(`[bench] ${msg}`);
}

// Runs `variants` interleaved per rep, rotating the start so no variant is
// always first/last after another's garbage. Each variant gets its own
// `slot` index so ops that consume node ids never collide.
async function runPhase(phase, variants, { warmup, reps }) {
  const samples = variants.map(() => []);
  const total = warmup + reps;
  for (let r = 0; r < total; r++) {
    for (let k = 0; k < variants.length; k++) {
      const vi = (r + k) % variants.length;
      const v = variants[vi];
      const slot = r * variants.length + vi;
      if (v.setup) await v.setup(slot); // untimed
      const ms = await timed(() => v.run(slot));
      if (r >= warmup) samples[vi].push(ms);
    }
  }
  log(`${phase}: done (${variants.length} variants x ${total} reps)`);
  return variants.map((v, i) => ({ variant: v.label, layout: v.layout, ref: !!v.ref, note: v.note || "", samples: samples[i] }));
}

window.runGraphLayoutBench = async function (config) {
  const { nodes: nNodes, edges: nEdges, buckets, arrayBuckets, warmup, reps, seed, durability } = config;
  TX_OPTS = durability && durability !== "default" ? { durability } : undefined;

  const g = makeGraph(seed, nNodes, nEdges);
  const f = g.fileId;
  const rand = mulberry32(seed ^ 0x9e3779b9);
  log(`graph: ${g.nodes.length} nodes, ${g.edges.length} edges, file ${f}, gc ${gc ? "on" : "off"}, isolated ${crossOriginIsolated}`);

  // Node ids in a shuffled order; op slot i uses order[i], so every
  // move/remove across all variants and reps hits a distinct node.
  const order = g.nodes.map((n) => n.id);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const edgesOf = new Map(g.nodes.map((n) => [n.id, []]));
  for (const e of g.edges) {
    edgesOf.get(e.source).push(e.id);
    edgesOf.get(e.target).push(e.id);
  }

  const layouts = [
    layoutA(),
    layoutB(),
    ...buckets.map((b) => layoutC(b, "map")),
    ...arrayBuckets.map((b) => layoutC(b, "array")),
  ];
  const dbs = {};
  // Expected final state per database, checked after all phases.
  const expect = {};
  for (const L of layouts) {
    await deleteDb(L.dbName);
    dbs[L.name] = await openDb(L.dbName, 1, L.upgrade);
    expect[L.name] = { added: new Set(), removed: new Set(), moved: new Map() };
  }

  // Node ids must be unique even across different phases on the same DB.
  const addRand = mulberry32(seed ^ 0x85ebca6b);
  const newNode = (slot) => makeNode(addRand, f, nNodes + slot);
  const posFor = (slot) => ({ x: slot * 1.5, y: -slot * 2.5 });
  const opts = { warmup, reps };
  const phases = {};

  // --- initial bulk write into an emptied store (the clear is untimed).
  phases.bulkWrite = await runPhase(
    "bulkWrite",
    layouts.map((L) => ({
      label: L.name,
      layout: L.name,
      ref: true,
      setup: async () => {
        const tx = rw(dbs[L.name], L.stores);
        for (const s of L.stores) tx.objectStore(s).clear();
        await done(tx);
      },
      run: () => L.bulkWrite(dbs[L.name], g),
    })),
    opts,
  );

  // --- load the whole graph into plain arrays.
  const loadVariants = layouts.map((L) => ({
    label: L.name === "B" ? "B (index getAll)" : L.name,
    layout: L.name,
    ref: true,
    run: async () => {
      const out = await L.load(dbs[L.name], f);
      if (out.nodes.length !== nNodes || out.edges.length !== nEdges) {
        throw new Error(`${L.name} load: ${out.nodes.length}/${out.edges.length}`);
      }
    },
  }));
  const B = layouts[1];
  loadVariants.splice(2, 0, {
    label: "B (pk range getAll)",
    layout: "B",
    note: "extra",
    run: async () => {
      const out = await B.loadPk(dbs.B, f);
      if (out.nodes.length !== nNodes || out.edges.length !== nEdges) throw new Error("B pk load count");
    },
  });
  phases.load = await runPhase("load", loadVariants, opts);

  // --- move one node (read record holding it, change position, write back).
  const A = layouts[0];
  const memA = await A.load(dbs.A, f); // canvas-side copy for the blind-put variant
  memA.file_id = f;
  const moveVariants = layouts.map((L) => ({
    label: L.name === "A" ? "A (get+put)" : L.name,
    layout: L.name,
    ref: true,
    // Keeps the blind-put variant's in-memory copy in step with A's record.
    setup: L.name === "A" ? (slot) => (memA.nodes.find((n) => n.id === order[slot]).position = posFor(slot)) : null,
    run: async (slot) => {
      const id = order[slot];
      const pos = posFor(slot);
      await L.move(dbs[L.name], f, id, pos);
      expect[L.name].moved.set(id, pos);
    },
  }));
  moveVariants.splice(1, 0, {
    label: "A (blind put from memory)",
    layout: "A",
    note: "extra",
    run: async (slot) => {
      const id = order[slot];
      const pos = posFor(slot);
      await A.moveBlind(dbs.A, memA, id, pos);
      expect.A.moved.set(id, pos);
    },
  });
  phases.move = await runPhase("move", moveVariants, opts);

  // --- add one node.
  phases.add = await runPhase(
    "add",
    layouts.map((L) => ({
      label: L.name,
      layout: L.name,
      ref: true,
      run: async (slot) => {
        const node = newNode(slot);
        await L.add(dbs[L.name], f, node);
        expect[L.name].added.add(node.id);
      },
    })),
    opts,
  );

  // --- remove one node and its edges. Offset past the move slots so the
  // moved-position check still has nodes to look at.
  const off = (warmup + reps) * moveVariants.length;
  if (off + (warmup + reps) * (2 * layouts.length - 1) > nNodes) throw new Error("too few nodes for this many reps");
  const removeVariants = layouts.map((L) => ({
    label: L.name === "B" ? "B (source/target index)" : L.name === "A" ? "A" : `${L.name} (scan edge buckets)`,
    layout: L.name,
    ref: true,
    run: async (slot) => {
      const id = order[off + slot];
      await L.remove(dbs[L.name], f, id);
      expect[L.name].removed.add(id);
    },
  }));
  for (const L of layouts.slice(1)) {
    removeVariants.push({
      label: `${L.name} (edge ids known)`,
      layout: L.name,
      note: "extra",
      run: async (slot) => {
        const id = order[off + slot];
        await L.removeKnown(dbs[L.name], f, id, edgesOf.get(id));
        expect[L.name].removed.add(id);
      },
    });
  }
  phases.remove = await runPhase("remove", removeVariants, opts);

  // --- verify every database ended in the state its ops imply.
  const verification = {};
  for (const L of layouts) {
    const x = expect[L.name];
    const { nodes, edges } = await L.load(dbs[L.name], f);
    const ids = new Set(nodes.map((n) => n.id));
    const wantNodes = nNodes + x.added.size - x.removed.size;
    const problems = [];
    if (nodes.length !== wantNodes || ids.size !== wantNodes) problems.push(`nodes ${nodes.length}, want ${wantNodes}`);
    for (const id of x.removed) if (ids.has(id)) problems.push(`removed node ${id} present`);
    for (const id of x.added) if (!ids.has(id)) problems.push(`added node ${id} missing`);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    for (const [id, pos] of x.moved) {
      const n = byId.get(id);
      if (n && (n.position.x !== pos.x || n.position.y !== pos.y)) problems.push(`move of ${id} lost`);
    }
    const goneEdges = new Set();
    for (const id of x.removed) for (const eid of edgesOf.get(id)) goneEdges.add(eid);
    if (edges.length !== nEdges - goneEdges.size) problems.push(`edges ${edges.length}, want ${nEdges - goneEdges.size}`);
    for (const e of edges) if (!ids.has(e.source) || !ids.has(e.target)) problems.push(`dangling edge ${e.id}`);
    verification[L.name] = { ok: problems.length === 0, nodes: nodes.length, edges: edges.length, problems: problems.slice(0, 5) };
  }

  const degrees = [...edgesOf.values()].map((v) => v.length);
  const meta = {
    userAgent: navigator.userAgent,
    gc: !!gc,
    crossOriginIsolated,
    durability: durability || "default",
    fileId: f,
    avgNodeJsonBytes: Math.round(g.nodes.reduce((s, n) => s + JSON.stringify(n).length, 0) / g.nodes.length),
    avgEdgeJsonBytes: Math.round(g.edges.reduce((s, e) => s + JSON.stringify(e).length, 0) / g.edges.length),
    graphJsonBytes: JSON.stringify(g).length,
    avgDegree: degrees.reduce((a, b) => a + b, 0) / degrees.length,
    maxDegree: Math.max(...degrees),
    // What one move rewrites: whole graph (A), one node (B), one node bucket (C).
    recordJsonBytes: Object.fromEntries(layouts.map((L) => [L.name, L.recordBytes(g)])),
  };
  for (const db of Object.values(dbs)) db.close();
  return { meta, phases, verification };
};

// studio-store benchmarks runner: starts a fresh studio-server (SQLite in a
// temp dir), serves the page, the package and Dexie on 127.0.0.1 with
// /api/* reverse-proxied to the server (same origin: the server sends no CORS
// headers), drives Debian's Chromium through playwright-core, prints markdown
// and writes JSON + markdown to store/results/.
//
//   cd bench && npm install && node store/run.mjs [--only size,graph,move,drag,push,query,live,server]
//     [--nodes 10000] [--edges 10000] [--batch 500] [--warmup 3]
//     [--load-reps 40] [--move-reps 200] [--drag-reps 3] [--drag-edits 600] [--hz 60]
//     [--push-reps 3] [--pending 10000] [--push-files 100] [--query-reps 60] [--executions 5000] [--files 2000]
//     [--server-reps 3] [--server-sizes 100,1000,10000] [--live-edits 30] [--profile BENCH]
//     [--seed 1] [--server PATH] [--pkg DIR] [--out FILE | --out -]
//     [--postgres ADMIN_URL]   (the server on a fresh PostgreSQL database per start, not SQLite)

import { createServer, request as httpRequest, Agent } from "node:http";
import { spawn, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, mkdir, writeFile, stat } from "node:fs/promises";
import { createWriteStream } from "node:fs";
import { tmpdir, loadavg, cpus } from "node:os";
import { join, dirname, resolve, extname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync, brotliCompressSync, constants as zc } from "node:zlib";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, median, pct } from "../lib/runner.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const BENCH = resolve(HERE, "..");
const REPO = resolve(BENCH, "..");
const ALL = ["size", "graph", "move", "drag", "push", "query", "live", "server"];

function parseArgs(argv) {
  const cfg = {
    only: ALL,
    nodes: 10000,
    edges: 10000,
    batch: 500,
    warmup: 3,
    loadReps: 40,
    moveReps: 200,
    dragReps: 3,
    dragEdits: 600,
    hz: 60,
    pushReps: 3,
    liveEdits: 30,
    pending: 10000,
    pushFiles: 100,
    queryReps: 60,
    serverReps: 3,
    serverSizes: "100,1000,10000",
    executions: 5000,
    files: 2000,
    seed: 1,
    server: process.env.STUDIO_SERVER_BIN || "/work/target-bench/release/studio-server",
    profile: null, // a benchmark name: CPU-profile the page during it (CDP), print the top functions
    pkg: null, // the repo's pkg/ (scripts/build-pkg.sh); --pkg store/.pkg for the wasm-opt variant
    out: null,
    postgres: null, // an admin URL: each server start gets a fresh database on it
  };
  const camel = (s) => s.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  for (let i = 0; i < argv.length; i++) {
    const [k0, inline] = argv[i].replace(/^--/, "").split("=");
    const k = camel(k0);
    const v = inline ?? argv[++i];
    if (k === "only") {
      cfg.only = v.split(",");
      for (const x of cfg.only) if (!ALL.includes(x)) throw new Error(`unknown benchmark ${x}; one of ${ALL}`);
    } else if (k === "server" || k === "pkg" || k === "out" || k === "profile" || k === "serverSizes" || k === "postgres") cfg[k] = v;
    else if (k in cfg) cfg[k] = Number(v);
    else throw new Error(`unknown option --${k0}`);
  }
  return cfg;
}

// Whether wasm-bindgen's `__wbindgen_externrefs` export is an externref table.
// Debian's wasm-opt 108 re-points it at the funcref table; such a module fails
// in init() with "WebAssembly.Table.set(): Argument 1 is invalid for table".
function externrefTableOk(b) {
  let i = 8;
  const leb = () => {
    let r = 0;
    let s = 0;
    for (;;) {
      const x = b[i++];
      r += (x & 0x7f) * 2 ** s;
      s += 7;
      if (x < 0x80) return r;
    }
  };
  let tables = [];
  let exported = null;
  while (i < b.length) {
    const id = b[i++];
    const size = leb();
    const end = i + size;
    if (id === 4) {
      const n = leb();
      for (let t = 0; t < n; t++) {
        tables.push(b[i++]);
        const flags = b[i++];
        leb();
        if (flags & 1) leb();
      }
    } else if (id === 7) {
      const n = leb();
      for (let e = 0; e < n; e++) {
        const len = leb();
        const name = b.subarray(i, i + len).toString();
        i += len;
        const kind = b[i++];
        const idx = leb();
        if (kind === 1 && name === "__wbindgen_externrefs") exported = idx;
      }
    }
    i = end;
  }
  // Imported tables would shift the index; wasm-bindgen modules import none.
  return exported === null || tables[exported] === 0x6f;
}

// ------------------------------------------------------------ server ----

function run(bin, args, env) {
  return execFileSync(bin, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** A fresh PostgreSQL database next to `admin`'s, by psql (Debian's client). */
function freshPostgres(admin) {
  const name = `bench_${process.pid}_${Date.now()}`;
  execFileSync("psql", [admin, "-qAtc", `CREATE DATABASE ${name}`]);
  return admin.replace(/\/[^/]*$/, `/${name}`);
}

async function startServer(bin, nTokens, dir, postgres = null) {
  const env = {
    ...process.env,
    DATABASE_URL: postgres ? freshPostgres(postgres) : `sqlite://${join(dir, "bench.sqlite")}`,
    STUDIO_DATA_DIR: dir,
    RUST_LOG: "warn",
  };
  // One user per contender and rep, so every pull from cursor 0 sees only
  // that contender's own data (plus the shared tool catalog).
  const tokens = [];
  for (let i = 0; i < nTokens; i++) tokens.push(run(bin, ["token", "create", `bench-${i}@example.com`], env).split("\n").pop());
  const { url, child } = await serve(bin, env, join(dir, "server.log"));
  return { url, tokens, child, env };
}

/** `studio-server serve` on a free port with `env`; its URL once it listens. */
async function serve(bin, env, logFile) {
  const log = createWriteStream(logFile);
  const child = spawn(bin, ["serve", "--addr", "127.0.0.1:0"], { env, stdio: ["ignore", "pipe", "pipe"] });
  // An interrupted run must not leave its server behind.
  const stop = () => child.kill("SIGTERM");
  process.once("exit", stop);
  for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => process.exit(130));
  child.stderr.pipe(log);
  const url = await new Promise((ok, fail) => {
    let buf = "";
    const t = setTimeout(() => fail(new Error(`server did not start: ${buf}`)), 30000);
    child.stdout.on("data", (d) => {
      buf += d;
      const m = buf.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(t);
        ok(m[1]);
      }
    });
    child.on("exit", (c) => fail(new Error(`server exited ${c}: ${buf}`)));
  });
  child.stdout.resume();
  return { url, child };
}

// ------------------------------------------------------- page server ----

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
};

// `upstream2`: a second server instance on the same database, reached under the
// path prefix /second (benchmark "live" across instances, PostgreSQL only).
function servePage(pkgDir, upstream, upstream2 = null) {
  const files = {
    "/": join(HERE, "index.html"),
    "/index.html": join(HERE, "index.html"),
    "/page.js": join(HERE, "page.js"),
    "/lib/page.js": join(BENCH, "lib", "page.js"),
    "/pkg/studio_store.js": join(pkgDir, "studio_store.js"),
    "/pkg/studio_store_bg.wasm": join(pkgDir, "studio_store_bg.wasm"),
    "/dexie.mjs": join(BENCH, "node_modules", "dexie", "dist", "dexie.mjs"),
  };
  const upstreamUrl = new URL(upstream);
  // No keep-alive to the server: a reused socket that the server has just
  // closed fails the request (ECONNRESET), and a push cannot be replayed here.
  const agent = new Agent({ keepAlive: false });
  const isolation = {
    // Cross-origin isolation lifts performance.now() from 100 µs to 5 µs steps.
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-embedder-policy": "require-corp",
  };
  // What went through the proxy, by endpoint kind (push / pull / other), so the
  // page can count the requests the store made in a window.
  const counters = {};
  // Every proxied request: kind, arrival and end of the answer (proxy clock, ms).
  const reqlog = [];
  const count = (kind, field, n) => {
    const c = (counters[kind] ??= { requests: 0, requestBytes: 0, responseBytes: 0, ms: 0 });
    c[field] += n;
  };
  const server = createServer(async (rq, rs) => {
    const path = new URL(rq.url, "http://x").pathname;
    if (path === "/__bench/log") {
      const from = Number(new URL(rq.url, "http://x").searchParams.get("from") || 0);
      return rs.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify({ length: reqlog.length, entries: reqlog.slice(from) }));
    }
    if (path === "/__bench/counters") {
      return rs.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(counters));
    }
    let up = upstreamUrl;
    if (upstream2 && path.startsWith("/second/api/")) {
      rq.url = rq.url.slice("/second".length);
      up = new URL(upstream2);
    }
    if (new URL(rq.url, "http://x").pathname.startsWith("/api/")) {
      // Same-origin reverse proxy to studio-server. The body is read first and
      // sent whole, so an early answer (413 on a body over 1 MiB, sent before
      // the server has read it all) reaches the page as the server sent it.
      const kind = path.endsWith("/push") ? "push" : path.endsWith("/pull") ? "pull" : "other";
      count(kind, "requests", 1);
      const t0 = performance.now();
      const chunks = [];
      for await (const c of rq) chunks.push(c);
      const body = Buffer.concat(chunks);
      count(kind, "requestBytes", body.length);
      const headers = { ...rq.headers, host: up.host, "content-length": String(body.length) };
      delete headers.connection;
      delete headers["transfer-encoding"];
      let answered = false;
      const p = httpRequest(
        { host: up.hostname, port: up.port, method: rq.method, path: rq.url, headers, agent },
        (ur) => {
          answered = true;
          const h = { ...ur.headers };
          delete h.connection;
          rs.writeHead(ur.statusCode, h);
          ur.on("data", (d) => count(kind, "responseBytes", d.length));
          // Time from the request's arrival to the end of the server's answer.
          ur.on("end", () => {
            const t1 = performance.now();
            count(kind, "ms", t1 - t0);
            reqlog.push({ kind, t0, t1 });
          });
          ur.pipe(rs);
        },
      );
      p.on("error", (e) => {
        // EPIPE after an early 413 may come before the answer: give it time.
        setTimeout(() => {
          if (answered) return;
          console.error(`[proxy] ${rq.method} ${rq.url}: ${e.message}`);
          if (!rs.headersSent) rs.writeHead(502, { "content-type": "text/plain" });
          rs.end(`proxy: ${e.message}`);
        }, 500);
      });
      p.end(body);
      return;
    }
    if (path === "/favicon.ico") return rs.writeHead(204).end();
    const file = files[path];
    if (!file) return rs.writeHead(404).end();
    const body = await readFile(file);
    rs.writeHead(200, { "content-type": TYPES[extname(file)], "cache-control": "no-store", ...isolation }).end(body);
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

// -------------------------------------------------------------- stats ----

const stats = (s) => ({ n: s.length, median: median(s), p90: pct(s, 0.9), p99: pct(s, 0.99), min: Math.min(...s), max: Math.max(...s) });

const ms = (x) => (x == null ? "–" : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const rx = (x) => (x >= 10 ? x.toFixed(1) : x.toFixed(2)) + "×";
const kb = (b) => (b / 1024).toFixed(1) + " KiB";

function statTable(title, groups, ref, note) {
  // groups: {name: samples}; ref: name of our row; ratio = ours / this row.
  const L = [`#### ${title}`, ""];
  if (note) L.push(note, "");
  L.push("| contender | n | median ms | p90 ms | p99 ms | us ÷ this (median) | us ÷ this (p90) |");
  L.push("|---|---:|---:|---:|---:|---:|---:|");
  const S = Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, stats(v)]));
  const r = S[ref];
  for (const [k, s] of Object.entries(S)) {
    L.push(`| ${k} | ${s.n} | ${ms(s.median)} | ${ms(s.p90)} | ${ms(s.p99)} | ${rx(r.median / s.median)} | ${rx(r.p90 / s.p90)} |`);
  }
  return { md: L.join("\n"), stats: S };
}

// --------------------------------------------------------- benchmarks ----

// Server only, from node: one push of 100 single-op graph.apply mutations
// (node.set of 100 different nodes) into files of different sizes, sizes
// interleaved per rep. The peer is the smallest file: the ratio shows how the
// cost of one graph.apply grows with the file's graph.
async function serverBench(srv, cfg) {
  const token = srv.tokens[srv.tokens.length - 1];
  const H = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const client = crypto.randomUUID();
  let seq = 0;
  const push = async (platform, muts) => {
    const body = JSON.stringify({ client_id: client, mutations: muts.map((m) => ({ seq: ++seq, ...m })) });
    const t = performance.now();
    const r = await fetch(`${srv.url}/api/${platform}/push`, { method: "POST", headers: H, body });
    const j = await r.json();
    const dt = performance.now() - t;
    if (!r.ok || j.results.some((x) => x.status !== "applied")) throw new Error(`push failed: ${JSON.stringify(j).slice(0, 300)}`);
    return dt;
  };
  const pid = crypto.randomUUID();
  await push("projects", [{ name: "project.create", args: { id: pid, name: "Server bench", slug: `server-${client.slice(0, 8)}` } }]);
  const sizes = cfg.serverSizes.split(",").map(Number);
  const files = [];
  for (const n of sizes) {
    const fid = crypto.randomUUID();
    await push("canvas", [{ name: "file.create", args: { id: fid, project_id: pid, name: `Graph ${n}` } }]);
    const ids = Array.from({ length: n }, () => crypto.randomUUID());
    for (let i = 0; i < n; i += 500) {
      const ops = ids.slice(i, i + 500).map((id, k) => ({
        op: "node.add",
        node: { id, type: "image", position: { x: k, y: i }, data: { label: `Image ${i + k}`, prompt: "isometric castle floating island golden hour", seed: i + k } },
      }));
      await push("canvas", [{ name: "graph.apply", args: { file_id: fid, ops } }]);
    }
    files.push({ n, fid, ids });
  }
  const samples = Object.fromEntries(sizes.map((n) => [n, []]));
  for (let r = 0; r < cfg.serverReps; r++) {
    for (const f of rotate(files, r % files.length)) {
      const muts = Array.from({ length: 100 }, (_, i) => ({
        name: "graph.apply",
        args: { file_id: f.fid, ops: [{ op: "node.set", id: f.ids[(r * 100 + i) % f.n], props: { position: { x: r, y: i } } }] },
      }));
      samples[f.n].push((await push("canvas", muts)) / 100);
    }
  }
  const ref = stats(samples[sizes[0]]);
  const L = [
    `#### Server: one graph.apply (a single node.set) in a push of 100, by the size of the file's graph`,
    "",
    "| nodes in the file | pushes | median ms per mutation | max ms per mutation | ÷ smallest file |",
    "|---:|---:|---:|---:|---:|",
  ];
  const S = {};
  for (const n of sizes) {
    const st = (S[n] = stats(samples[n]));
    L.push(`| ${n} | ${st.n} | ${ms(st.median)} | ${ms(st.max)} | ${rx(st.median / ref.median)} |`);
  }
  return { md: L.join("\n"), raw: { samples }, stats: S };
}

const rotate = (arr, k) => arr.map((_, i) => arr[(i + k) % arr.length]);

async function sizeBench(pkgDir) {
  const measure = async (name, path) => {
    const b = await readFile(path).catch(() => null);
    if (!b) return null;
    return {
      name,
      raw: b.length,
      gzip9: gzipSync(b, { level: 9 }).length,
      brotli11: brotliCompressSync(b, { params: { [zc.BROTLI_PARAM_QUALITY]: 11 } }).length,
      instantiable: path.endsWith(".wasm") ? externrefTableOk(b) : undefined,
    };
  };
  const at = (p) => relative(REPO, p) || ".";
  const wasm = await measure(`${at(pkgDir)}/studio_store_bg.wasm`, join(pkgDir, "studio_store_bg.wasm"));
  const glue = await measure(`${at(pkgDir)}/studio_store.js (glue)`, join(pkgDir, "studio_store.js"));
  const total = { name: "studio-store total (measured package)" };
  for (const k of ["raw", "gzip9", "brotli11"]) total[k] = wasm[k] + glue[k];
  const rows = [wasm, glue, total];
  // The wasm-opt -Oz variant (store/prepare-pkg.sh), when built and not the measured one.
  const variant = join(HERE, ".pkg");
  if (resolve(variant) !== resolve(pkgDir)) {
    const v = await measure("variant: same crate + wasm-opt -Oz (binaryen 132), bench/store/.pkg", join(variant, "studio_store_bg.wasm"));
    if (v) rows.push(v);
  }
  const dex = await measure("dexie 4.4.7 dist/dexie.min.js (peer)", join(BENCH, "node_modules", "dexie", "dist", "dexie.min.js"));
  rows.push(dex);
  const L = ["#### Package size", "", "| file | bytes | gzip -9 | brotli -q 11 |", "|---|---:|---:|---:|"];
  for (const r of rows) L.push(`| ${r.name} | ${r.raw} (${kb(r.raw)}) | ${r.gzip9} (${kb(r.gzip9)}) | ${r.brotli11} (${kb(r.brotli11)}) |`);
  L.push("", `Ours ÷ Dexie (gzip): ${rx(total.gzip9 / dex.gzip9)}; (brotli): ${rx(total.brotli11 / dex.brotli11)}.`);
  return { md: L.join("\n"), rows };
}

function graphReport(res, cfg) {
  const a = statTable(
    `Load a ${cfg.nodes}-node / ${cfg.edges}-edge graph into JS objects`,
    {
      "studio-store canvas.getGraph": res.samples.load.store,
      "Dexie where(file_id).toArray ×2": res.samples.load.dexie,
      "raw IDB index getAll ×2": res.samples.load.raw,
      "raw getAll of the store's own buckets (floor)": res.samples.load.buckets,
    },
    "studio-store canvas.getGraph",
  );
  const b = statTable(
    "Move one node (resolves on commit)",
    {
      "studio-store applyOps node.set": res.samples.move.store,
      "Dexie put (node from memory)": res.samples.move.dexie,
      "raw IDB put (node from memory)": res.samples.move.raw,
      "Dexie update (read-modify-write)": res.samples.move["dexie-rmw"],
      "raw IDB get + put (one tx)": res.samples.move["raw-rmw"],
    },
    "studio-store applyOps node.set",
  );
  const s = res.setup;
  const md = [
    a.md,
    "",
    b.md,
    "",
    `One-off bulk insert (single sample): studio-store applyOps in batches of ${cfg.batch}: ${ms(s.storeInsertMs)} ms; ` +
      `Dexie bulkPut: ${ms(s.dexieInsertMs)} ms; raw IDB puts in one tx: ${ms(s.rawInsertMs)} ms. ` +
      `Node ≈ ${s.nodeJsonBytes} B JSON, edge ≈ ${s.edgeJsonBytes} B.`,
  ].join("\n");
  return { md, stats: { load: a.stats, move: b.stats } };
}

function moveReport(res, cfg) {
  const ref = "store-sync: 1st edit of a bucket since sync";
  const t = statTable("One node move with the outbox (syncing store, autoSync off) vs raw IndexedDB", res.samples, ref);
  const S = t.stats;
  const s = res.setup;
  const md = [
    t.md,
    "",
    `Ratios (medians): store-sync 1st edit ÷ raw put = ${rx(S[ref].median / S["raw put"].median)}, ` +
      `÷ raw put+outbox = ${rx(S[ref].median / S["raw put + outbox add"].median)}; ` +
      `store-sync ÷ store-local = ${rx(S[ref].median / S["store-local"].median)} (1st edit), ` +
      `${rx(S["store-sync: another node, same bucket"].median / S["store-local"].median)} (same bucket). ` +
      `p99 ratio (1st edit ÷ raw put): ${rx(S[ref].p99 / S["raw put"].p99)}.`,
    "",
    `Setup: the graph was put on the server in ${ms(s.seedMs)} ms (${Math.ceil(cfg.nodes / 500) + Math.ceil(cfg.edges / 500)} pushes of one 500-op graph.apply); the syncing store ` +
      `pulled it in ${ms(s.initialPullMs)} ms (${s.initialSyncRounds} round). After the moves the outbox held one entry per moved node ` +
      `(the coalesced set merged into its tail).`,
  ].join("\n");
  return { md, stats: S };
}

function dragReport(res, cfg) {
  const L = [
    `#### ${cfg.hz} Hz drag for ${(cfg.dragEdits / cfg.hz).toFixed(0)} s (${cfg.dragEdits} awaited node.set edits), syncing store, autoSync on, default interval`,
    "",
    "| variant | edits | pushed | edits ÷ pushed | push / pull requests during drag | rounds completed during drag | drag took s | edit p50 ms | edit p99 ms | edit max ms | pending at end | final sync.now ms (push / pull requests; ms inside them) |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const req = (c, k) => c?.[k]?.requests ?? 0;
  for (const r of res.runs) {
    const s = stats(r.lat);
    L.push(
      `| ${r.variant} | ${r.edits} | ${r.pushed} | ${rx(r.edits / r.pushed)} | ${req(r.duringDrag, "push")} / ${req(r.duringDrag, "pull")} | ${r.roundsDuring} | ${(r.dragMs / 1000).toFixed(2)} | ${ms(s.median)} | ${ms(s.p99)} | ${ms(s.max)} | ${r.pendingAtEnd} | ${ms(r.finalSyncMs)} (${req(r.finalSync, "push")} / ${req(r.finalSync, "pull")}; ${ms((r.finalSync?.push?.ms ?? 0) + (r.finalSync?.pull?.ms ?? 0))} in server) |`,
    );
  }
  const byV = {};
  for (const r of res.runs) (byV[r.variant] ??= []).push(r);
  L.push("");
  for (const [v, rs] of Object.entries(byV)) {
    const pushed = median(rs.map((r) => r.pushed));
    const lat = rs.flatMap((r) => r.lat);
    const s = stats(lat);
    L.push(`- ${v}: median ${pushed} pushed of ${cfg.dragEdits} (edits ÷ pushed ${rx(cfg.dragEdits / pushed)}); edits over all reps p50 ${ms(s.median)} / p90 ${ms(s.p90)} / p99 ${ms(s.p99)} ms.`);
  }
  return { md: L.join("\n"), stats: Object.fromEntries(Object.entries(byV).map(([v, rs]) => [v, { pushed: rs.map((r) => r.pushed), lat: stats(rs.flatMap((r) => r.lat)) }])) };
}

function pushReport(res, cfg) {
  const L = [
    `#### ${cfg.pending} pending node.add mutations (+ 1 project.create, ${cfg.pushFiles} file.create; nodes round-robin over the files) pushed and acknowledged`,
    "",
    "| rep | contender | end-to-end ms | in server requests ms (push + pull) | outside requests ms | rounds / requests | bytes up / down | changes pulled | server last_seq | offline edits ms (store) |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const srvMs = (r) => (r.traffic.push?.ms ?? 0) + (r.traffic.pull?.ms ?? 0);
  const bytes = (r, f) => (r.traffic.push?.[f] ?? 0) + (r.traffic.pull?.[f] ?? 0);
  for (const r of res.runs) {
    L.push(
      `| ${r.rep} | ${r.contender === "store" ? "studio-store sync.now() until pending() = 0" : "fetch loop push + pull"} | ${ms(r.ms)} | ${ms(srvMs(r))} (${ms(r.traffic.push?.ms ?? 0)} + ${ms(r.traffic.pull?.ms ?? 0)}) | ${ms(r.ms - srvMs(r))} | ${r.contender === "store" ? `${r.rounds} round(s), ${r.requests} requests` : r.requests + " requests"} | ${(bytes(r, "requestBytes") / 1e6).toFixed(2)} MB / ${(bytes(r, "responseBytes") / 1e6).toFixed(2)} MB | ${r.pulled} | ${r.lastSeq} | ${r.editMs ? ms(r.editMs) : "–"} |`,
    );
  }
  const st = res.runs.filter((r) => r.contender === "store");
  const fe = res.runs.filter((r) => r.contender === "fetch");
  const ms1 = median(st.map((r) => r.ms));
  const ms2 = median(fe.map((r) => r.ms));
  const ed = median(st.map((r) => r.editMs));
  L.push(
    "",
    `Median: store ${ms(ms1)} ms, fetch loop ${ms(ms2)} ms — store ÷ fetch = ${rx(ms1 / ms2)} ` +
      `(min ${ms(Math.min(...st.map((r) => r.ms)))} vs ${ms(Math.min(...fe.map((r) => r.ms)))} ms). ` +
      `Outside the server's requests (client work: IndexedDB, JSON, wasm; plus the proxy hop): store median ${ms(median(st.map((r) => r.ms - srvMs(r))))} ms, ` +
      `fetch loop ${ms(median(fe.map((r) => r.ms - srvMs(r))))} ms. ` +
      `Making the ${cfg.pending} edits offline (one applyOps each): median ${ms(ed)} ms = ${ms(ed / cfg.pending)} ms per edit.`,
  );
  const g = (rs, f) => median(rs.map((r) => r.gaps?.[f]).filter((x) => x != null));
  if (st.every((r) => r.gaps)) {
    L.push(
      "",
      `Where the client time goes (proxy request log; gap = from the end of one request to the start of the next push): ` +
        `store median gap before each of the first 10 pushes ${ms(g(st, "gapFirst10Median"))} ms, before each of the last 10 ${ms(g(st, "gapLast10Median"))} ms, ` +
        `all push gaps together ${ms(g(st, "gapSum"))} ms; after the last push, ${ms(g(st, "firstPullGap"))} ms until the first pull and ` +
        `${ms(g(st, "pullClientMs"))} ms of client time between and after the pulls. Fetch loop: ${ms(g(fe, "gapFirst10Median"))} / ${ms(g(fe, "gapLast10Median"))} ms per gap, ` +
        `${ms(g(fe, "gapSum"))} ms in all.`,
    );
  }
  return { md: L.join("\n"), stats: { store: stats(st.map((r) => r.ms)), fetch: stats(fe.map((r) => r.ms)), ratio: ms1 / ms2 } };
}

function liveReport(res, cfg) {
  const L = [
    `#### Live: another device's edit, from the writer's push to readable in the reader's store (${cfg.liveEdits} edits each)`,
    "",
    "| reader | edits | p50 ms | p90 ms | max ms |",
    "|---|---:|---:|---:|---:|",
  ];
  const stats = {};
  for (const r of res.runs) {
    const s = { median: median(r.latencies), p90: pct(r.latencies, 0.9), max: Math.max(...r.latencies) };
    stats[r.variant] = s;
    L.push(`| ${r.variant} | ${r.latencies.length} | ${s.median.toFixed(1)} | ${s.p90.toFixed(1)} | ${s.max.toFixed(1)} |`);
  }
  const [poke, poll] = [stats["poke channel"], stats["polling only"]];
  if (poke && poll) L.push("", `p50 poke ÷ polling = ${(poke.median / poll.median).toFixed(2)}×.`);
  return { md: L.join("\n"), stats };
}

function queryReport(res, cfg) {
  const a = statTable(
    `apps.executionsByTool(slug) over ${cfg.executions} executions across ${res.setup.tools} tools`,
    res.samples.byTool,
    "store executionsByTool",
    `Executions per tool: ${Object.values(res.setup.executionsPerTool).join(", ")}. Scan = getAll of the store's own tool_executions object store, filter by tool_id and sort newest first in JS; "raw index getAll" reads the same (tool_id, created_at) index the store uses (the floor).`,
  );
  const b = statTable(
    `canvas.fileBySlug(projectSlug, fileSlug) over ${cfg.files} files (${cfg.files / 100} projects × 100)`,
    res.samples.bySlug,
    "store fileBySlug",
    "Scan = getAll of projects and of canvas_files, find in JS; \"raw index get\" = the two index lookups the store does, by hand.",
  );
  const s = res.setup;
  return {
    md: [a.md, "", b.md, "", `Setup: ${cfg.executions} createExecution calls took ${ms(s.executionsInsertMs)} ms; ${cfg.files} createFile calls ${ms(s.filesInsertMs)} ms.`].join("\n"),
    stats: { byTool: a.stats, bySlug: b.stats },
  };
}

// Self time per function of a CDP CPU profile, top 30.
function topFunctions(profile) {
  const dt = {};
  const { samples, timeDeltas, nodes } = profile;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (let i = 0; i < samples.length; i++) {
    const f = byId.get(samples[i]).callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url ? f.url.split("/").pop() : ""}`;
    dt[key] = (dt[key] || 0) + (timeDeltas[i + 1] ?? 0) / 1000;
  }
  const total = Object.values(dt).reduce((a, b) => a + b, 0);
  return Object.entries(dt)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 30)
    .map(([k, v]) => `${v.toFixed(0).padStart(8)} ms ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join("\n");
}

// --------------------------------------------------------------- main ----

async function meta(cfg) {
  const git = (args) => {
    try {
      return execFileSync("git", ["-C", REPO, ...args], { encoding: "utf8" }).trim();
    } catch {
      return "unknown";
    }
  };
  const wasm = await readFile(join(cfg.pkg, "studio_store_bg.wasm"));
  const serverStat = await stat(cfg.server).catch(() => null);
  return {
    commit: git(["rev-parse", "--short", "HEAD"]),
    dirty: git(["status", "--porcelain", "--", "src", "core", "server"]).split("\n").filter(Boolean).map((l) => l.replace(/^\s*\S+\s+/, "")),
    wasmSha256: createHash("sha256").update(wasm).digest("hex").slice(0, 16),
    wasmMtime: (await stat(join(cfg.pkg, "studio_store_bg.wasm"))).mtime.toISOString(),
    wasmSource: (await readFile(join(cfg.pkg, "SOURCE"), "utf8").catch(() => "")).trim() || null,
    server: cfg.server,
    serverMtime: serverStat?.mtime.toISOString() ?? null,
    cpus: cpus().length,
    node: process.version,
  };
}

async function main() {
  const cfg = parseArgs(process.argv.slice(2));
  cfg.pkg = resolve(cfg.pkg ?? join(REPO, "pkg"));
  if (!externrefTableOk(await readFile(join(cfg.pkg, "studio_store_bg.wasm")))) {
    console.error(
      `${cfg.pkg}/studio_store_bg.wasm exports __wbindgen_externrefs as a funcref table (Debian's wasm-opt 108 ` +
        `does that) and cannot be instantiated. Rebuild it without that wasm-opt (scripts/build-pkg.sh, ` +
        `or bash store/prepare-pkg.sh and --pkg store/.pkg).`,
    );
    process.exit(2);
  }
  const started = Date.now();
  const runId = Date.now().toString(36);
  const results = { meta: { ...(await meta(cfg)), date: new Date().toISOString(), argv: process.argv.slice(2), config: cfg }, benches: {} };
  const md = [];
  const loads = {};
  md.push(`Server database: ${cfg.postgres ? "PostgreSQL (a fresh database per server start)" : "SQLite (a fresh file per server start)"}.`);

  if (cfg.only.includes("size")) {
    const s = await sizeBench(cfg.pkg);
    results.benches.size = s.rows;
    md.push(s.md);
  }
  const browserBenches = cfg.only.filter((b) => b !== "size" && b !== "server");
  if (cfg.only.includes("server")) {
    const dir = await mkdtemp(join(tmpdir(), "studio-store-bench-"));
    const srv = await startServer(cfg.server, 1, dir, cfg.postgres);
    try {
      const t0 = Date.now();
      const la0 = loadavg()[0];
      const r = await serverBench(srv, cfg);
      const seconds = (Date.now() - t0) / 1000;
      results.benches.server = { raw: r.raw, stats: r.stats, seconds, loadavg1: { before: la0, after: loadavg()[0] } };
      md.push(r.md + `\n\n(${seconds.toFixed(0)} s; 1-min load average ${la0.toFixed(2)} → ${loadavg()[0].toFixed(2)} on ${cpus().length} cores.)`);
    } finally {
      srv.child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 300));
      await rm(dir, { recursive: true, force: true });
    }
  }
  if (browserBenches.length) {
    const needServer = browserBenches.some((b) => ["move", "drag", "push", "live"].includes(b));
    const nTokens = 1 + 2 * cfg.dragReps + 2 * cfg.pushReps + 3;
    const dir = await mkdtemp(join(tmpdir(), "studio-store-bench-"));
    const profile = join(dir, "profile");
    await mkdir(profile);
    let srv = null;
    let second = null;
    let page = null;
    let ctx = null;
    try {
      srv = needServer ? await startServer(cfg.server, nTokens, dir, cfg.postgres) : { url: "http://127.0.0.1:9", tokens: [], child: null };
      if (needServer) console.error(`[run] studio-server ${srv.url} (db in ${dir})`);
      // The live benchmark's reader on another instance of the same PostgreSQL.
      second = browserBenches.includes("live") && cfg.postgres ? await serve(cfg.server, srv.env, join(dir, "server-2.log")) : null;
      page = await servePage(cfg.pkg, srv.url, second?.url);
      const url = `http://127.0.0.1:${page.address().port}/index.html`;
      ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
      const pg = ctx.pages()[0] || (await ctx.newPage());
      pg.on("console", (m) => console.error(m.text()));
      pg.on("pageerror", (e) => console.error("pageerror:", e));
      await pg.goto(url);
      await pg.waitForFunction(() => window.storeBenchReady === true);
      results.meta.browserVersion = ctx.browser()?.version() ?? "unknown";
      results.meta.crossOriginIsolated = await pg.evaluate(() => self.crossOriginIsolated);
      console.error(`[run] ${url} — Chromium ${results.meta.browserVersion}, crossOriginIsolated ${results.meta.crossOriginIsolated}`);
      let tk = 0;
      const take = (n) => srv.tokens.slice(tk, (tk += n));
      for (const b of ALL.filter((x) => browserBenches.includes(x))) {
        const pageCfg = { ...cfg, runId: `${runId}-${b}` };
        if (b === "move") pageCfg.tokens = take(1);
        if (b === "drag") pageCfg.tokens = take(2 * cfg.dragReps);
        if (b === "push") pageCfg.tokens = take(2 * cfg.pushReps);
        if (b === "live") {
          pageCfg.tokens = take(3);
          pageCfg.secondInstance = Boolean(cfg.postgres);
        }
        const la0 = loadavg()[0];
        const t0 = Date.now();
        console.error(`[run] ${b} …`);
        let cdp = null;
        if (cfg.profile === b) {
          cdp = await ctx.newCDPSession(pg);
          await cdp.send("Profiler.enable");
          await cdp.send("Profiler.setSamplingInterval", { interval: 500 });
          await cdp.send("Profiler.start");
        }
        const raw = await pg.evaluate(([name, c]) => window.storeBench[name](c), [b, pageCfg]);
        const seconds = (Date.now() - t0) / 1000;
        if (cdp) {
          const { profile } = await cdp.send("Profiler.stop");
          const file = join(HERE, "results", `profile-${b}-${runId}.cpuprofile`);
          await mkdir(dirname(file), { recursive: true });
          await writeFile(file, JSON.stringify(profile));
          console.error(`[run] profile: ${file}\n${topFunctions(profile)}`);
        }
        loads[b] = { before: la0, after: loadavg()[0] };
        const rep = { graph: graphReport, move: moveReport, drag: dragReport, push: pushReport, query: queryReport, live: liveReport }[b](raw, cfg);
        results.benches[b] = { raw, stats: rep.stats, seconds, loadavg1: loads[b] };
        const v = raw.verification;
        md.push(
          rep.md +
            "\n\n" +
            (v.ok ? "Verification: passed." : `Verification FAILED: ${v.problems.join("; ")}`) +
            ` (${seconds.toFixed(0)} s; 1-min load average ${la0.toFixed(2)} → ${loads[b].after.toFixed(2)} on ${cpus().length} cores.)`,
        );
        console.error(`[run] ${b} done in ${seconds.toFixed(0)} s`);
        if (!v.ok) process.exitCode = 1;
      }
    } finally {
      if (ctx) await ctx.close().catch(() => {});
      page?.close();
      second?.child.kill("SIGTERM");
      if (srv?.child) {
        srv.child.kill("SIGTERM");
        await new Promise((r) => setTimeout(r, 300));
      }
      await rm(dir, { recursive: true, force: true });
    }
  }

  results.meta.seconds = (Date.now() - started) / 1000;
  const m = results.meta;
  const head =
    `### studio-store benchmarks — ${m.date}\n\n` +
    `Commit ${m.commit}${m.dirty.length ? ` (uncommitted: ${m.dirty.join(", ")})` : ""}, wasm sha256 ${m.wasmSha256}…, ` +
    `Chromium ${m.browserVersion ?? "–"} headless (crossOriginIsolated ${m.crossOriginIsolated ?? "–"}), node ${m.node}, ${m.cpus} cores. ` +
    `Command: \`node store/run.mjs ${m.argv.join(" ")}\`. Total ${m.seconds.toFixed(0)} s.`;
  const text = [head, ...md].join("\n\n");
  const json = JSON.stringify(results, null, 1);
  if (cfg.out === "-") {
    console.log(text + "\n");
    console.log(json);
  } else {
    const out = resolve(cfg.out ?? join(HERE, "results", `run-${m.date.replace(/[:.]/g, "-")}.json`));
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, json + "\n");
    await writeFile(out.replace(/\.json$/, "") + ".md", text + "\n");
    console.log(text);
    console.log(`\nJSON: ${out}`);
  }
}

await main();

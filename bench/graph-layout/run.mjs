// Graph-layout benchmark runner: serves the page on 127.0.0.1, drives
// Debian's Chromium through playwright-core, prints markdown, writes JSON.
//
//   cd bench && npm install && node graph-layout/run.mjs [--reps 20] [--warmup 3]
//     [--nodes 10000] [--edges 10000] [--buckets 16,64,256]
//     [--array-buckets 16,64,256] [--seed 1]
//     [--durability default|relaxed|strict] [--out FILE | --out -]

import { createServer } from "node:http";
import { mkdtemp, readFile, readdir, rm, mkdir, writeFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, dirname, resolve, extname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, median, pct } from "../lib/runner.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const cfg = {
    reps: 20,
    warmup: 3,
    nodes: 10000,
    edges: 10000,
    buckets: [16, 64, 256],
    arrayBuckets: [16, 64, 256],
    seed: 1,
    durability: "default",
    out: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const [k, inline] = argv[i].replace(/^--/, "").split("=");
    const v = inline ?? argv[++i];
    if (k === "buckets" || k === "array-buckets") {
      cfg[k === "buckets" ? "buckets" : "arrayBuckets"] = v ? v.split(",").map(Number) : [];
    }
    else if (k === "durability" || k === "out") cfg[k] = v;
    else if (k in cfg) cfg[k] = Number(v);
    else throw new Error(`unknown option --${k}`);
  }
  if (cfg.reps < 15) console.error(`warning: --reps ${cfg.reps} < 15, p90 will be rough`);
  return cfg;
}

// Only the page's files are served; nothing else on disk is reachable.
function serve() {
  const files = {
    "/": "index.html",
    "/index.html": "index.html",
    "/page.js": "page.js",
    "/lib/page.js": "../lib/page.js",
  };
  const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8" };
  const server = createServer(async (rq, rs) => {
    const path = new URL(rq.url, "http://x").pathname;
    const name = files[path];
    if (path === "/favicon.ico") {
      rs.writeHead(204).end(); // keeps the browser console free of a 404
      return;
    }
    if (!name) {
      rs.writeHead(404).end();
      return;
    }
    const body = await readFile(join(HERE, name));
    rs.writeHead(200, {
      "content-type": types[extname(name)],
      "cache-control": "no-store",
      // Cross-origin isolation lifts performance.now() from 100 µs to 5 µs steps.
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
    }).end(body);
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

async function dirSize(p) {
  let total = 0;
  for (const e of await readdir(p, { withFileTypes: true })) {
    const q = join(p, e.name);
    total += e.isDirectory() ? await dirSize(q) : (await stat(q)).size;
  }
  return total;
}

// Which IndexedDB backend the profile used (LevelDB or SQLite) and its size.
async function idbOnDisk(profile) {
  const root = join(profile, "Default", "IndexedDB");
  try {
    const entries = await readdir(root);
    return { entries, bytes: await dirSize(root) };
  } catch {
    return { entries: [], bytes: 0 };
  }
}


// Adds median/p90 and ratios against the reference A and B rows of the phase.
function summarize(phases) {
  const out = {};
  for (const [phase, rows] of Object.entries(phases)) {
    for (const r of rows) Object.assign(r, { median: median(r.samples), p90: pct(r.samples, 0.9) });
    const ref = (name) => rows.find((r) => r.layout === name && r.ref).median;
    const a = ref("A");
    const b = ref("B");
    out[phase] = rows.map((r) => ({ ...r, vsA: r.median / a, vsB: r.median / b }));
  }
  return out;
}

const PHASE_TITLES = {
  bulkWrite: "Initial bulk write of the whole graph (one tx, into an emptied store)",
  load: "Load whole graph into nodes[] + edges[]",
  move: "Move one node (read, change position, write back)",
  add: "Add one node",
  remove: "Remove one node and its edges",
};

const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const ratio = (x) => (x >= 10 ? x.toFixed(1) : x.toFixed(2)) + "×";

function markdown(res) {
  const { meta, phases, verification } = res;
  const L = [];
  L.push(`### Graph layout benchmark — ${meta.date}`);
  L.push("");
  L.push(
    `Chromium ${meta.browserVersion}, IndexedDB on disk (${meta.idbBackend}, ${(meta.idbBytes / 1e6).toFixed(1)} MB at end), ` +
      `durability ${meta.durability}, gc between samples: ${meta.gc}. ` +
      `${meta.config.nodes} nodes (~${meta.avgNodeJsonBytes} B JSON) + ${meta.config.edges} edges (~${meta.avgEdgeJsonBytes} B), ` +
      `avg degree ${meta.avgDegree.toFixed(2)} (max ${meta.maxDegree}). ` +
      `${meta.config.reps} reps after ${meta.config.warmup} warm-up, layouts interleaved per rep. Total ${meta.seconds.toFixed(0)} s.`,
  );
  L.push("");
  L.push(
    "Summary: median ms (ratio to A / ratio to B), reference rows only. " +
      "C*n* = *n* buckets per kind with `items: {id: value}`; C*n*[] = same buckets with `items` as an array.",
  );
  L.push("");
  const layouts = phases.bulkWrite.map((r) => r.layout);
  const names = Object.keys(phases);
  L.push(`| layout | ${names.join(" | ")} |`);
  L.push(`|---|${names.map(() => "---:").join("|")}|`);
  for (const lay of layouts) {
    const cells = names.map((p) => {
      const r = phases[p].find((x) => x.layout === lay && x.ref);
      return `${ms(r.median)} (${ratio(r.vsA)} / ${ratio(r.vsB)})`;
    });
    L.push(`| ${lay} | ${cells.join(" | ")} |`);
  }
  for (const [p, rows] of Object.entries(phases)) {
    L.push("");
    L.push(`#### ${PHASE_TITLES[p]}`);
    L.push("");
    L.push("| variant | median ms | p90 ms | ×A | ×B |");
    L.push("|---|---:|---:|---:|---:|");
    for (const r of rows) {
      const label = r.note === "extra" ? `${r.variant} *(extra)*` : r.variant;
      L.push(`| ${label} | ${ms(r.median)} | ${ms(r.p90)} | ${ratio(r.vsA)} | ${ratio(r.vsB)} |`);
    }
  }
  L.push("");
  L.push(
    "Bytes one move rewrites (JSON size of the record holding the node): " +
      Object.entries(meta.recordJsonBytes)
        .map(([k, v]) => `${k} ${v >= 1e4 ? (v / 1e3).toFixed(0) + " kB" : v + " B"}`)
        .join(", ") +
      ".",
  );
  const bad = Object.entries(verification).filter(([, v]) => !v.ok);
  L.push(
    bad.length
      ? `Verification FAILED: ${bad.map(([k, v]) => `${k}: ${v.problems.join("; ")}`).join(" | ")}`
      : `Verification: all ${Object.keys(verification).length} databases hold exactly the expected nodes, edges and positions after all ops.`,
  );
  return L.join("\n");
}

async function main() {
  const cfg = parseArgs(process.argv.slice(2));
  const server = await serve();
  const url = `http://127.0.0.1:${server.address().port}/index.html`;
  // A persistent profile on disk: Playwright's default (incognito) context
  // keeps IndexedDB in memory, which would hide the storage cost entirely.
  const profile = await mkdtemp(join(tmpdir(), "studio-store-bench-"));
  const started = Date.now();
  let ctx;
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
    });
    const page = ctx.pages()[0] || (await ctx.newPage());
    page.on("console", (m) => console.error(m.text()));
    page.on("pageerror", (e) => console.error("pageerror:", e));
    await page.goto(url);
    await page.waitForFunction(() => typeof window.runGraphLayoutBench === "function");
    console.error(`[run] ${url} — Chromium ${ctx.browser()?.version() ?? "?"}`);
    const raw = await page.evaluate((c) => window.runGraphLayoutBench(c), cfg);
    const browserVersion = ctx.browser()?.version() ?? "unknown";
    await ctx.close();
    ctx = null;
    const disk = await idbOnDisk(profile);
    const backend = disk.entries.some((e) => e.endsWith(".leveldb"))
      ? "LevelDB"
      : disk.entries.length
        ? `other: ${disk.entries.join(", ")}`
        : "unknown";
    const res = {
      meta: {
        ...raw.meta,
        date: new Date().toISOString(),
        browserVersion,
        idbBackend: backend,
        idbEntries: disk.entries,
        idbBytes: disk.bytes,
        config: cfg,
        seconds: (Date.now() - started) / 1000,
        node: process.version,
      },
      phases: summarize(raw.phases),
      verification: raw.verification,
    };
    const md = markdown(res);
    const json = JSON.stringify(res, null, 2);
    if (cfg.out === "-") {
      console.log(md + "\n");
      console.log(json);
    } else {
      const out = resolve(cfg.out ?? join(HERE, "results", `run-${res.meta.date.replace(/[:.]/g, "-")}.json`));
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, json + "\n");
      await writeFile(out.replace(/\.json$/, "") + ".md", md + "\n");
      console.log(md);
      console.log(`\nJSON: ${out}`);
    }
    if (Object.values(res.verification).some((v) => !v.ok)) process.exitCode = 1;
  } finally {
    if (ctx) await ctx.close().catch(() => {});
    server.close();
    await rm(profile, { recursive: true, force: true });
  }
}

await main();

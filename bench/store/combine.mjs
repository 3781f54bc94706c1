// Puts several runs of store/run.mjs side by side as the markdown tables of
// BENCHMARKS.md:  node store/combine.mjs results/run-A.json results/run-B.json

import { readFileSync } from "node:fs";
import { resolve, relative, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { median, pct } from "../lib/runner.mjs";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

const runs = process.argv.slice(2).map((f) => JSON.parse(readFileSync(f, "utf8")));
if (!runs.length) throw new Error("usage: node store/combine.mjs RUN.json [RUN.json ...]");
const R = runs.map((_, i) => `run ${i + 1}`);

const ms = (x) => (x == null ? "–" : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const rx = (x) => (x == null || !isFinite(x) ? "–" : (x >= 10 ? x.toFixed(1) : x.toFixed(2)) + "×");
const out = [];
const p = (...l) => out.push(...l);

function statTables(title, get, ref) {
  const first = get(runs[0]);
  if (!first) return;
  p(`**${title}**`, "");
  p(`| contender | n | ${R.map((r) => `${r} median / p90 / p99 ms`).join(" | ")} | us ÷ this, median (${R.join(" / ")}) | us ÷ this, p90 (${R.join(" / ")}) |`);
  p(`|---|---:|${R.map(() => "---:").join("|")}|---:|---:|`);
  for (const name of Object.keys(first)) {
    const cells = runs.map((r) => {
      const s = get(r)?.[name];
      return s ? `${ms(s.median)} / ${ms(s.p90)} / ${ms(s.p99)}` : "–";
    });
    const ratios = runs.map((r) => rx(get(r)?.[ref]?.median / get(r)?.[name]?.median)).join(" / ");
    const r90 = runs.map((r) => rx(get(r)?.[ref]?.p90 / get(r)?.[name]?.p90)).join(" / ");
    p(`| ${name} | ${first[name].n} | ${cells.join(" | ")} | ${ratios} | ${r90} |`);
  }
  p("");
}

// Header: what each run was.
p("| run | date (UTC) | repo HEAD then | wasm sha256 | total s | results |", "|---|---|---|---|---:|---|");
process.argv.slice(2).forEach((f, i) => {
  const m = runs[i].meta;
  p(`| ${i + 1} | ${m.date.slice(0, 16).replace("T", " ")} | ${m.commit} | ${m.wasmSha256} | ${m.seconds.toFixed(0)} | \`${relative(REPO, resolve(f))}\` |`);
});
p("");

const load = (b) => runs.map((r) => (r.benches[b]?.loadavg1 ? `${r.benches[b].loadavg1.before.toFixed(1)}→${r.benches[b].loadavg1.after.toFixed(1)}` : "–")).join(", ");

p("### graph", "", `1-min load average during the benchmark: ${load("graph")}.`, "");
statTables("Load the whole graph", (r) => r.benches.graph?.stats.load, "studio-store canvas.getGraph");
statTables("Move one node", (r) => r.benches.graph?.stats.move, "studio-store applyOps node.set");
p(
  "One-off bulk insert (one sample per run): " +
    runs
      .map((r, i) => {
        const s = r.benches.graph?.raw.setup;
        return s ? `run ${i + 1}: store ${ms(s.storeInsertMs)} ms, Dexie ${ms(s.dexieInsertMs)} ms, raw ${ms(s.rawInsertMs)} ms` : "";
      })
      .join("; ") +
    ".",
  "",
);

p("### move", "", `1-min load average: ${load("move")}.`, "");
statTables("One node move", (r) => r.benches.move?.stats, "store-sync: 1st edit of a bucket since sync");

p("### drag", "", `1-min load average: ${load("drag")}.`, "");
p(
  "| run | variant | edits | pushed | edits ÷ pushed | push / pull requests during the drag | edit p50 / p90 / p99 / max ms | pending at the end | final sync.now() s (time inside server requests) |",
  "|---|---|---:|---:|---:|---:|---:|---:|---:|",
);
runs.forEach((r, i) => {
  for (const d of r.benches.drag?.raw.runs ?? []) {
    const sv = (d.finalSync?.push?.ms ?? 0) + (d.finalSync?.pull?.ms ?? 0);
    p(
      `| ${i + 1} | ${d.variant} | ${d.edits} | ${d.pushed} | ${rx(d.edits / d.pushed)} | ${d.duringDrag?.push?.requests ?? 0} / ${d.duringDrag?.pull?.requests ?? 0} | ` +
        `${ms(median(d.lat))} / ${ms(pct(d.lat, 0.9))} / ${ms(pct(d.lat, 0.99))} / ${ms(Math.max(...d.lat))} | ${d.pendingAtEnd} | ${(d.finalSyncMs / 1000).toFixed(1)} (${(sv / 1000).toFixed(1)}) |`,
    );
  }
});
p("");
runs.forEach((r, i) => {
  const by = {};
  for (const d of r.benches.drag?.raw.runs ?? []) (by[d.variant] ??= []).push(d);
  p(
    `Run ${i + 1}: ` +
      Object.entries(by)
        .map(([v, ds]) => `${v}: median ${median(ds.map((d) => d.pushed))} pushed of ${ds[0].edits} (${rx(ds[0].edits / median(ds.map((d) => d.pushed)))}), edit p50 ${ms(median(ds.flatMap((d) => d.lat)))} ms / p99 ${ms(pct(ds.flatMap((d) => d.lat), 0.99))} ms over ${ds.length} reps`)
        .join("; ") +
      ".",
  );
});
p("");

p("### push", "", `1-min load average: ${load("push")}.`, "");
p(
  "| run | rep | contender | end-to-end s | inside server requests s | outside s | requests | up / down MB |",
  "|---|---:|---|---:|---:|---:|---:|---:|",
);
runs.forEach((r, i) => {
  for (const x of r.benches.push?.raw.runs ?? []) {
    const sv = (x.traffic.push?.ms ?? 0) + (x.traffic.pull?.ms ?? 0);
    const up = (x.traffic.push?.requestBytes ?? 0) + (x.traffic.pull?.requestBytes ?? 0);
    const down = (x.traffic.push?.responseBytes ?? 0) + (x.traffic.pull?.responseBytes ?? 0);
    p(
      `| ${i + 1} | ${x.rep} | ${x.contender === "store" ? "studio-store" : "fetch loop"} | ${(x.ms / 1000).toFixed(1)} | ${(sv / 1000).toFixed(1)} | ${((x.ms - sv) / 1000).toFixed(1)} | ${x.requests} | ${(up / 1e6).toFixed(2)} / ${(down / 1e6).toFixed(2)} |`,
    );
  }
});
p("");
p("| run | store median s | fetch median s | store ÷ fetch | store outside-server median s | fetch outside-server median s | offline edits: median s (ms per edit) |", "|---|---:|---:|---:|---:|---:|---:|");
runs.forEach((r, i) => {
  const rs = r.benches.push?.raw.runs ?? [];
  if (!rs.length) return;
  const out_ = (x) => x.ms - (x.traffic.push?.ms ?? 0) - (x.traffic.pull?.ms ?? 0);
  const st = rs.filter((x) => x.contender === "store");
  const fe = rs.filter((x) => x.contender === "fetch");
  const a = median(st.map((x) => x.ms));
  const b = median(fe.map((x) => x.ms));
  const ed = median(st.map((x) => x.editMs));
  p(
    `| ${i + 1} | ${(a / 1000).toFixed(1)} | ${(b / 1000).toFixed(1)} | ${rx(a / b)} | ${(median(st.map(out_)) / 1000).toFixed(1)} | ${(median(fe.map(out_)) / 1000).toFixed(1)} | ${(ed / 1000).toFixed(1)} (${ms(ed / r.meta.config.pending)}) |`,
  );
});
p("");

runs.forEach((r, i) => {
  const rs = r.benches.push?.raw.runs ?? [];
  const st = rs.filter((x) => x.contender === "store" && x.gaps);
  const fe = rs.filter((x) => x.contender === "fetch" && x.gaps);
  if (!st.length) return;
  const g = (xs, f) => ms(median(xs.map((x) => x.gaps[f])));
  p(
    `Run ${i + 1}, client time from the proxy's request log (medians over reps): before each push, store ${g(st, "gapFirst10Median")} ms (first 10 pushes) ` +
      `→ ${g(st, "gapLast10Median")} ms (last 10), ${g(st, "gapSum")} ms over all pushes; fetch loop ${g(fe, "gapFirst10Median")} → ${g(fe, "gapLast10Median")} ms, ${g(fe, "gapSum")} ms. ` +
      `Store after the last push: ${g(st, "firstPullGap")} ms to the first pull, ${g(st, "pullClientMs")} ms of client time in the pull phase.`,
    "",
  );
});

p("### query", "", `1-min load average: ${load("query")}.`, "");
statTables("executionsByTool", (r) => r.benches.query?.stats.byTool, "store executionsByTool");
statTables("fileBySlug", (r) => r.benches.query?.stats.bySlug, "store fileBySlug");

p("### server", "", `1-min load average: ${load("server")}.`, "");
p(`| nodes in the file | ${R.map((r) => `${r} median ms per mutation`).join(" | ")} | ÷ smallest file (${R.join(" / ")}) |`, `|---:|${R.map(() => "---:").join("|")}|---:|`);
const sizes = Object.keys(runs[0].benches.server?.stats ?? {});
for (const n of sizes) {
  const cells = runs.map((r) => ms(r.benches.server?.stats[n]?.median));
  const ratio = runs.map((r) => rx(r.benches.server?.stats[n]?.median / r.benches.server?.stats[sizes[0]]?.median)).join(" / ");
  p(`| ${n} | ${cells.join(" | ")} | ${ratio} |`);
}
p("");

p("### size", "", "| file | bytes | gzip -9 | brotli -q 11 |", "|---|---:|---:|---:|");
for (const x of runs[0].benches.size ?? []) p(`| ${x.name} | ${x.raw} | ${x.gzip9} | ${x.brotli11 ?? "–"} |`);

console.log(out.join("\n"));

// @ts-check
/**
 * The fault-injecting proxy itself, in front of a tiny local echo server: each kind of
 * fault happens as described and is counted, the page and the package pass untouched,
 * and the same seed gives the same sequence of decisions.
 *
 *   node --test proxy.test.mjs
 */
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { decisions, FAULT_KINDS, startProxy } from "./proxy.mjs";

/** An echo server: answers each request with what it got, and counts them. */
async function startEcho() {
  const hits = /** @type {{ url: string, at: number }[]} */ ([]);
  const server = http.createServer((req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      hits.push({ url: req.url ?? "", at: Date.now() });
      const text = JSON.stringify({ method: req.method, url: req.url, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(text);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

/**
 * The proxy with only `kind` (or the given weights) in front of a fresh echo server.
 * @param {import("node:test").TestContext} t
 * @param {Record<string, number>} weights
 * @param {number} [seed]
 */
async function setUp(t, weights, seed = 7) {
  const echo = await startEcho();
  const proxy = await startProxy({ target: echo.origin, seed, weights });
  t.after(async () => {
    await proxy.close();
    await echo.close();
  });
  return { echo, proxy };
}

/** A push-like request through the proxy: status, body text, elapsed ms, or the error. */
async function post(/** @type {string} */ origin, path = "/api/projects/push", body = '{"n":1}') {
  const started = Date.now();
  try {
    const res = await fetch(`${origin}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", connection: "close" },
      body,
    });
    const text = await res.text();
    return { status: res.status, text, ms: Date.now() - started, error: null };
  } catch (e) {
    return { status: 0, text: "", ms: Date.now() - started, error: /** @type {Error} */ (e) };
  }
}

/** Only `kind` counted, once. */
function assertCountedOnce(/** @type {Record<string, number>} */ counts, /** @type {string} */ kind) {
  for (const k of FAULT_KINDS) assert.equal(counts[k], k === kind ? 1 : 0, `count of ${k}`);
}

/** The delay the first decision of `seed` under `weights` carries. */
const firstDelay = (/** @type {number} */ seed, /** @type {Record<string, number>} */ weights) =>
  decisions(seed, weights)().ms;

test("pass: forwarded once, answered as the server answered", async (t) => {
  const { echo, proxy } = await setUp(t, { pass: 1 });
  const r = await post(proxy.origin);
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.text), { method: "POST", url: "/api/projects/push", body: '{"n":1}' });
  assert.equal(echo.hits.length, 1);
  assertCountedOnce(proxy.counts, "pass");
});

test("delay_request: the server gets the request late", async (t) => {
  const weights = { delay_request: 1 };
  const { echo, proxy } = await setUp(t, weights);
  const started = Date.now();
  const r = await post(proxy.origin);
  assert.equal(r.status, 200);
  assert.ok(echo.hits[0].at - started >= firstDelay(7, weights) - 5);
  assertCountedOnce(proxy.counts, "delay_request");
});

test("delay_response: the server gets it at once, the client its answer late", async (t) => {
  const weights = { delay_response: 1 };
  const { echo, proxy } = await setUp(t, weights);
  const started = Date.now();
  const r = await post(proxy.origin);
  assert.equal(r.status, 200);
  assert.ok(echo.hits[0].at - started < 500, "forwarded at once");
  assert.ok(r.ms >= firstDelay(7, weights) - 5, `answered after ${r.ms} ms`);
  assertCountedOnce(proxy.counts, "delay_response");
});

test("reorder: a held request reaches the server after a later one", async (t) => {
  // A seed whose first two decisions are reorder, then pass.
  const weights = { reorder: 0.5, pass: 0.5 };
  let seed = 1;
  for (;; seed++) {
    const next = decisions(seed, weights);
    if (next().kind === "reorder" && next().kind === "pass") break;
  }
  const { echo, proxy } = await setUp(t, weights, seed);
  const first = post(proxy.origin, "/api/projects/push?first");
  await new Promise((resolve) => setTimeout(resolve, 50));
  const second = await post(proxy.origin, "/api/projects/push?second");
  assert.equal(second.status, 200);
  assert.equal((await first).status, 200);
  assert.deepEqual(
    echo.hits.map((h) => h.url),
    ["/api/projects/push?second", "/api/projects/push?first"],
  );
  assert.equal(proxy.counts.reorder, 1);
  assert.equal(proxy.counts.pass, 1);
});

test("duplicate: the server gets it twice, the client one answer", async (t) => {
  const { echo, proxy } = await setUp(t, { duplicate: 1 });
  const r = await post(proxy.origin);
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.text).url, "/api/projects/push");
  assert.equal(echo.hits.length, 2);
  assertCountedOnce(proxy.counts, "duplicate");
});

test("drop_response: the server processed it, the client's connection is cut", async (t) => {
  const { echo, proxy } = await setUp(t, { drop_response: 1 });
  const r = await post(proxy.origin);
  assert.ok(r.error, "the client got no answer");
  assert.equal(echo.hits.length, 1);
  assertCountedOnce(proxy.counts, "drop_response");
});

for (const [kind, status] of /** @type {const} */ ([["status_502", 502], ["status_503", 503]])) {
  test(`${kind}: answered ${status} without reaching the server`, async (t) => {
    const { echo, proxy } = await setUp(t, { [kind]: 1 });
    const r = await post(proxy.origin);
    assert.equal(r.status, status);
    assert.equal(echo.hits.length, 0);
    assertCountedOnce(proxy.counts, kind);
  });
}

test("truncate: a 200 whose body is cut in half", async (t) => {
  const { echo, proxy } = await setUp(t, { truncate: 1 });
  const r = await post(proxy.origin);
  const full = JSON.stringify({ method: "POST", url: "/api/projects/push", body: '{"n":1}' });
  assert.equal(r.status, 200);
  assert.equal(r.text, full.slice(0, Math.floor(full.length / 2)));
  assert.throws(() => JSON.parse(r.text));
  assert.equal(echo.hits.length, 1);
  assertCountedOnce(proxy.counts, "truncate");
});

test("reset: the connection is reset before anything is forwarded", async (t) => {
  const { echo, proxy } = await setUp(t, { reset: 1 });
  const r = await post(proxy.origin);
  assert.ok(r.error, "the client got no answer");
  assert.equal(echo.hits.length, 0);
  assertCountedOnce(proxy.counts, "reset");
});

test("the page and the package pass untouched; faults off draw no decision", async (t) => {
  const { echo, proxy } = await setUp(t, { reset: 1 });
  for (const path of ["/", "/pkg/studio_store.js", "/index.html"]) {
    const r = await post(proxy.origin, path);
    assert.equal(r.status, 200, path);
  }
  proxy.setFaults(false);
  assert.equal((await post(proxy.origin)).status, 200);
  assert.equal(echo.hits.length, 4);
  assert.deepEqual(proxy.state.log, []);
  assert.ok(FAULT_KINDS.every((k) => proxy.counts[k] === 0));
});

test("an upstream that is down is a 502, counted apart from injected faults", async (t) => {
  const proxy = await startProxy({ target: "http://127.0.0.1:9", seed: 1, weights: { pass: 1 } });
  t.after(() => proxy.close());
  const r = await post(proxy.origin);
  assert.equal(r.status, 502);
  assert.equal(proxy.state.upstreamErrors, 1);
});

test("the same seed gives the same decisions; another seed others", async (t) => {
  /** The kinds met by 40 requests in a row through a proxy seeded `seed`. */
  const sequence = async (/** @type {number} */ seed) => {
    const weights = { pass: 0.4, status_502: 0.3, status_503: 0.3 };
    const { proxy } = await setUp(t, weights, seed);
    for (let i = 0; i < 40; i++) await post(proxy.origin, `/api/canvas/pull?i=${i}`);
    const kinds = proxy.state.log.map((d) => d.kind);
    assert.deepEqual(kinds, Array.from({ length: 40 }, decisions(seed, weights)).map((d) => d.kind));
    return kinds;
  };
  const a = await sequence(42);
  assert.deepEqual(await sequence(42), a);
  assert.notDeepEqual(await sequence(43), a);
  assert.ok(new Set(a).size === 3, "every kind met");
});

test("the poke channel is piped without a decision of its own", async (t) => {
  const { proxy } = await setUp(t, { reset: 1 });
  const res = await fetch(`${proxy.origin}/api/events?client_id=x`);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).url, "/api/events?client_id=x");
  assert.equal(proxy.state.log.length, 0, "no fault decision drawn for the stream");
});

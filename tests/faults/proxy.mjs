// @ts-check
/**
 * A seeded fault-injecting HTTP proxy on loopback, in front of the real server.
 *
 * Every request under `/api/` (push, pull, `/api/me`: all the client syncs with) gets
 * one decision from a seeded PRNG, drawn in arrival order: pass it, delay it, hold it
 * until a later request has been answered (reordering), answer 502/503 without
 * forwarding, reset the connection before forwarding, forward it twice at once and
 * answer with one, delay the answer, cut the answer's body short, or drop the answer
 * after the server processed it. Anything else (the page, `/pkg`) passes untouched, so
 * a page always loads. The same seed gives the same sequence of decisions; which
 * request meets which decision depends on arrival order, which the browser decides.
 *
 * An upstream that does not answer (the server killed) is a 502, counted apart.
 *
 * The poke channel (`/api/events`, a stream that stays open) is piped, never read whole,
 * and draws no decision; with faults on, each stream is cut at a seeded moment 0.5–5 s
 * in (counted as `streamCuts`): the client must reconnect, and poll meanwhile.
 */
import http from "node:http";

/** What a decision can be, and how often (out of 1) when faults are on. */
export const FAULT_WEIGHTS = Object.freeze({
  pass: 0.55,
  delay_request: 0.06,
  delay_response: 0.06,
  reorder: 0.06,
  duplicate: 0.06,
  drop_response: 0.05,
  status_502: 0.04,
  status_503: 0.04,
  truncate: 0.04,
  reset: 0.04,
});
export const FAULT_KINDS = /** @type {(keyof typeof FAULT_WEIGHTS)[]} */ (Object.keys(FAULT_WEIGHTS));
/** Longest delay or hold (ms): past a client's request timeout, so a late copy of a
 * request the client gave up on reaches the server after its retry. */
export const MAX_DELAY_MS = 3000;

/**
 * mulberry32: a small, fast, seedable PRNG; floats in [0, 1).
 * @param {number} seed
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * @typedef {{ kind: keyof typeof FAULT_WEIGHTS, ms: number }} Decision
 */

/**
 * The seeded sequence of decisions: each one a kind by weight, and a delay for the
 * kinds that wait.
 * @param {number} seed
 * @param {Record<string, number>} [weights]
 * @returns {() => Decision}
 */
export function decisions(seed, weights = FAULT_WEIGHTS) {
  const random = mulberry32(seed);
  const kinds = Object.entries(weights);
  const total = kinds.reduce((sum, [, w]) => sum + w, 0);
  return () => {
    let r = random() * total;
    const ms = 20 + Math.floor(random() * (MAX_DELAY_MS - 20));
    for (const [kind, w] of kinds) {
      r -= w;
      if (r < 0) return { kind: /** @type {Decision["kind"]} */ (kind), ms };
    }
    return { kind: /** @type {Decision["kind"]} */ (kinds[kinds.length - 1][0]), ms };
  };
}

/** @param {string} url */
function faultable(url) {
  return url.startsWith("/api/");
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @param {http.IncomingMessage} req @returns {Promise<Buffer>} */
function readBody(req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Hop-by-hop headers, and the length the proxy sets itself. */
const DROPPED_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "host"]);

/** @param {http.IncomingHttpHeaders} headers */
function endToEnd(headers) {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !DROPPED_HEADERS.has(k)));
}

/**
 * @typedef {{ status: number, headers: http.IncomingHttpHeaders, body: Buffer }} Upstream
 */

/**
 * One request to the server, its answer read whole. A fresh connection each time, so a
 * killed server never leaves a stale pooled one behind.
 * @param {URL} target @param {http.IncomingMessage} req @param {Buffer} body
 * @returns {Promise<Upstream>}
 */
function forward(target, req, body) {
  return new Promise((resolve, reject) => {
    const up = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...endToEnd(req.headers), host: target.host, "content-length": body.length },
        agent: false,
      },
      (res) => {
        readBody(res).then((b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }), reject);
      },
    );
    up.on("error", reject);
    up.end(body);
  });
}

/** @param {http.ServerResponse} res @param {Upstream} up */
function answer(res, up) {
  res.writeHead(up.status, { ...endToEnd(up.headers), "content-length": up.body.length });
  res.end(up.body);
}

/** @param {http.ServerResponse} res @param {number} status @param {string} text */
function answerText(res, status, text) {
  res.writeHead(status, { "content-type": "text/plain", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Starts the proxy.
 * @param {{ target: string, seed: number, port?: number, weights?: Record<string, number> }} options
 */
export async function startProxy({ target, seed, port = 0, weights = FAULT_WEIGHTS }) {
  const upstream = new URL(target);
  const next = decisions(seed, weights);
  /** @type {Record<string, number>} */
  const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0]));
  const state = {
    faults: true,
    upstreamErrors: 0,
    streamCuts: 0,
    /** Every decision taken, in order, with the request it met. */
    log: /** @type {{ kind: string, method: string, url: string }[]} */ ([]),
  };
  /** Requests held for reordering: released once a later one has been answered. */
  /** @type {Set<() => void>} */
  const held = new Set();
  const releaseHeld = () => {
    for (const release of held) release();
    held.clear();
  };

  /** Forwards, turning an upstream failure into a 502 counted apart. */
  const send = async (/** @type {http.IncomingMessage} */ req, /** @type {Buffer} */ body) => {
    try {
      return await forward(upstream, req, body);
    } catch {
      state.upstreamErrors++;
      return { status: 502, headers: { "content-type": "text/plain" }, body: Buffer.from("upstream down") };
    }
  };

  const cutAfter = mulberry32((seed ^ 0x5eed) >>> 0);
  /** Pipes the poke channel's stream; cuts it at a seeded moment when faults are on. */
  const stream = (/** @type {http.IncomingMessage} */ req, /** @type {http.ServerResponse} */ res) => {
    const up = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...endToEnd(req.headers), host: upstream.host },
        agent: false,
      },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, endToEnd(ur.headers));
        ur.pipe(res);
      },
    );
    up.on("error", () => {
      if (res.headersSent) res.destroy();
      else answerText(res, 502, "upstream down");
    });
    req.pipe(up);
    res.on("close", () => up.destroy());
    if (state.faults) {
      const timer = setTimeout(() => {
        state.streamCuts++;
        res.destroy();
      }, 500 + cutAfter() * 4500);
      res.on("close", () => clearTimeout(timer));
    }
  };

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  const handle = async (req, res) => {
    if ((req.url ?? "").startsWith("/api/events")) return stream(req, res);
    const body = await readBody(req);
    if (!state.faults || !faultable(req.url ?? "")) {
      answer(res, await send(req, body));
      return;
    }
    const d = next();
    counts[d.kind]++;
    state.log.push({ kind: d.kind, method: req.method ?? "", url: req.url ?? "" });
    switch (d.kind) {
      case "pass":
        return answer(res, await send(req, body));
      case "delay_request":
        await sleep(d.ms);
        return answer(res, await send(req, body));
      case "reorder":
        await new Promise((resolve) => {
          held.add(() => resolve(undefined));
          setTimeout(resolve, d.ms);
        });
        return answer(res, await send(req, body));
      case "delay_response": {
        const up = await send(req, body);
        await sleep(d.ms);
        return answer(res, up);
      }
      case "duplicate": {
        const [first] = await Promise.all([send(req, body), send(req, body)]);
        return answer(res, first);
      }
      case "drop_response":
        await send(req, body);
        return void res.destroy();
      case "status_502":
        return answerText(res, 502, "injected: bad gateway");
      case "status_503":
        return answerText(res, 503, "injected: unavailable");
      case "truncate": {
        // No length, half the body, a clean end: the client reads a cut 200.
        const up = await send(req, body);
        res.writeHead(up.status, endToEnd(up.headers));
        return void res.end(up.body.subarray(0, Math.floor(up.body.length / 2)));
      }
      case "reset":
        return void req.socket.resetAndDestroy();
    }
  };

  const server = http.createServer((req, res) => {
    res.on("error", () => {});
    req.on("error", () => {});
    handle(req, res)
      .catch(() => res.destroy())
      .finally(() => {
        if (faultable(req.url ?? "")) releaseHeld();
      });
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(undefined)));
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    origin: `http://127.0.0.1:${address.port}`,
    port: address.port,
    counts,
    state,
    /** Faults on or off (off: everything passes, no decision is drawn). */
    setFaults(/** @type {boolean} */ on) {
      state.faults = on;
      if (!on) releaseHeld();
    },
    close() {
      releaseHeld();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

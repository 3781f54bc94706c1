// Page-side helpers shared by the benchmark pages (graph-layout, store): seeded data
// and promise wrappers for raw IndexedDB. Served by each runner at /lib/page.js.

// Seeded PRNG so every run (and every contender) sees the same graph and ops.
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

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function uuid(rand) {
  const b = Array.from({ length: 16 }, () => Math.floor(rand() * 256));
  b[6] = (b[6] & 0x0f) | 0x40; // v4 shape, so ids look like crypto.randomUUID()
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.map((x) => HEX[x]).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const WORDS = (
  "cinematic portrait of a fox in misty forest neon city street at night " +
  "watercolor lighthouse dusk soft light product shot ceramic mug studio " +
  "isometric castle floating island golden hour macro dewdrop leaf"
).split(" ");

export const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function req(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

export function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
}

/** Opens `name` (at `version`, or its current one), running `upgrade` if it is new. */
export function openDb(name, version, upgrade) {
  return new Promise((resolve, reject) => {
    const r = version ? indexedDB.open(name, version) : indexedDB.open(name);
    if (upgrade) r.onupgradeneeded = () => upgrade(r.result);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
    r.onblocked = () => reject(new Error(`open ${name} blocked`));
  });
}

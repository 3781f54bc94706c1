// Runner-side helpers shared by the benchmark runners (graph-layout, store).

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  // Lets the page collect garbage between samples, outside the timed window.
  "--js-flags=--expose-gc",
];

const sorted = (s) => [...s].sort((x, y) => x - y);

export const median = (s) => {
  const a = sorted(s);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
};

/** Nearest rank. */
export const pct = (s, p) => {
  const a = sorted(s);
  return a[Math.max(0, Math.ceil(p * a.length) - 1)];
};

/**
 * At most one call per `ms`, leading and trailing: the first change goes out at once,
 * the last one always goes out. `flush` sends a waiting call now (on unmount).
 */
export function throttle<A extends unknown[]>(fn: (...args: A) => void, ms: number) {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let waiting: A | null = null;
  const fire = () => {
    timer = null;
    if (waiting === null) return;
    const args = waiting;
    waiting = null;
    last = Date.now();
    fn(...args);
  };
  const call = (...args: A) => {
    waiting = args;
    if (timer !== null) return;
    const wait = last + ms - Date.now();
    if (wait <= 0) fire();
    else timer = setTimeout(fire, wait);
  };
  call.flush = () => {
    if (timer !== null) clearTimeout(timer);
    fire();
  };
  return call;
}

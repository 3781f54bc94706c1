import { useEffect, useLayoutEffect, useRef, useState } from "react";
import type { Id, WatchTopic } from "studio-store";
import { useStore } from "./store";

export type Watch = readonly [topic: WatchTopic, id: Id | null];

export type Live<T> =
  | { status: "loading" }
  | { status: "ready"; value: T }
  | { status: "error"; error: unknown };

/**
 * Runs `load` now and again whenever one of the watched topics changes (an edit here,
 * in another tab, or pulled from the server). `key` names what `load` reads: a new key
 * reads "loading" until its first answer, while new watches only load again.
 */
export function useLive<T>(load: () => Promise<T>, watches: readonly Watch[], key: string): Live<T> {
  const store = useStore();
  const [state, setState] = useState<{ key: string; live: Live<T> } | null>(null);
  const loadRef = useRef(load);
  useLayoutEffect(() => {
    loadRef.current = load;
  });
  const watchKey = JSON.stringify(watches);

  useEffect(() => {
    let alive = true;
    let ticket = 0;
    const run = () => {
      // Loads may finish out of order; only the latest one may land.
      const mine = ++ticket;
      const settle = (live: Live<T>) => alive && mine === ticket && setState({ key, live });
      loadRef.current().then(
        (value) => settle({ status: "ready", value }),
        (error: unknown) => settle({ status: "error", error }),
      );
    };
    const stops = (JSON.parse(watchKey) as Watch[]).map(([topic, id]) => store.watch(topic, id, run));
    // After subscribing, so a change between this load and the subscription is not missed.
    run();
    return () => {
      alive = false;
      for (const stop of stops) stop();
    };
  }, [store, key, watchKey]);

  return state !== null && state.key === key ? state.live : { status: "loading" };
}

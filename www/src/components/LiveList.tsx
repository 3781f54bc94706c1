import type { ReactNode } from "react";
import { errorMessage } from "../lib/store";
import type { Live } from "../lib/useLive";

/** A live list as the pages show it: loading, the error, an empty note, or the items. */
export function LiveList<T>({
  live,
  empty,
  children,
}: {
  live: Live<T[]>;
  empty: string;
  children: (item: T) => ReactNode;
}) {
  if (live.status === "loading") return <p className="muted">Loading…</p>;
  if (live.status === "error") return <p className="error">{errorMessage(live.error)}</p>;
  if (live.value.length === 0) return <p className="muted">{empty}</p>;
  return <ul className="list">{live.value.map(children)}</ul>;
}

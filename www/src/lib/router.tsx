import { useSyncExternalStore, type MouseEvent, type ReactNode } from "react";

/**
 * Routes are real paths (`/canvas/villa/ground-floor`), the studio's /canvas paths, kept
 * with the history API. The reference server answers index.html for every app path, so a
 * deep link, a reload or a shared link opens the same page.
 */
export type Route =
  | { page: "projects" }
  | { page: "files"; projectSlug: string }
  | { page: "editor"; projectSlug: string; fileSlug: string }
  | { page: "not-found"; path: string };

export function parseRoute(path: string): Route {
  let parts: string[];
  try {
    parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent);
  } catch {
    // A malformed escape (`/canvas/%E0`): a path nobody can have linked to.
    return { page: "not-found", path };
  }
  if (parts.length === 0 || (parts.length === 1 && parts[0] === "projects")) return { page: "projects" };
  const [head, projectSlug, fileSlug, ...rest] = parts;
  if (head === "canvas" && projectSlug !== undefined && rest.length === 0) {
    return fileSlug === undefined ? { page: "files", projectSlug } : { page: "editor", projectSlug, fileSlug };
  }
  return { page: "not-found", path };
}

/** Fired on `window` after `navigate` changed the path: pushState fires no event. */
const NAVIGATED = "studio:navigate";

function currentPath(): string {
  return location.pathname || "/";
}

function subscribe(onChange: () => void): () => void {
  addEventListener("popstate", onChange);
  addEventListener(NAVIGATED, onChange);
  return () => {
    removeEventListener("popstate", onChange);
    removeEventListener(NAVIGATED, onChange);
  };
}

export function useRoute(): Route {
  return parseRoute(useSyncExternalStore(subscribe, currentPath));
}

/** The app path of a project (`/canvas/villa`) or of one of its files. */
export function canvasPath(projectSlug: string, fileSlug?: string): string {
  const p = `/canvas/${encodeURIComponent(projectSlug)}`;
  return fileSlug === undefined ? p : `${p}/${encodeURIComponent(fileSlug)}`;
}

export function navigate(path: string): void {
  if (path === currentPath()) return;
  history.pushState(null, "", path);
  dispatchEvent(new Event(NAVIGATED));
}

/**
 * A link to an app path: a real href, so new-tab and copy-link just work; a plain click
 * changes the route in place instead of reloading the app.
 */
export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} className={className} onClick={onClick}>
      {children}
    </a>
  );
}

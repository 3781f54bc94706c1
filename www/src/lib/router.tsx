import { useSyncExternalStore, type ReactNode } from "react";

/**
 * Routes live in the URL's hash (`/#/canvas/villa/ground-floor`): the reference server
 * serves www/ as plain files with no fallback to index.html, so a history-API path
 * would 404 on reload. The paths themselves are the studio's /canvas paths.
 */
export type Route =
  | { page: "projects" }
  | { page: "files"; projectSlug: string }
  | { page: "editor"; projectSlug: string; fileSlug: string }
  | { page: "not-found"; path: string };

export function parseRoute(path: string): Route {
  const parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent);
  if (parts.length === 0) return { page: "projects" };
  const [head, projectSlug, fileSlug, ...rest] = parts;
  if (head === "canvas" && projectSlug !== undefined && rest.length === 0) {
    return fileSlug === undefined ? { page: "files", projectSlug } : { page: "editor", projectSlug, fileSlug };
  }
  return { page: "not-found", path };
}

function currentPath(): string {
  return location.hash.replace(/^#/, "") || "/";
}

function subscribe(onChange: () => void): () => void {
  addEventListener("hashchange", onChange);
  return () => removeEventListener("hashchange", onChange);
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
  location.hash = path;
}

/** A link to an app path: a plain hash link, so new-tab and copy-link just work. */
export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  return (
    <a href={`#${to}`} className={className}>
      {children}
    </a>
  );
}

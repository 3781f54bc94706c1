import { useEffect, useState } from "react";
import type { CanvasFile, Project } from "studio-store";
import { CanvasEditor } from "../canvas/CanvasEditor";
import { canvasPath, Link } from "../lib/router";
import { errorMessage, useStore } from "../lib/store";
import { useLive, type Watch } from "../lib/useLive";

/**
 * `/canvas/:projectSlug/:fileSlug`: resolves the slugs offline (two index lookups in
 * the store) and opens the file's graph.
 */
export function EditorPage({ projectSlug, fileSlug }: { projectSlug: string; fileSlug: string }) {
  const resolved = useResolvedFile(projectSlug, fileSlug);

  if (resolved.status === "loading") return <p className="page muted">Opening…</p>;
  if (resolved.status === "error") return <p className="page error">{errorMessage(resolved.error)}</p>;
  const { file } = resolved.value;
  if (file === null) {
    return (
      <section className="page">
        <h1>
          No file “{fileSlug}” in “{projectSlug}”
        </h1>
        <p className="muted">
          It may not have synced to this device yet; this page opens it when it arrives.{" "}
          <Link to={canvasPath(projectSlug)}>Back to the project</Link>
        </p>
      </section>
    );
  }
  // Keyed by id: another file under the same URL (deleted, then re-created) is a new editor.
  return <CanvasEditor key={file.id} projectSlug={projectSlug} file={file} />;
}

/**
 * The file behind the slugs, kept current. There is no topic for "a file with this
 * slug", so this watches the project list (the project may arrive by sync) and, once
 * the project is known, its files (the file may arrive, be renamed or be deleted).
 */
function useResolvedFile(projectSlug: string, fileSlug: string) {
  const store = useStore();
  const [projectId, setProjectId] = useState<Project["id"] | null>(null);
  const watches: Watch[] = [["projects", null]];
  if (projectId !== null) watches.push(["files", projectId]);
  const live = useLive<{ project: Project | null; file: CanvasFile | null }>(
    async () => {
      const project = await store.projects.bySlug(projectSlug);
      const file = project === null ? null : await store.canvas.fileBySlug(projectSlug, fileSlug);
      return { project, file };
    },
    watches,
    `${projectSlug}/${fileSlug}`,
  );
  const foundProject = live.status === "ready" ? (live.value.project?.id ?? null) : null;
  useEffect(() => setProjectId(foundProject), [foundProject]);
  return live;
}

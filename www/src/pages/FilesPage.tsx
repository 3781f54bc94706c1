import { useState } from "react";
import type { CanvasFile, Project } from "studio-store";
import { LiveList } from "../components/LiveList";
import { NameForm } from "../components/NameForm";
import { useToast } from "../components/Toasts";
import { canvasPath, Link, navigate } from "../lib/router";
import { errorMessage, useStore } from "../lib/store";
import { useLive } from "../lib/useLive";

/** `/canvas/:projectSlug`: the project's files. */
export function FilesPage({ projectSlug }: { projectSlug: string }) {
  const store = useStore();
  // Watching `projects` also brings in a project this device has not pulled yet.
  const project = useLive(() => store.projects.bySlug(projectSlug), [["projects", null]], projectSlug);

  if (project.status === "loading") return <p className="page muted">Loading…</p>;
  if (project.status === "error") return <p className="page error">{errorMessage(project.error)}</p>;
  if (project.value === null) {
    return (
      <section className="page">
        <h1>No project “{projectSlug}”</h1>
        <p className="muted">It may not have synced to this device yet; this page updates when it does.</p>
      </section>
    );
  }
  return <FileList project={project.value} />;
}

function FileList({ project }: { project: Project }) {
  const store = useStore();
  const notify = useToast();
  const files = useLive(() => store.canvas.filesByProject(project.id), [["files", project.id]], project.id);

  const create = async (name: string) => {
    try {
      const f = await store.canvas.createFile({ projectId: project.id, name });
      navigate(canvasPath(project.slug, f.slug));
    } catch (err) {
      notify(`Could not create the file: ${errorMessage(err)}`);
      throw err;
    }
  };

  return (
    <section className="page">
      <h1>{project.name}</h1>
      <NameForm label="File name" action="Create file" onSubmit={create} />
      <LiveList live={files} empty="No files yet.">
        {(f) => <FileRow key={f.id} project={project} file={f} />}
      </LiveList>
    </section>
  );
}

function FileRow({ project, file }: { project: Project; file: CanvasFile }) {
  const store = useStore();
  const notify = useToast();
  const [mode, setMode] = useState<"view" | "rename" | "confirm-delete">("view");

  const rename = async (name: string) => {
    try {
      // The slug stays: links to the file keep working after a rename.
      await store.canvas.updateFile(file.id, { name });
      setMode("view");
    } catch (err) {
      notify(`Could not rename the file: ${errorMessage(err)}`);
      throw err;
    }
  };

  const remove = async () => {
    try {
      await store.canvas.deleteFile(file.id);
    } catch (err) {
      notify(`Could not delete the file: ${errorMessage(err)}`);
      setMode("view");
    }
  };

  if (mode === "rename") {
    return (
      <li>
        <NameForm label="New name" action="Save" initial={file.name} onSubmit={rename} onCancel={() => setMode("view")} />
      </li>
    );
  }
  return (
    <li>
      <Link to={canvasPath(project.slug, file.slug)}>{file.name}</Link>
      <span className="slug">/{file.slug}</span>
      <span className="row-actions">
        {mode === "view" ? (
          <>
            <button type="button" onClick={() => setMode("rename")}>
              Rename
            </button>
            <button type="button" onClick={() => setMode("confirm-delete")}>
              Delete
            </button>
          </>
        ) : (
          <>
            <button type="button" className="danger" onClick={remove}>
              Delete “{file.name}” and its canvas
            </button>
            <button type="button" onClick={() => setMode("view")}>
              Keep
            </button>
          </>
        )}
      </span>
    </li>
  );
}

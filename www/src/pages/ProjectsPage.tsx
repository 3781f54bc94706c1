import { NameForm } from "../components/NameForm";
import { useToast } from "../components/Toasts";
import { canvasPath, Link, navigate } from "../lib/router";
import { errorMessage, useStore } from "../lib/store";
import { useLive } from "../lib/useLive";

/** `/`: every project on this device (synced ones included), and a way to make one. */
export function ProjectsPage() {
  const store = useStore();
  const notify = useToast();
  const projects = useLive(() => store.projects.list(), [["projects", null]], "");

  const create = async (name: string) => {
    try {
      const p = await store.projects.create({ name });
      navigate(canvasPath(p.slug));
    } catch (err) {
      notify(`Could not create the project: ${errorMessage(err)}`);
      throw err;
    }
  };

  return (
    <section className="page">
      <h1>Projects</h1>
      <NameForm label="Project name" action="Create project" onSubmit={create} />
      {projects.status === "loading" && <p className="muted">Loading…</p>}
      {projects.status === "error" && <p className="error">{errorMessage(projects.error)}</p>}
      {projects.status === "ready" &&
        (projects.value.length === 0 ? (
          <p className="muted">No projects yet.</p>
        ) : (
          <ul className="list">
            {projects.value.map((p) => (
              <li key={p.id}>
                <Link to={canvasPath(p.slug)}>{p.name}</Link>
                <span className="slug">/{p.slug}</span>
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}

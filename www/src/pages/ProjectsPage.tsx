import { LiveList } from "../components/LiveList";
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
      <LiveList live={projects} empty="No projects yet.">
        {(p) => (
          <li key={p.id}>
            <Link to={canvasPath(p.slug)}>{p.name}</Link>
            <span className="slug">/{p.slug}</span>
          </li>
        )}
      </LiveList>
    </section>
  );
}

import { StatusBar } from "./components/StatusBar";
import { canvasPath, Link, useRoute, type Route } from "./lib/router";
import { EditorPage } from "./pages/EditorPage";
import { FilesPage } from "./pages/FilesPage";
import { ProjectsPage } from "./pages/ProjectsPage";

export function App() {
  const route = useRoute();
  return (
    <div className="app">
      <header className="app-header">
        <Breadcrumbs route={route} />
      </header>
      <main className="app-main">
        <Page route={route} />
      </main>
      <StatusBar />
    </div>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "projects":
      return <ProjectsPage />;
    case "files":
      return <FilesPage projectSlug={route.projectSlug} />;
    case "editor":
      return <EditorPage projectSlug={route.projectSlug} fileSlug={route.fileSlug} />;
    case "not-found":
      return (
        <section className="page">
          <h1>Nothing at {route.path}</h1>
          <Link to="/">All projects</Link>
        </section>
      );
  }
}

/** Slugs, not names: they are what the URL holds, and they are known before any read. */
function Breadcrumbs({ route }: { route: Route }) {
  return (
    <nav className="crumbs" aria-label="Breadcrumbs">
      <Link to="/">Projects</Link>
      {(route.page === "files" || route.page === "editor") && (
        <>
          <span aria-hidden="true">/</span>
          <Link to={canvasPath(route.projectSlug)}>{route.projectSlug}</Link>
        </>
      )}
      {route.page === "editor" && (
        <>
          <span aria-hidden="true">/</span>
          <span>{route.fileSlug}</span>
        </>
      )}
    </nav>
  );
}

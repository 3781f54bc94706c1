import "@xyflow/react/dist/style.css";
import "./styles.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { ToastProvider } from "./components/Toasts";
import { loadConfig } from "./lib/config";
import { registerServiceWorker } from "./lib/serviceWorker";
import { errorMessage, openStore, StoreProvider } from "./lib/store";

const root = createRoot(document.getElementById("root")!);

async function start() {
  registerServiceWorker();
  root.render(<p className="page muted">Opening the studio…</p>);
  const config = await loadConfig();
  if (config.localReason !== null) console.info(`studio: local only (${config.localReason})`);
  const store = await openStore(config);
  root.render(
    <StrictMode>
      <StoreProvider store={store}>
        <ToastProvider>
          <App />
        </ToastProvider>
      </StoreProvider>
    </StrictMode>,
  );
}

start().catch((err: unknown) => {
  // E.g. `version_blocked`: an old tab holds the database open during an upgrade.
  root.render(
    <section className="page">
      <h1>The studio could not open its local database</h1>
      <p className="error">{errorMessage(err)}</p>
      <button type="button" onClick={() => location.reload()}>
        Try again
      </button>
    </section>,
  );
});

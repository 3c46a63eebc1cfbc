// Entry point: picks the backend (Tauri in the Keyless window, HTTP when the browser bridge serves the page, else in-memory) and renders the app.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { App } from "./App";
import type { Backend } from "./ipc/backend";
import { runningInTauri, tauriBackend } from "./ipc/tauri";
import "./styles.css";
import "./content.css";
import "./forms.css";
import "./runs.css";
import "./inventory.css";
import "./migrate.css";

// Only the backend in use is loaded: the Keyless window never parses the HTTP client or the in-memory demo world.
async function chooseBackend(): Promise<Backend> {
  if (runningInTauri() || "__TAURI_INTERNALS__" in window) return tauriBackend;
  const origin = `${window.location.origin}/`;
  const { HttpBackend, servedByBridge } = await import("./ipc/http");
  if (await servedByBridge(origin)) return new HttpBackend(origin);
  const { MemoryBackend, scenarioFromQuery } = await import("./ipc/memory");
  return new MemoryBackend(scenarioFromQuery(window.location.search));
}

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root element");
const backend = await chooseBackend();
createRoot(root).render(
  <StrictMode>
    <App backend={backend} />
  </StrictMode>,
);

// Entry point: picks the Tauri backend inside the Keyless window, the in-memory one in a plain browser.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { App } from "./App";
import type { Backend } from "./ipc/backend";
import { MemoryBackend, scenarioFromQuery } from "./ipc/memory";
import { runningInTauri, tauriBackend } from "./ipc/tauri";
import "./styles.css";

const backend: Backend = runningInTauri() ? tauriBackend : new MemoryBackend(scenarioFromQuery(window.location.search));

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root element");
createRoot(root).render(
  <StrictMode>
    <App backend={backend} />
  </StrictMode>,
);

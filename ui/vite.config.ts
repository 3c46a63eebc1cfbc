// Vite build of the Keyless window, and Vitest: pure logic in Node (*.test.ts), components in happy-dom (*.test.tsx).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  // The Tauri window loads the files from its own origin, so every path stays relative to it.
  base: "./",
  clearScreen: false,
  server: { host: "127.0.0.1", port: 5173, strictPort: true },
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    // Inline assets would need `data:` in the CSP for more than images; keep them as files.
    assetsInlineLimit: 0,
  },
  test: {
    projects: [
      { extends: true, test: { name: "logic", environment: "node", include: ["src/**/*.test.ts"] } },
      {
        extends: true,
        test: { name: "components", environment: "happy-dom", include: ["src/**/*.test.tsx"], setupFiles: ["src/test-setup.ts"] },
      },
    ],
  },
});

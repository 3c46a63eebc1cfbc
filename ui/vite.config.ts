// Vite build of the Keyless window, and Vitest: pure logic in Node (*.test.ts), components in happy-dom (*.test.tsx).
import { defineConfig } from "vitest/config";

// The components are written against React's API (and type-checked with its types) but rendered
// by Preact's compatible layer: a quarter of the JavaScript at start (76 kB, not 290 kB) and a
// smaller web process, which runs it without a JIT (src-tauri/src/main.rs, bench/RESULTS.md).
// Vite's own JSX transform emits `react/jsx-runtime` imports, which land here too. In `npm run
// dev` an edit reloads the page (there is no Fast Refresh for Preact without Babel).
const preact = {
  "react/jsx-runtime": "preact/compat/jsx-runtime",
  "react/jsx-dev-runtime": "preact/compat/jsx-dev-runtime",
  "react-dom/client": "preact/compat/client",
  "react-dom/test-utils": "preact/test-utils",
  "react-dom": "preact/compat",
  react: "preact/compat",
};

export default defineConfig({
  resolve: { alias: preact },
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
    // Testing Library's React renderer goes through Vite (its ES module build, inlined) so that its
    // `react-dom` imports land on Preact as well: the component tests render what the window renders.
    server: { deps: { inline: [/@testing-library\/react/] } },
    alias: { "@testing-library/react": "@testing-library/react/dist/@testing-library/react.esm.js" },
    projects: [
      { extends: true, test: { name: "logic", environment: "node", include: ["src/**/*.test.ts"] } },
      {
        extends: true,
        test: { name: "components", environment: "happy-dom", include: ["src/**/*.test.tsx"], setupFiles: ["src/test-setup.ts"] },
      },
    ],
  },
});

// Starts keyless-browser-bridge (the desktop commands over loopback HTTP, serving ui/dist) for browser tests, and stops it.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

/**
 * Starts the bridge on a free port; once it printed its URL resolves to `{ url, pageUrl, token, emulatorUrl(), stop() }`:
 * `url` is its base URL, `pageUrl` the printed one (with the token the UI reads from its query).
 */
export async function startBridge(repo, { timeoutMs = 30_000 } = {}) {
  const binary = process.env.KEYLESS_BRIDGE_BINARY ?? join(repo, "target/debug/keyless-browser-bridge");
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing: build it with cargo build --workspace (scripts/test does)`);
  }
  const env = { ...process.env };
  // No KEYLESS_CLOUD: the bridge runs the built-in demo cloud.
  delete env.KEYLESS_CLOUD;
  const child = spawn(binary, ["--port", "0", "--ui-dir", join(repo, "ui/dist")], { cwd: repo, env, stdio: ["ignore", "pipe", "inherit"] });
  const pageUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`keyless-browser-bridge printed no URL within ${timeoutMs} ms`)), timeoutMs);
    child.once("exit", (code) => reject(new Error(`keyless-browser-bridge exited with ${code} before printing its URL`)));
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
  });
  const printed = new URL(pageUrl);
  const token = printed.searchParams.get("token");
  if (!token) throw new Error(`keyless-browser-bridge printed a URL without a token: ${pageUrl}`);
  const url = `${printed.origin}/`;
  return {
    url,
    pageUrl,
    token,
    /** The demo emulator's base URL, from the bridge (asked as the page asks: its origin and token). */
    async emulatorUrl() {
      const response = await fetch(new URL("bridge/emulator", url), {
        method: "POST",
        headers: { origin: printed.origin, "x-keyless-bridge-token": token },
      });
      if (!response.ok) throw new Error(`GET /bridge/emulator answered ${response.status}: ${await response.text()}`);
      return (await response.json()).url;
    },
    /** SIGTERM, which the bridge handles by shutting down gracefully. */
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

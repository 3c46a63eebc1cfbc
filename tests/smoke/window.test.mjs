// Smoke test of the real Keyless window under Xvfb: tauri-driver + WebKitWebDriver drive the built app,
// xdotool finds its X11 window and ImageMagick's import screenshots it.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { commandName, processTree } from "../processes.mjs";
import { startSession, waitForDriver } from "./webdriver.mjs";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "../..");
const APP = process.env.KEYLESS_APP_BINARY ?? join(REPO, "target/debug/keyless-app");
const SCREENSHOTS = join(REPO, "target/smoke-screenshots");
// The driver's and the app's output. Not this process's stdout or stderr: a daemon they start (WebKit's
// D-Bus, for one) would inherit the test runner's pipes, outlive the test and keep the runner waiting.
const CHILD_LOG = join(SCREENSHOTS, "children.log");
const TAURI_DRIVER = process.env.TAURI_DRIVER ?? "tauri-driver";
// Loopback ports away from tauri-driver's defaults, so a developer's own driver does not collide.
const DRIVER_PORT = 14444;
const NATIVE_PORT = 14445;
const DRIVER = `http://127.0.0.1:${DRIVER_PORT}`;

let driver;
let childLog;
/** Every process group this file started, swept at the end so nothing outlives the test. */
const startedGroups = new Set();

/**
 * Starts `command` in its own process group with its output in CHILD_LOG. Its own group, so the sweep
 * in `after` also reaches what it started (WebKitWebDriver, the app, WebKit's processes).
 */
function spawnLogged(command, args, env) {
  const child = spawn(command, args, { env, stdio: ["ignore", childLog, childLog], detached: true });
  startedGroups.add(child.pid);
  return child;
}

/** Kills whatever is left of the process groups this file started. */
function sweepProcessGroups() {
  for (const group of startedGroups) {
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      // ESRCH: the group is already gone.
    }
  }
  startedGroups.clear();
}

/** The last lines of CHILD_LOG, for a failure message. */
function childLogTail() {
  const lines = readFileSync(CHILD_LOG, "utf8").trimEnd().split("\n");
  return `last lines of ${CHILD_LOG}:\n${lines.slice(-30).join("\n")}`;
}

/** Starts tauri-driver with `theme` as the GTK theme, so WebKit reports that colour scheme to the page. */
async function startDriver(theme) {
  // A fresh config directory: the remembered window size of an earlier run must not leak in.
  const config = mkdtempSync(join(tmpdir(), "keyless-smoke-"));
  driver = spawnLogged(TAURI_DRIVER, ["--port", String(DRIVER_PORT), "--native-port", String(NATIVE_PORT)], {
    ...process.env,
    GTK_THEME: theme,
    XDG_CONFIG_HOME: config,
    KEYLESS_CLOUD: "",
  });
  try {
    await waitForDriver(DRIVER, 20_000);
  } catch (error) {
    throw new Error(`${error.message}\n${childLogTail()}`);
  }
}

/**
 * Stops tauri-driver with SIGTERM, so it ends WebKitWebDriver and the app itself; what it leaves after
 * 10 s goes with its whole process group.
 */
async function stopDriver() {
  if (!driver || driver.exitCode !== null || driver.signalCode !== null) return;
  const exited = new Promise((resolve) => driver.once("exit", resolve));
  driver.kill("SIGTERM");
  const timer = setTimeout(() => process.kill(-driver.pid, "SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

function x11(command, ...args) {
  return execFileSync(command, args, { encoding: "utf8" }).trim();
}

/** Polls xdotool until the process `pid` shows a visible window titled "Keyless"; returns its id. */
async function waitForWindow(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      return x11("xdotool", "search", "--all", "--onlyvisible", "--pid", String(pid), "--name", "^Keyless$").split("\n")[0];
    } catch {
      // xdotool exits 1 while no window matches.
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`no Keyless window appeared within ${timeoutMs} ms\n${childLogTail()}`);
}

function windowSize(windowId) {
  const geometry = x11("xdotool", "getwindowgeometry", "--shell", windowId);
  return `${/WIDTH=(\d+)/.exec(geometry)[1]}x${/HEIGHT=(\d+)/.exec(geometry)[1]}`;
}

/**
 * Starts the app directly (no driver) with `config` as its config home, as a user would: without
 * a JavaScriptCore setting of the caller's. Resolves to the process and its window.
 */
async function launchApp(config) {
  const environment = { ...process.env, XDG_CONFIG_HOME: config, KEYLESS_CLOUD: "" };
  delete environment.JSC_useJIT;
  const app = spawnLogged(APP, [], environment);
  return { app, windowId: await waitForWindow(app.pid, 30_000) };
}

/** Closes the window as a window manager would and waits for the app to exit; returns its exit code. */
async function closeGracefully({ app, windowId }) {
  const exited = new Promise((resolve) => app.once("exit", resolve));
  x11("python3", join(dirname(fileURLToPath(import.meta.url)), "close_window.py"), windowId);
  const timer = setTimeout(() => app.kill("SIGTERM"), 15_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

/** Screenshots the X11 window titled "Keyless" and returns its id, size and the brightness spread. */
function captureX11Window(name) {
  const windowId = x11("xdotool", "search", "--onlyvisible", "--name", "^Keyless$").split("\n")[0];
  const geometry = x11("xdotool", "getwindowgeometry", "--shell", windowId);
  const width = Number(/WIDTH=(\d+)/.exec(geometry)[1]);
  const height = Number(/HEIGHT=(\d+)/.exec(geometry)[1]);
  const path = join(SCREENSHOTS, `${name}.png`);
  x11("import", "-window", windowId, path);
  // A blank (single-colour) capture has a standard deviation of 0.
  const spread = Number(x11("convert", path, "-colorspace", "Gray", "-format", "%[fx:standard_deviation]", "info:"));
  return { windowId, width, height, spread, path };
}

before(() => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  childLog = openSync(CHILD_LOG, "w");
});
after(async () => {
  await stopDriver();
  sweepProcessGroups();
  closeSync(childLog);
});

describe("real window", () => {
  for (const theme of ["Adwaita", "Adwaita:dark"]) {
    const label = theme.endsWith(":dark") ? "dark" : "light";

    const signsIn = label === "light" ? ", then signs in with a device code over a Tauri channel" : "";
    test(`opens the wizard's Welcome screen with the demo session from Rust${signsIn} (${label})`, async () => {
      await startDriver(theme);
      const app = await startSession(DRIVER, APP);
      try {
        assert.equal(await app.title(), "Keyless");
        // The header is filled by the session_status command: this proves the IPC round trip and its capability.
        const status = await app.waitForText('[role="status"]', /^Ready\./, 20_000);
        assert.match(status, /Not signed in on the Demo cloud/);
        assert.match(await app.text(".cloud-badge"), /DEMO/);
        assert.equal(await app.text("h1"), "Service connections without secrets");
        // The wizard is live: nine steps in the rail, and the primary action leads to Sign in.
        assert.equal(await app.script("return document.querySelectorAll('.rail-step').length"), 9);
        assert.equal(await app.text(".app-footer .button-primary"), "Continue to sign in");
        assert.equal(await app.script("return document.querySelector('.app-footer .button-primary').disabled"), false);
        const scheme = await app.script("return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'");
        assert.equal(scheme, label);

        // WebKit may hand back the previous frame right after a change; let it paint.
        await new Promise((resolve) => setTimeout(resolve, 700));
        writeFileSync(join(SCREENSHOTS, `wizard-welcome-${label}.png`), await app.screenshotPng());

        const window = captureX11Window(`window-${label}`);
        assert.ok(window.width >= 960 && window.height >= 640, `window is ${window.width}x${window.height}`);
        assert.ok(window.spread > 0.02, `the window capture looks blank (spread ${window.spread})`);

        if (label === "light") {
          // A streaming command: sign_in takes a Tauri Channel for its events (the device code) and
          // answers the session once the demo cloud approved the code.
          const click = (css) => app.script(`document.querySelector(${JSON.stringify(css)}).click(); return true`);
          await click(".app-footer .button-primary");
          await app.waitForText("h1", /^Sign in$/, 10_000);
          await click(".app-footer .button-primary");
          await app.waitForText('[role="status"]', /Signed in as megan\.bowen@contoso\.com/, 30_000);
          assert.match(await app.text(".app-footer .button-primary"), /^Choose organizations$/);
        }
      } finally {
        await app.close();
        await stopDriver();
      }
    });
  }

  test("runs the window's JavaScript without a JIT compiler", async () => {
    const launched = await launchApp(mkdtempSync(join(tmpdir(), "keyless-jit-")));
    try {
      const webProcess = processTree(launched.app.pid).find((pid) => commandName(pid) === "WebKitWebProces");
      assert.ok(webProcess, "the window has a WebKit web process");
      const variables = readFileSync(`/proc/${webProcess}/environ`, "utf8").split("\0");
      assert.ok(variables.includes("JSC_useJIT=false"), "JavaScriptCore's JIT is switched off in the web process");
    } finally {
      assert.equal(await closeGracefully(launched), 0);
    }
  });

  test("remembers the window size across runs", async () => {
    const config = mkdtempSync(join(tmpdir(), "keyless-window-state-"));
    const first = await launchApp(config);
    assert.equal(windowSize(first.windowId), "1280x800", "first start uses tauri.conf.json's size");
    x11("xdotool", "windowsize", first.windowId, "1100", "700");
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await closeGracefully(first), 0);
    assert.ok(existsSync(join(config, "dev.keyless.desktop/.window-state.json")), "window state was saved");

    const second = await launchApp(config);
    // The plugin restores the size just after the window appears.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(windowSize(second.windowId), "1100x700");
    assert.equal(await closeGracefully(second), 0);
  });
});

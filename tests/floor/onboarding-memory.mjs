//! Memory of the real Keyless window after a whole demo onboarding: drives the release app through tauri-driver from Welcome to Done, then sums PSS over its processes.
// Run by scripts/floor under Xvfb:
//   node tests/floor/onboarding-memory.mjs <keyless-app binary> <settle seconds>
//   node tests/floor/onboarding-memory.mjs <empty window binary> <settle seconds> --first-screen-only
// Prints one line: "<PSS kB on the first screen> <PSS kB on Done> <processes> <ms from Welcome to
// Done> <WebDriver scripts run> <per-process kB on the first screen> <per-process kB on Done>"
// (with --first-screen-only, Done is the first screen again and the time and scripts 0). Readings are
// taken in a window driven by WebDriver, after the screen has settled, so the automation's own
// cost is in every one of them, and in the empty window's as well.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { commandName, processTree } from "../processes.mjs";
import { startSession, waitForDriver } from "../smoke/webdriver.mjs";
import { wizardPage } from "./page.mjs";

const [binary, settleArgument = "3", mode] = process.argv.slice(2);
const FIRST_SCREEN_ONLY = mode === "--first-screen-only";
if (!binary || (mode !== undefined && !FIRST_SCREEN_ONLY)) {
  console.error("usage: node tests/floor/onboarding-memory.mjs <app binary> [settle seconds] [--first-screen-only]");
  process.exit(2);
}
const APP = realpathSync(binary);
const SETTLE_MS = Number(settleArgument) * 1000;
const TAURI_DRIVER = process.env.TAURI_DRIVER ?? "tauri-driver";
// Loopback ports of their own, so a smoke test running at the same time does not collide.
const DRIVER_PORT = 14454;
const NATIVE_PORT = 14455;
const DRIVER = `http://127.0.0.1:${DRIVER_PORT}`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pid of the app among the driver's descendants (WebKitWebDriver starts it). */
function appPid(driverPid) {
  for (const pid of processTree(driverPid)) {
    try {
      if (readlinkSync(`/proc/${pid}/exe`) === APP) return pid;
    } catch {
      // Not ours to read, or already gone.
    }
  }
  throw new Error(`no ${APP} process under tauri-driver`);
}

/**
 * PSS in kB summed over the app and its WebKit processes, how many processes that is, and each
 * process's share as "name=kB" (where the memory is).
 */
function appPss(driverPid) {
  const tree = processTree(appPid(driverPid));
  measured = tree;
  let kb = 0;
  const shares = [];
  for (const pid of tree) {
    try {
      const own = Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))[1]);
      kb += own;
      shares.push(`${commandName(pid)}=${own}`);
    } catch {
      // A helper process that ended between listing and reading holds no memory.
    }
  }
  return { kb, processes: tree.length, shares: shares.join(",") };
}

/** The onboarding of tests/e2e/wizard-flow.mjs, in the real window: demo cloud, device code, contoso, app registration, Shop, shop-deploy. */
async function onboard(page) {
  await page.primary();

  await page.heading(/^Sign in$/);
  await page.check("radio", /Device code/);
  await page.click("button", /^Sign in with a device code$/);
  await page.visible("heading", /Signed in as/, 30_000);
  await page.click("button", /^Choose organizations$/, 30_000);

  await page.heading(/^Organizations$/);
  await page.fill(/Search organizations/, "contoso");
  await page.check("checkbox", /^contoso\s*\d+ projects?/);
  await page.click("button", /^Continue with 1 organization$/);

  await page.heading(/^Identity$/);
  await page.check("radio", /Create an app registration/);
  await page.primary();

  await page.heading(/^Access$/);
  await page.check("radio", /^Basic\b(?! \+)/);
  await page.check("checkbox", /^Readers in contoso \/ Shop$/);
  await page.click("button", /^Set up service connections$/);

  await page.heading(/^Service connections$/);
  await page.check("radio", /Azure Resource Manager/);
  await page.choose(/^Project$/, /^Shop$/);
  await page.fill(/^Connection name$/, "sc-shop-prod");
  await page.check("radio", /^Resource group/);
  await page.choose(/^Subscription$/, /Contoso Production/);
  await page.choose(/^Resource group$/, /^rg-shop-prod$/);
  await page.check("checkbox", /^shop-deploy$/);
  await page.present(".name-ok");
  await page.click("button", /^Review the plan for 1 connection$/);

  await page.heading(/^Review the plan$/);
  await page.visible("list", /^Plan summary$/, 60_000);
  await page.click("button", /^Apply \d+ changes?$/);

  await page.heading(/^Apply$/);
  await page.click("button", /^See the summary$/, 120_000);
  await page.heading(/ready|Almost done/);
  await page.visible("button", /Copy pipeline YAML for sc-shop-prod/);
  const done = await page.mainText();
  if (!/sc-shop-prod/.test(done)) throw new Error(`the Done screen does not name sc-shop-prod: ${done.slice(0, 400)}`);
}

// A fresh configuration, data and state home: no remembered session, window size or run.
const home = mkdtempSync(join(tmpdir(), "keyless-floor-onboarding-"));
const driver = spawn(TAURI_DRIVER, ["--port", String(DRIVER_PORT), "--native-port", String(NATIVE_PORT)], {
  env: {
    ...process.env,
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_DATA_HOME: join(home, "data"),
    XDG_STATE_HOME: join(home, "state"),
    KEYLESS_CLOUD: "",
  },
  stdio: ["ignore", "ignore", "inherit"],
});

/** Stops tauri-driver with SIGTERM: SIGKILL would orphan WebKitWebDriver and the app. */
async function stopDriver() {
  if (driver.exitCode !== null || driver.signalCode !== null) return;
  const exited = new Promise((resolve) => driver.once("exit", resolve));
  driver.kill("SIGTERM");
  await exited;
}

/**
 * Waits until the processes measured last have exited, ending them if WebKitWebDriver left them
 * behind: a window still open would share its libraries with the next launch and lower its PSS.
 */
async function awaitExit(pids) {
  const alive = () => pids.filter((pid) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "));
  for (const [signal, waitMs] of [[null, 10_000], ["SIGTERM", 10_000], ["SIGKILL", 5_000]]) {
    if (signal) for (const pid of alive()) process.kill(pid, signal);
    const deadline = Date.now() + waitMs;
    while (alive().length > 0 && Date.now() < deadline) await sleep(100);
    if (alive().length === 0) return;
  }
  throw new Error(`processes ${alive().join(", ")} outlived the session`);
}

let measured = [];
let session;
try {
  await waitForDriver(DRIVER, 20_000);
  session = await startSession(DRIVER, APP);
  if (FIRST_SCREEN_ONLY) {
    const deadline = Date.now() + 30_000;
    while ((await session.script("return document.readyState")) !== "complete") {
      if (Date.now() > deadline) throw new Error(`${APP} never finished loading its page`);
      await sleep(100);
    }
    await sleep(SETTLE_MS);
    const first = appPss(driver.pid);
    console.log(`${first.kb} ${first.kb} ${first.processes} 0 0 ${first.shares} ${first.shares}`);
  } else {
    await measureOnboarding(wizardPage(session));
  }
} finally {
  await session?.close().catch(() => {});
  await stopDriver();
  await awaitExit(measured);
  rmSync(home, { recursive: true, force: true });
}

/** Reads PSS on Welcome, walks the onboarding, reads it again on Done; prints the line. */
async function measureOnboarding(page) {
  await page.heading(/^Service connections without secrets$/, 30_000);
  await page.visible("radio", /Demo cloud/);
  await sleep(SETTLE_MS);
  const welcome = appPss(driver.pid);

  const started = Date.now();
  await onboard(page);
  const onboardingMs = Date.now() - started;
  await sleep(SETTLE_MS);
  const done = appPss(driver.pid);
  console.log(`${welcome.kb} ${done.kb} ${done.processes} ${onboardingMs} ${page.scripts()} ${welcome.shares} ${done.shares}`);
}

// Debian's Chromium through playwright-core, with the flags this closed network needs, and the screenshot folder.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const SCREENSHOTS = join(REPO, "target/e2e-screenshots");

// Without the background-networking flags Chromium tries to reach Google's hosts at every start,
// which this closed network refuses; --no-sandbox because CI runs as root.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

export async function launchChromium() {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: process.env.KEYLESS_CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS, timeout: 30_000 });
}

/**
 * The UI asks POST /bridge/emulator whether the bridge serves it: a static server answers 404, and
 * so does the bridge until the demo cloud starts. Chromium logs each 404 as a console error.
 */
const BRIDGE_PROBE = /\/bridge\/emulator$/;

/** Opens `url` in a fresh context and records every request and every console error but the bridge probe's. */
export async function openPage(browser, url, { colorScheme = "light", width = 1280, height = 800 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, reducedMotion: "reduce" });
  const page = await context.newPage();
  const requests = [];
  const problems = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => {
    const from = message.location()?.url ?? "";
    if (message.type() === "error" && !BRIDGE_PROBE.test(from)) {
      problems.push(message.text());
    }
  });
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(url);
  await page.getByRole("status").filter({ hasNotText: "Checking" }).waitFor({ state: "attached" });
  return { page, context, requests, problems };
}

/** Saves `name`-light.png and `name`-dark.png of the page as it is now. */
export async function screenshotBothThemes(page, name) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-light.png`) });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-dark.png`) });
  await page.emulateMedia({ colorScheme: "light" });
}

// Browser test of the built UI in Debian's Chromium, with the in-memory backend; saves screenshots.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

import { serveDirectory } from "./static-server.mjs";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "../..");
const SCREENSHOTS = join(REPO, "target/e2e-screenshots");
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

let server;
let browser;

before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  server = await serveDirectory(join(REPO, "ui/dist"));
  browser = await chromium.launch({
    executablePath: process.env.KEYLESS_CHROMIUM ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens the UI with a memory-backend scenario and records every request and console error. */
async function open(scenario, { colorScheme = "light", width = 1280, height = 800 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, reducedMotion: "reduce" });
  const page = await context.newPage();
  const requests = [];
  const problems = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(`${server.url}${scenario ? `?session=${scenario}` : ""}`);
  await page.getByRole("status").filter({ hasNotText: "Checking" }).waitFor({ state: "attached" });
  return { page, context, requests, problems };
}

async function screenshot(page, name) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

describe("welcome screen", () => {
  test("shows the demo cloud unmistakably, signed out, with Welcome the only open step", async () => {
    const { page, context, requests, problems } = await open(null);
    const header = page.getByRole("banner");
    assert.match(await header.innerText(), /Not signed in/);
    assert.match(await header.getByText(/DEMO/).innerText(), /DEMO · Demo/);
    assert.match(await page.getByRole("note", { name: "Demo cloud" }).innerText(), /nothing here changes/i);

    const rail = page.getByRole("navigation", { name: "Setup steps" });
    const steps = rail.getByRole("button");
    assert.equal(await steps.count(), 9);
    assert.equal(await rail.locator("[aria-current=step]").innerText(), "1\nWelcome\nCurrent step");
    assert.equal(await rail.getByRole("button", { disabled: true }).count(), 8);

    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Service connections without secrets");
    assert.ok(await page.getByRole("heading", { name: "What Keyless does not do" }).isVisible());
    assert.ok(await page.getByRole("button", { name: "Continue to sign in" }).isDisabled());

    await screenshot(page, "welcome-light");
    assert.deepEqual(problems, []);
    for (const url of requests) assert.ok(url.startsWith(server.url), `request left the app: ${url}`);
    await context.close();
  });

  test("renders the dark theme from the OS setting", async () => {
    const { page, context } = await open(null, { colorScheme: "dark" });
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(background, "rgb(16, 19, 24)");
    await screenshot(page, "welcome-dark");
    await context.close();
  });

  test("shows the signed-in account and a shortened tenant id with the full value on hover", async () => {
    const { page, context } = await open("signed-in");
    const header = page.getByRole("banner");
    assert.match(await header.innerText(), /Ada Lovelace/);
    const tenant = header.getByTitle("72f988bf-86f1-41af-91ab-2d7cd011db47");
    assert.equal(await tenant.innerText(), "72f988bf…d011db47");
    assert.ok(await header.getByRole("button", { name: /Copy tenant ID/ }).isVisible());
    await screenshot(page, "signed-in-light");
    await context.close();
  });

  test("drops the demo banner on a real cloud", async () => {
    const { page, context } = await open("azure", { colorScheme: "dark" });
    assert.match(await page.getByRole("banner").innerText(), /AzureCloud/);
    assert.equal(await page.getByRole("note", { name: "Demo cloud" }).count(), 0);
    await screenshot(page, "azure-signed-in-dark");
    await context.close();
  });

  test("explains a failed session check and retries", async () => {
    const { page, context } = await open("failed");
    const alert = page.getByRole("alert");
    assert.match(await alert.innerText(), /The demo cloud did not answer/);
    await alert.getByText("Details").click();
    assert.ok(await alert.getByText("demo-0000-request").isVisible());
    assert.equal(await page.locator('.rail [aria-current="step"] .rail-status').innerText(), "Needs attention");
    await screenshot(page, "session-failed-light");
    await alert.getByRole("button", { name: "Try again" }).click();
    await alert.waitFor({ state: "visible" });
    await context.close();
  });

  test("fits the minimum window without scrolling the rail, with a visible focus ring", async () => {
    const { page, context } = await open("signed-in", { width: 960, height: 640 });
    const rail = page.getByRole("navigation", { name: "Setup steps" });
    const overflows = await rail.evaluate((element) => element.scrollHeight > element.clientHeight);
    assert.equal(overflows, false);
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const element = document.activeElement;
      return { label: element?.getAttribute("aria-label"), outline: getComputedStyle(element).outlineStyle };
    });
    assert.match(focused.label ?? "", /Copy tenant ID/);
    assert.equal(focused.outline, "solid");
    await screenshot(page, "minimum-size-focus");
    await context.close();
  });
});

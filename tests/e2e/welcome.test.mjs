// Browser test of the built UI in Debian's Chromium, served statically so it runs on the in-memory backend; saves screenshots.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { REPO, SCREENSHOTS, launchChromium, openPage } from "./browser.mjs";
import { serveDirectory } from "./static-server.mjs";

let server;
let browser;

before(async () => {
  server = await serveDirectory(join(REPO, "ui/dist"));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const open = (scenario, options = {}) => openPage(browser, `${server.url}${scenario ? `?${scenario}` : ""}`, options);

async function screenshot(page, name) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

describe("welcome screen", () => {
  test("shows the demo cloud unmistakably, signed out, with Welcome and Sign in the only open steps", async () => {
    const { page, context, requests, problems } = await open(null);
    const header = page.getByRole("banner");
    assert.match(await header.innerText(), /Not signed in/);
    assert.match(await header.getByText(/DEMO/).innerText(), /DEMO · Demo/);
    assert.match(await page.getByRole("note", { name: "Demo cloud" }).innerText(), /nothing here changes/i);

    const rail = page.getByRole("navigation", { name: "Setup steps" });
    assert.equal(await rail.getByRole("button").count(), 9);
    assert.equal(await rail.locator("[aria-current=step]").innerText(), "1\nWelcome\nCurrent step");
    assert.equal(await rail.getByRole("button", { disabled: true }).count(), 7);

    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Service connections without secrets");
    assert.ok(await page.getByRole("heading", { name: "What Keyless does not do" }).isVisible());
    assert.ok(await page.getByRole("radio", { name: /Demo cloud/ }).isChecked());
    assert.ok(await page.getByRole("button", { name: "Continue to sign in" }).isEnabled());

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
    const { page, context } = await open("session=signed-in");
    const header = page.getByRole("banner");
    assert.match(await header.innerText(), /Megan Bowen/);
    const tenant = header.getByTitle("6b1f3c2a-4d5e-4f60-8a7b-9c0d1e2f3a4b");
    assert.equal(await tenant.innerText(), "6b1f3c2a…1e2f3a4b");
    assert.ok(await header.getByRole("button", { name: /Copy tenant ID/ }).isVisible());
    await screenshot(page, "signed-in-light");
    await context.close();
  });

  test("drops the demo banner on a real cloud", async () => {
    const { page, context } = await open("session=azure", { colorScheme: "dark" });
    assert.match(await page.getByRole("banner").innerText(), /AzureCloud/);
    assert.equal(await page.getByRole("note", { name: "Demo cloud" }).count(), 0);
    await screenshot(page, "azure-signed-in-dark");
    await context.close();
  });

  test("explains a failed session check and retries", async () => {
    const { page, context } = await open("session=failed");
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
    const { page, context } = await open("session=signed-in", { width: 960, height: 640 });
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

  test("stops a failed step with its fix, and Retry resumes the run (in-memory backend)", async () => {
    const { page, context } = await open("session=signed-in&apply=fail-once");
    const { completeOnboarding } = await import("./wizard-flow.mjs");
    const failure = completeOnboarding(page, async () => undefined, { stopAtApply: true });
    await failure;
    await page.getByText("Failed: Add a federated credential to kl-contoso-deployer for sc-shop-prod").waitFor({ timeout: 30_000 });
    await screenshot(page, "apply-failed-light");
    await page.getByRole("button", { name: "Retry from the failed step" }).click();
    await page.getByRole("button", { name: "See the summary" }).waitFor({ timeout: 30_000 });
    assert.match(await page.locator("main").innerText(), /resumed/);
    await context.close();
  });
});

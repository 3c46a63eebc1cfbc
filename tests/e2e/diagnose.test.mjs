// End-to-end: the Diagnose path in Chromium against keyless-browser-bridge and its demo cloud: a scope diagnosed, the
// connection whose credential differs in case found broken, fixed with progress, passing afterwards and undone; and a
// pasted pipeline log recognised.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { startBridge } from "./bridge.mjs";
import { REPO, launchChromium, openPage, screenshotBothThemes } from "./browser.mjs";

let bridge;
let browser;

before(async () => {
  bridge = await startBridge(REPO);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await bridge?.stop();
});

/** Welcome → Diagnose path → Sign in (device code on the demo cloud) → the Diagnose screen. */
async function openDiagnose(page) {
  const heading = page.getByRole("heading", { level: 1 });
  await heading.filter({ hasText: "Service connections without secrets" }).waitFor();
  await page.getByRole("radio", { name: /Diagnose a broken connection/ }).check();
  const rail = page.getByRole("navigation", { name: "Diagnose steps" });
  assert.deepEqual(await rail.locator(".rail-title").allInnerTexts(), ["Welcome", "Sign in", "Diagnose", "Findings", "Fix"]);
  await page.locator(".app-footer .button-primary").click();
  await heading.filter({ hasText: "Sign in" }).waitFor();
  if ((await page.getByRole("heading", { name: /Signed in as/ }).count()) === 0) {
    await page.getByRole("radio", { name: /Device code/ }).check();
    await page.getByRole("button", { name: "Sign in with a device code" }).click();
  }
  await page.getByRole("heading", { name: /Signed in as/ }).waitFor({ timeout: 30_000 });
  await page.getByRole("button", { name: "Choose what to diagnose" }).click();
  await heading.filter({ hasText: "Diagnose a broken connection" }).waitFor();
}

describe("the Diagnose path on the demo cloud", () => {
  test("diagnoses a project, fixes the broken connection, shows it passing and undoes the fix", async () => {
    const { page, context, requests, problems } = await openPage(browser, bridge.pageUrl);
    const heading = page.getByRole("heading", { level: 1 });
    const primary = page.locator(".app-footer .button-primary");
    await openDiagnose(page);

    await page.getByRole("radio", { name: "One project" }).check();
    await page.getByRole("combobox", { name: "Organization" }).fill("contoso");
    await page.getByRole("textbox", { name: "Project" }).fill("Shop");
    await screenshotBothThemes(page, "diagnose-01-scope");
    assert.equal(await primary.innerText(), "Diagnose contoso / Shop");
    await primary.click();

    await heading.filter({ hasText: "Findings" }).waitFor();
    const card = page.locator("li.diagnosis").filter({ has: page.getByRole("heading", { level: 3, name: "shop-case-mismatch" }) });
    await card.waitFor({ timeout: 30_000 });
    assert.equal(await card.locator(".diagnosis-health").innerText(), "Broken");
    assert.ok(await card.getByText("AADSTS7002138").isVisible());
    assert.ok((await card.locator("mark.diff").count()) >= 2, "the letters whose case differs are marked in both values");
    assert.match(await card.locator(".compared-summary").innerText(), /differ only in letter case/);
    const headings = await page.getByRole("heading", { level: 3 }).allInnerTexts();
    assert.equal(headings[0], "shop-case-mismatch", `broken connections come first: ${headings}`);
    await page.locator("main.panel").evaluate((panel) => panel.scrollTo({ top: 0 }));
    await screenshotBothThemes(page, "diagnose-02-findings");

    await card.getByRole("button", { name: "Fix shop-case-mismatch" }).click();
    await heading.filter({ hasText: "Fix" }).waitFor();
    await page.locator(".fix-plan").waitFor({ timeout: 30_000 });
    assert.match(await page.locator(".fix-plan").innerText(), /create/);
    await screenshotBothThemes(page, "diagnose-03-plan");
    assert.equal(await primary.innerText(), "Apply the fix");
    await primary.click();

    await page.locator(".notice-title").filter({ hasText: "shop-case-mismatch now passes" }).waitFor({ timeout: 60_000 });
    await screenshotBothThemes(page, "diagnose-04-passes");

    await page.getByRole("button", { name: /Undo the fix…/ }).click();
    const dialog = page.getByRole("alertdialog", { name: "Undo the fix of shop-case-mismatch?" });
    await dialog.getByRole("button", { name: /Undo the fix of shop-case-mismatch/ }).click();
    await page.locator(".notice-title").filter({ hasText: /Undone$/ }).waitFor({ timeout: 60_000 });
    await screenshotBothThemes(page, "diagnose-05-undone");
    await page.getByRole("navigation", { name: "Diagnose steps" }).getByRole("button", { name: /^Findings/ }).click();
    const again = page.locator("li.diagnosis").filter({ has: page.getByRole("heading", { level: 3, name: "shop-case-mismatch" }) });
    await again.locator(".diagnosis-health").filter({ hasText: "Broken" }).waitFor({ timeout: 30_000 });

    assert.deepEqual(problems, []);
    for (const url of requests) assert.ok(url.startsWith(bridge.url), `the page reached beyond the bridge: ${url}`);
    await context.close();
  });

  test("recognises a pasted pipeline log and names the connection it points to", async () => {
    const { page, context, problems } = await openPage(browser, bridge.pageUrl);
    const heading = page.getByRole("heading", { level: 1 });
    await openDiagnose(page);
    await page.getByRole("radio", { name: /Paste a pipeline log/ }).check();
    await page
      .getByRole("textbox", { name: /Pipeline log or error message/ })
      .fill(
        "2026-12-03T10:00:00Z ##[error]Failed to obtain the Json Web Token(JWT) using service principal client ID. Exception Message: AADSTS700213: No matching federated identity record found for presented assertion subject 'sc://contoso/Shop/shop-prod'.",
      );
    await page.locator(".app-footer .button-primary").click();
    await heading.filter({ hasText: "What the log says" }).waitFor();
    await page.getByText(/Recognised 1 failure/).waitFor({ timeout: 30_000 });
    assert.ok(await page.locator(".explanation .code-badge").filter({ hasText: "AADSTS700213" }).isVisible());
    await screenshotBothThemes(page, "diagnose-06-pasted-log");
    assert.deepEqual(problems, []);
    await context.close();
  });
});

// End-to-end: the Migrate path in Chromium against keyless-browser-bridge and its demo cloud: the inventory table, its filters and the choice for the plan.
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

/** The names of the table's rows, in the order shown. */
async function rowNames(page) {
  return page.locator(".inventory-table tbody th[scope=row] .connection-name").allInnerTexts();
}

describe("the Migrate path on the demo cloud", () => {
  test("lists the estate, filters it by class, organization and search, and keeps the connections chosen", async () => {
    const { page, context, requests, problems } = await openPage(browser, bridge.pageUrl);
    const heading = page.getByRole("heading", { level: 1 });
    const primary = page.locator(".app-footer .button-primary");

    await heading.filter({ hasText: "Service connections without secrets" }).waitFor();
    await page.getByRole("radio", { name: /Migrate existing connections/ }).check();
    const rail = page.getByRole("navigation", { name: "Migration steps" });
    assert.deepEqual(await rail.locator(".rail-title").allInnerTexts(), ["Welcome", "Sign in", "Inventory", "Plan", "Migrate", "Report"]);
    await primary.click();

    await heading.filter({ hasText: "Sign in" }).waitFor();
    if ((await page.getByRole("heading", { name: /Signed in as/ }).count()) === 0) {
      await page.getByRole("radio", { name: /Device code/ }).check();
      await page.getByRole("button", { name: "Sign in with a device code" }).click();
    }
    await page.getByRole("heading", { name: /Signed in as/ }).waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Take the inventory" }).click();

    // The whole demo estate, classified, with the issuer retirement note.
    await heading.filter({ hasText: "Inventory" }).waitFor();
    await page.getByRole("table", { name: /^Service connections/ }).waitFor({ timeout: 30_000 });
    assert.match(await page.getByText(/service connections in \d organizations/).innerText(), /^15 service connections in 3 organizations\./);
    const chips = page.getByRole("list", { name: "Connections per class" }).getByRole("button");
    assert.deepEqual(
      (await chips.allInnerTexts()).map((text) => text.replace(/\s+/g, " ").trim()),
      ["2 Needs attention", "1 Convert in place", "2 Credential first", "2 Token", "1 Shared", "2 Out of scope", "5 Zero secret"],
    );
    assert.ok(await page.getByText("1 connection still uses the Azure DevOps issuer, retiring 1 July 2027.").isVisible());
    assert.equal((await rowNames(page)).length, 15);
    await page.locator("main.panel").evaluate((panel) => panel.scrollTo({ top: 0 }));
    await screenshotBothThemes(page, "inventory-01-estate");

    // A class chip filters, and says it is pressed.
    const tokens = chips.filter({ hasText: "Token" });
    await tokens.click();
    assert.equal(await tokens.getAttribute("aria-pressed"), "true");
    assert.deepEqual((await rowNames(page)).sort(), ["fabrikam-repos-pat", "shop-nuget-feed"]);
    await tokens.click();

    // Organization and search filters.
    await page.getByRole("combobox", { name: "Organization" }).selectOption("contoso-platform");
    assert.deepEqual((await rowNames(page)).sort(), ["data-ingest-draft", "github-contoso", "landing-zones"]);
    await page.getByRole("button", { name: "Clear filters" }).first().click();
    await page.getByRole("searchbox", { name: "Search connections" }).fill("legacy");
    assert.deepEqual(await rowNames(page), ["shop-prod-legacy-issuer"]);
    await page.getByRole("button", { name: "Details of shop-prod-legacy-issuer" }).click();
    const details = page.locator(".inventory-details");
    assert.match(await details.innerText(), /Azure DevOps issuer, retiring 1 July 2027/);
    assert.equal(await details.getByTitle("sc://contoso/Shop/shop-prod-legacy-issuer").count(), 1);
    await details.scrollIntoViewIfNeeded();
    await screenshotBothThemes(page, "inventory-02-details");
    await page.getByRole("searchbox", { name: "Search connections" }).fill("");

    // Choose every shown connection that can be migrated; the others say why they cannot be.
    await page.getByRole("combobox", { name: "Organization" }).selectOption("contoso");
    const zeroSecret = page.getByRole("checkbox", { name: "Choose shop-prod in contoso / Shop" });
    assert.ok(await zeroSecret.isDisabled());
    await page.getByRole("checkbox", { name: /^Choose all \d+ shown connections? that can be migrated$/ }).check();
    assert.ok(await page.getByRole("checkbox", { name: /Choose shop-prod-secret/ }).isChecked());
    assert.ok(await page.getByRole("checkbox", { name: /Choose payments-terraform/ }).isChecked());
    const summary = page.getByRole("region", { name: "Chosen for the migration plan" });
    assert.match(await summary.innerText(), /6 connections: 1 convert in place, 2 credential first, 2 token, 1 shared\./);

    // The choice survives a filter that hides it, and the plan can be reviewed.
    await page.getByRole("combobox", { name: "Organization" }).selectOption("fabrikam-shared");
    assert.match(await summary.innerText(), /6 of them are hidden by the filters/);
    assert.ok(await primary.isEnabled());
    assert.equal(await primary.innerText(), "Review migration plan");
    await page.getByRole("combobox", { name: "Organization" }).selectOption("");
    await summary.scrollIntoViewIfNeeded();
    await screenshotBothThemes(page, "inventory-03-chosen");

    assert.deepEqual(problems, []);
    for (const url of requests) assert.ok(url.startsWith(bridge.url), `the page reached beyond the bridge: ${url}`);
    await context.close();
  });
});

// End-to-end: migrating existing connections in Chromium against keyless-browser-bridge and its demo cloud: inventory, choice, plan by wave, a finding accepted, apply by wave, the report and its revert.
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

/** Scrolls the panel to the top, so a screenshot shows the screen from its title. */
async function toTop(page) {
  await page.locator("main.panel").evaluate((panel) => panel.scrollTo({ top: 0 }));
}

describe("migrating on the demo cloud", () => {
  test("plans the chosen connections by wave, migrates them wave by wave, reports per wave and reverts", async () => {
    const { page, context, requests, problems } = await openPage(browser, bridge.pageUrl);
    // A step that never comes fails with what was awaited instead of hanging the suite.
    page.setDefaultTimeout(30_000);
    const heading = page.getByRole("heading", { level: 1 });
    const primary = page.locator(".app-footer .button-primary");

    await heading.filter({ hasText: "Service connections without secrets" }).waitFor();
    await page.getByRole("radio", { name: /Migrate existing connections/ }).check();
    await primary.click();
    await heading.filter({ hasText: "Sign in" }).waitFor();
    if ((await page.getByRole("heading", { name: /Signed in as/ }).count()) === 0) {
      await page.getByRole("radio", { name: /Device code/ }).check();
      await page.getByRole("button", { name: "Sign in with a device code" }).click();
    }
    await page.getByRole("heading", { name: /Signed in as/ }).waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Take the inventory" }).click();

    // The estate at a glance: the expiry chart has its table, and the issuer deadline counts days.
    await page.getByRole("table", { name: /^Service connections/ }).waitFor({ timeout: 30_000 });
    const expiry = page.getByRole("table", { name: "Client secrets and certificates by how soon they expire" });
    assert.deepEqual(await expiry.getByRole("rowheader").allInnerTexts(), ["Expired", "Within 30 days", "In 31 to 90 days", "Later"]);
    assert.match(await page.getByRole("group", { name: /Azure DevOps issuer retires 1 July 2027/ }).innerText(), /\d+ connections? still uses? it · \d+ days? left/);
    await toTop(page);
    await screenshotBothThemes(page, "migrate-01-estate");

    // Filter to contoso and choose a secret-based connection and one on the Azure DevOps issuer.
    await page.getByRole("combobox", { name: "Organization" }).selectOption("contoso");
    for (const name of ["shop-prod-secret", "shop-prod-legacy-issuer"]) {
      await page.getByRole("checkbox", { name: new RegExp(`^Choose ${name} `) }).check();
    }
    assert.equal(await primary.innerText(), "Review migration plan");
    await primary.click();

    // The plan: counts, waves, each connection with its action and status.
    await heading.filter({ hasText: "Migration plan" }).waitFor();
    await page.locator(".migration-counts").waitFor({ timeout: 30_000 });
    const entries = page.locator(".migration-entry");
    assert.equal(await entries.count(), 2);
    // The demo's shop-infra pipeline reads the secret of shop-prod-secret: it is blocked until the finding is accepted.
    const notMigrated = page.getByRole("region", { name: /^Not migrated/ });
    const blocked = notMigrated.getByRole("listitem", { name: /^shop-prod-secret / });
    assert.match(await blocked.innerText(), /Blocked by pipeline findings/);
    assert.match(await blocked.innerText(), /Would break: shop-infra/);
    await blocked.scrollIntoViewIfNeeded();
    await screenshotBothThemes(page, "migrate-02-plan-blocked");
    const accept = page.getByRole("checkbox", { name: /Accept this finding/ });
    // Each tick plans again: accepting shop-infra's finding moves shop-prod-secret into a wave.
    // click, not check: the ticked box moves to the wave's card once the plan is made again.
    await blocked.getByRole("checkbox", { name: /Accept this finding: I will fix shop-infra/ }).click();
    await page.getByRole("region", { name: /^Wave 1/ }).filter({ hasText: "shop-prod-secret" }).waitFor();
    const stillBlocked = page.getByRole("region", { name: /^Not migrated/ }).getByRole("checkbox", { name: /Accept this finding/ });
    while ((await stillBlocked.count()) > 0) {
      const before = await page.locator(".migration-entry").filter({ hasText: "Blocked by pipeline findings" }).count();
      await stillBlocked.first().click();
      await page.waitForFunction(
        (count) => document.querySelectorAll(".migration-entry-blocked").length < count && document.querySelector(".migration-counts"),
        before,
      );
    }
    await page.locator(".app-footer .button-primary", { hasText: /^Migrate \d+ connections?$/ }).waitFor({ timeout: 30_000 });
    await toTop(page);
    await screenshotBothThemes(page, "migrate-02-plan");

    // Apply, grouped by wave; then the report per wave.
    const label = await primary.innerText();
    const migrating = Number(label.match(/\d+/)[0]);
    await primary.click();
    await heading.filter({ hasText: /^Migrate$/ }).waitFor();
    await page.locator(".app-footer .button-primary", { hasText: /See the report|Retry from the failed step|Resume the migration/ }).waitFor({ timeout: 120_000 });
    assert.ok((await page.getByRole("region", { name: /^Wave 1/ }).count()) > 0, "the steps are grouped by wave");
    await toTop(page);
    await screenshotBothThemes(page, "migrate-03-apply");
    assert.equal(await primary.innerText(), "See the report", await page.locator("main.panel").innerText());
    await primary.click();

    await heading.filter({ hasText: /migrated|Almost done/ }).waitFor();
    const waves = page.getByRole("region", { name: /^Wave \d/ });
    assert.ok((await waves.count()) >= 1);
    assert.ok((await page.getByRole("button", { name: "Download the report (Markdown)" }).count()) === 1);
    assert.ok((await page.getByRole("listitem", { name: /contoso\/Shop\/shop-prod-secret: Migrated and verified/ }).count()) === 1);
    await toTop(page);
    await screenshotBothThemes(page, "migrate-04-report");

    // Revert, confirmed by typing the number of connections.
    const revert = page.getByRole("button", { name: "Revert this migration" });
    if ((await revert.count()) > 0) {
      await revert.click();
      const confirm = page.getByRole("button", { name: /^Revert \d+ connections?$/ });
      assert.ok(await confirm.isDisabled());
      const count = (await confirm.innerText()).match(/\d+/)[0];
      assert.ok(Number(count) <= migrating);
      await page.getByRole("textbox", { name: /type the run id/ }).fill(count);
      await page.getByRole("region", { name: "Revert" }).scrollIntoViewIfNeeded();
      await screenshotBothThemes(page, "migrate-05-revert-confirm");
      await confirm.click();
      await heading.filter({ hasText: "The migration was reverted" }).waitFor({ timeout: 120_000 });
      await toTop(page);
      await screenshotBothThemes(page, "migrate-06-reverted");
    }

    assert.deepEqual(problems, []);
    for (const url of requests) assert.ok(url.startsWith(bridge.url), `the page reached beyond the bridge: ${url}`);
    await context.close();
  });
});

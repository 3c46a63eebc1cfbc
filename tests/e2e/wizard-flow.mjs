// The whole onboarding driven through the UI, shared by the browser tests: demo cloud, device code, contoso, app registration, Shop, shop-deploy.
import assert from "node:assert/strict";

/**
 * Walks every step like a user would; `shot(name)` saves a screenshot of each. Signs in with a
 * device code unless already signed in. With `stopAtApply`, returns once Apply started;
 * otherwise returns the Done page's text.
 */
export async function completeOnboarding(page, shot, { stopAtApply = false } = {}) {
  const primary = page.locator(".app-footer .button-primary");
  const heading = page.getByRole("heading", { level: 1 });

  // Welcome: the demo cloud is the default when nobody is signed in.
  await heading.filter({ hasText: "Service connections without secrets" }).waitFor();
  assert.ok(await page.getByRole("radio", { name: /Demo cloud/ }).isChecked());
  await shot("01-welcome");
  await primary.click();

  // Sign in with a device code: the code shows with a copy button, then the demo approves it.
  await heading.filter({ hasText: "Sign in" }).waitFor();
  if ((await page.getByRole("heading", { name: /Signed in as/ }).count()) === 0) {
    await page.getByRole("radio", { name: /Device code/ }).check();
    await shot("02-sign-in");
    await page.getByRole("button", { name: "Sign in with a device code" }).click();
    await page.getByRole("button", { name: /Copy device code/ }).waitFor();
    await shot("03-device-code");
  }
  await page.getByRole("heading", { name: /Signed in as/ }).waitFor({ timeout: 30_000 });
  await shot("04-signed-in");
  await page.getByRole("button", { name: "Choose organizations" }).click();

  // Organizations: pick contoso.
  await heading.filter({ hasText: "Organizations" }).waitFor();
  await page.getByRole("checkbox", { name: /^contoso\b/ }).first().waitFor({ timeout: 30_000 });
  await page.getByRole("searchbox", { name: "Search organizations" }).fill("contoso");
  await page.getByLabel(/^contoso\s*\d+ projects?/).check();
  await shot("05-organizations");
  await page.getByRole("button", { name: "Continue with 1 organization" }).click();

  // Identity: create an app registration (the suggested name).
  await heading.filter({ hasText: "Identity" }).waitFor();
  await page.getByRole("radio", { name: /Create an app registration/ }).check();
  assert.equal(await page.getByLabel("App registration name").inputValue(), "kl-contoso-deployer");
  await shot("06-identity");
  await primary.click();

  // Access: Basic in contoso, Readers in Shop.
  await heading.filter({ hasText: "Access" }).waitFor();
  await page.getByRole("radio", { name: /^Basic\b(?! \+)/ }).check();
  await page.getByRole("checkbox", { name: "Readers in contoso / Shop" }).check();
  await shot("07-access");
  await page.getByRole("button", { name: "Set up service connections" }).click();

  // Connections: Azure Resource Manager on Contoso Production / rg-shop-prod, for shop-deploy.
  await heading.filter({ hasText: "Service connections" }).waitFor();
  await page.getByRole("radio", { name: /Azure Resource Manager/ }).check();
  await page.getByRole("combobox", { name: "Project", exact: true }).selectOption("Shop");
  await page.getByLabel("Connection name").fill("sc-shop-prod");
  await page.getByRole("radio", { name: /^Resource group/ }).check();
  const subscription = page.getByRole("combobox", { name: "Subscription", exact: true });
  await subscription.locator("option", { hasText: "Contoso Production" }).waitFor({ state: "attached", timeout: 30_000 });
  await subscription.selectOption({ label: "Contoso Production" });
  const group = page.getByRole("combobox", { name: "Resource group", exact: true });
  await group.locator("option", { hasText: "rg-shop-prod" }).waitFor({ state: "attached", timeout: 30_000 });
  await group.selectOption("rg-shop-prod");
  await page.getByRole("checkbox", { name: "shop-deploy" }).check();
  // The live check's verdict (not "Checking whether the name is free…", which contains the same words).
  await page.locator(".name-ok").waitFor({ timeout: 30_000 });
  await shot("08-connections");
  await page.getByRole("button", { name: "Review the plan for 1 connection" }).click();

  // Review: counts at the top, then Apply.
  await heading.filter({ hasText: "Review the plan" }).waitFor();
  await page.getByRole("list", { name: "Plan summary" }).waitFor({ timeout: 60_000 });
  assert.match(await page.getByRole("list", { name: "Plan summary" }).innerText(), /to create/);
  await shot("09-review");
  const applyButton = page.getByRole("button", { name: /^Apply \d+ changes?$/ });
  await applyButton.click();

  // Apply: rows fill in, then the summary.
  await heading.filter({ hasText: "Apply" }).waitFor();
  await page.getByRole("list", { name: "Plan steps" }).waitFor();
  if (stopAtApply) return page.locator("main").innerText();
  await shot("10-apply-running");
  await page.getByRole("button", { name: "See the summary" }).waitFor({ timeout: 120_000 });
  await shot("11-apply-finished");
  await page.getByRole("button", { name: "See the summary" }).click();

  // Done: the connection with its YAML and copy button.
  await heading.filter({ hasText: /ready|Almost done/ }).waitFor();
  await page.getByRole("button", { name: /Copy pipeline YAML for sc-shop-prod/ }).waitFor();
  await shot("12-done");
  return page.locator("main").innerText();
}

// End-to-end: the whole onboarding in Chromium against keyless-browser-bridge and its demo cloud, then the emulator's state.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { startBridge } from "./bridge.mjs";
import { REPO, launchChromium, openPage, screenshotBothThemes } from "./browser.mjs";
import { completeOnboarding } from "./wizard-flow.mjs";

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

describe("onboarding on the demo cloud", () => {
  test("creates the app registration, the connection and the matching federated credential", async () => {
    const { page, context, requests, problems } = await openPage(browser, bridge.pageUrl);
    const done = await completeOnboarding(page, (name) => screenshotBothThemes(page, `onboarding-${name}`));
    assert.match(done, /Your service connections are ready/);
    assert.match(done, /contoso \/ Shop \/ sc-shop-prod/);
    assert.match(done, /azureSubscription: '?sc-shop-prod'?/);

    const emulator = await bridge.emulatorUrl();
    const state = await (await fetch(new URL("_emulator/state", emulator.endsWith("/") ? emulator : `${emulator}/`))).json();
    const app = state.applications.find((candidate) => candidate.displayName === "kl-contoso-deployer");
    assert.ok(app, "the app registration exists");
    assert.equal(app.signInAudience, "AzureADMyOrg");
    const connection = state.serviceEndpoints.find((candidate) => candidate.name === "sc-shop-prod");
    assert.ok(connection, "the service connection exists");
    assert.equal(connection.parameters.serviceprincipalid, app.appId);
    const issuer = connection.parameters.workloadIdentityFederationIssuer;
    const subject = connection.parameters.workloadIdentityFederationSubject;
    assert.match(issuer, /^https:\/\/login\.microsoftonline\.com\//);
    const credential = state.federatedCredentials.find((candidate) => candidate.subject === subject && !candidate.deleted);
    assert.ok(credential, `a federated credential for ${subject}`);
    assert.equal(credential.issuer, issuer);
    assert.deepEqual(credential.audiences, ["api://AzureADTokenExchange"]);

    // The Done page shows the same issuer the credential holds (shortened, full value on hover).
    assert.equal(await page.getByTitle(issuer).count() > 0, true);
    assert.deepEqual(problems, []);
    for (const url of requests) assert.ok(url.startsWith(bridge.url), `the page reached beyond the bridge: ${url}`);
    await context.close();
  });
});

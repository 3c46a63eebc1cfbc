// Tests of the Migrate path's reducer slice and selectors: the path's steps, filters, search, sort, and the choice kept for the plan.
import { describe, expect, it } from "vitest";

import type { InventoryView } from "../ipc/bindings";
import { inventoryAt } from "../ipc/memoryInventory";
import { DEMO_SIGNED_IN } from "../ipc/memoryWorld";
import type { Wizard, WizardState } from "../wizard/model";
import { announcement } from "../wizard/announce";
import { isOpen, nextStep, pendingLoads, primaryAction, stepsOf } from "../wizard/selectors";
import { type WizardEvent, initialState, reduce } from "../wizard/state";
import type { MigrateState } from "./model";
import {
  classCounts,
  connectionKey,
  expiryWords,
  hiddenSelectedCount,
  lastUsedWords,
  legacyIssuerCount,
  selectedConnections,
  visibleConnections,
  visibleSelection,
} from "./selectors";

const NOW = Date.parse("2026-12-03T10:00:00Z");

function ready(state: WizardState): Wizard {
  if (state.phase !== "ready") throw new Error(`expected a ready wizard, got ${state.phase}`);
  return state;
}

function play(state: WizardState, ...events: WizardEvent[]): Wizard {
  return ready(events.reduce(reduce, state));
}

/** Signed in on the demo cloud, Migrate chosen, on the Inventory step with the memory estate loaded. */
function inventoryTaken(inventory: InventoryView = inventoryAt(NOW)): Wizard {
  return play(
    initialState(),
    { type: "sessionLoaded", session: DEMO_SIGNED_IN },
    { type: "pathChosen", path: "migrate" },
    { type: "stepSelected", step: "signIn" },
    { type: "stepSelected", step: "inventory" },
    { type: "loadSucceeded", load: { kind: "inventory" }, value: inventory },
  );
}

const names = (migrate: MigrateState) => visibleConnections(migrate).map((connection) => connection.name);
const key = (wizard: Wizard, name: string) => {
  const found = visibleConnections(wizard.migrate).find((connection) => connection.name === name);
  if (!found) throw new Error(`${name} is not shown`);
  return connectionKey(found);
};

describe("the migrate path", () => {
  it("lists Welcome, Sign in and Inventory, and opens the inventory once signed in", () => {
    const welcome = play(initialState(), { type: "sessionLoaded", session: DEMO_SIGNED_IN }, { type: "pathChosen", path: "migrate" });
    expect(stepsOf(welcome.path).map((step) => step.title)).toEqual(["Welcome", "Sign in", "Inventory", "Plan", "Migrate", "Report"]);
    expect(nextStep("signIn", "migrate")).toBe("inventory");
    expect(isOpen(welcome, "inventory")).toBe(true);
    expect(isOpen(welcome, "organizations")).toBe(false);
    const signIn = play(welcome, { type: "stepSelected", step: "signIn" });
    expect(primaryAction(signIn)).toMatchObject({ label: "Take the inventory", disabled: false });
    const inventory = play(signIn, { type: "stepSelected", step: "inventory" });
    expect(pendingLoads(inventory)).toEqual([{ kind: "inventory" }]);
  });

  it("keeps the setup path as it was and forgets how far the other path got", () => {
    const setup = play(
      initialState(),
      { type: "sessionLoaded", session: DEMO_SIGNED_IN },
      { type: "stepSelected", step: "signIn" },
      { type: "stepSelected", step: "organizations" },
    );
    expect(nextStep("signIn", setup.path)).toBe("organizations");
    const migrating = play(setup, { type: "stepSelected", step: "welcome" }, { type: "pathChosen", path: "migrate" });
    expect(migrating.furthest).toBe(1);
    expect(pendingLoads(migrating)).not.toContainEqual({ kind: "organizations" });
  });

  it("offers Review migration plan once a connection is chosen, and says why until then", () => {
    const wizard = inventoryTaken();
    expect(primaryAction(wizard)).toEqual({
      label: "Review migration plan",
      command: "next",
      disabled: true,
      note: "Select the connections to migrate.",
    });
    const chosen = play(wizard, { type: "inventoryRowSelected", key: key(wizard, "shop-prod-secret") });
    expect(primaryAction(chosen)).toEqual({ label: "Review migration plan", command: "next", disabled: false, note: null });
    expect(isOpen(chosen, "migrationPlan")).toBe(true);
  });
});

describe("announcements", () => {
  it("announces the inventory being taken, then how many connections are found, shown and chosen", () => {
    const taking = play(inventoryTaken(), { type: "loadStarted", load: { kind: "inventory" } });
    expect(announcement(taking)).toBe("Taking the inventory of your service connections.");
    const wizard = inventoryTaken();
    const filtered = play(
      wizard,
      { type: "inventoryRowSelected", key: key(wizard, "shop-prod-secret") },
      { type: "inventoryOrganizationFiltered", organization: "fabrikam-shared" },
    );
    expect(announcement(filtered)).toBe("20 service connections found, 2 shown, 1 chosen.");
  });
});

describe("the estate at a glance", () => {
  it("counts every class and the connections still on the Azure DevOps issuer", () => {
    const connections = inventoryAt(NOW).connections;
    expect(classCounts(connections)).toEqual({
      needsAttention: 3,
      convertibleInPlace: 2,
      convertibleAfterCredential: 4,
      tokenBased: 2,
      shared: 1,
      outOfScope: 3,
      zeroSecret: 5,
    });
    expect(legacyIssuerCount(connections)).toBe(2);
  });

  it("words expiries and last uses relative to now", () => {
    const now = new Date(NOW);
    expect(expiryWords("2026-12-23T10:00:00Z", now)).toBe("expires in 20 days");
    expect(expiryWords("2026-11-21T10:00:00Z", now)).toBe("expired 12 days ago");
    expect(lastUsedWords("2026-12-02T09:00:00Z", now)).toBe("1 day ago");
    expect(lastUsedWords(null, now)).toBe("Never or unknown");
  });
});

describe("filters and search", () => {
  it("shows only the classes whose chips are pressed, within the chosen organization and type", () => {
    const wizard = play(
      inventoryTaken(),
      { type: "inventoryClassToggled", connectionClass: "tokenBased" },
      { type: "inventoryClassToggled", connectionClass: "outOfScope" },
    );
    expect(names(wizard.migrate).sort()).toEqual([
      "fabrikam-feed-secret",
      "fabrikam-repos-pat",
      "github-contoso",
      "payments-partner",
      "shop-nuget-feed",
    ]);
    const narrowed = play(wizard, { type: "inventoryOrganizationFiltered", organization: "contoso" }, { type: "inventoryTypeFiltered", endpointType: "externaltfs" });
    expect(names(narrowed.migrate)).toEqual(["fabrikam-repos-pat"]);
    const cleared = play(narrowed, { type: "inventoryFiltersCleared" });
    expect(names(cleared.migrate)).toHaveLength(20);
  });

  it("matches every word of the search across names, projects, identities and ids", () => {
    const byIdentity = play(inventoryTaken(), { type: "inventoryQueryChanged", query: "  id-platform  Infrastructure " });
    expect(names(byIdentity.migrate)).toEqual(["landing-zones"]);
    const byClientId = play(inventoryTaken(), { type: "inventoryQueryChanged", query: "C3D4E5F6-A7B8" });
    expect(names(byClientId.migrate)).toEqual(["payments-terraform"]);
    const nothing = play(inventoryTaken(), { type: "inventoryQueryChanged", query: "no-such-connection" });
    expect(names(nothing.migrate)).toEqual([]);
  });
});

describe("sorting", () => {
  it("sorts by class by default, what needs a decision first, then by organization and name", () => {
    const shown = visibleConnections(inventoryTaken().migrate);
    expect(shown.slice(0, 4).map((connection) => `${connection.class} ${connection.name}`)).toEqual([
      "needsAttention shop-case-mismatch",
      "needsAttention data-ingest-draft",
      "needsAttention old-deployer",
      "convertibleInPlace shop-prod-secret",
    ]);
    expect(shown.at(-1)?.class).toBe("zeroSecret");
  });

  it("sorts by a column, and the second click on it reverses the order", () => {
    const byLastUse = play(inventoryTaken(), { type: "inventorySorted", column: "lastUsed" });
    expect(byLastUse.migrate.sort).toEqual({ column: "lastUsed", direction: "ascending" });
    // Never used first, then the oldest use.
    expect(names(byLastUse.migrate).slice(0, 6)).toEqual([
      "platform-packages",
      "payments-partner",
      "shop-case-mismatch",
      "data-ingest-draft",
      "old-deployer",
      "fabrikam-repos-pat",
    ]);
    const reversed = play(byLastUse, { type: "inventorySorted", column: "lastUsed" });
    expect(reversed.migrate.sort.direction).toBe("descending");
    expect(names(reversed.migrate).slice(0, 2)).toEqual(["shop-prod", "landing-zones"]);
    const byName = play(reversed, { type: "inventorySorted", column: "name" });
    expect(byName.migrate.sort).toEqual({ column: "name", direction: "ascending" });
    expect(names(byName.migrate).slice(0, 3)).toEqual(["data-ingest-draft", "fabrikam-feed-secret", "fabrikam-repos-pat"]);
  });
});

describe("choosing connections for the plan", () => {
  it("chooses all shown connections that can be migrated, and unchooses them the second time", () => {
    const contoso = play(inventoryTaken(), { type: "inventoryOrganizationFiltered", organization: "contoso" });
    const all = play(contoso, { type: "inventoryVisibleSelected" });
    expect(selectedConnections(all.migrate).map((connection) => connection.name).sort()).toEqual([
      "fabrikam-repos-pat",
      "mobile-signing",
      "payments-prod-secret",
      "payments-terraform",
      "shop-nuget-feed",
      "shop-prod-legacy-issuer",
      "shop-prod-secret",
    ]);
    expect(visibleSelection(all.migrate)).toBe("all");
    const none = play(all, { type: "inventoryVisibleSelected" });
    expect(none.migrate.selected).toEqual([]);
    expect(visibleSelection(none.migrate)).toBe("none");
  });

  it("completes a partial choice of the shown rows instead of clearing it", () => {
    const wizard = inventoryTaken();
    const one = play(wizard, { type: "inventoryRowSelected", key: key(wizard, "shop-prod-secret") });
    expect(visibleSelection(one.migrate)).toBe("some");
    const all = play(one, { type: "inventoryVisibleSelected" });
    expect(visibleSelection(all.migrate)).toBe("all");
    expect(all.migrate.selected).toHaveLength(9);
  });

  it("refuses connections that cannot be migrated", () => {
    const wizard = inventoryTaken();
    const zeroSecret = play(wizard, { type: "inventoryRowSelected", key: key(wizard, "shop-prod") });
    const outOfScope = play(zeroSecret, { type: "inventoryRowSelected", key: key(wizard, "payments-partner") });
    expect(outOfScope.migrate.selected).toEqual([]);
  });

  it("keeps chosen connections that the filters hide, and counts them", () => {
    const wizard = inventoryTaken();
    const chosen = play(
      wizard,
      { type: "inventoryRowSelected", key: key(wizard, "shop-prod-secret") },
      { type: "inventoryRowSelected", key: key(wizard, "tooling-subscription") },
      { type: "inventoryOrganizationFiltered", organization: "contoso-platform" },
    );
    expect(selectedConnections(chosen.migrate)).toHaveLength(2);
    expect(hiddenSelectedCount(chosen.migrate)).toBe(1);
    const unchosen = play(chosen, { type: "inventoryRowSelected", key: key(wizard, "tooling-subscription") });
    expect(selectedConnections(unchosen.migrate).map((connection) => connection.name)).toEqual(["shop-prod-secret"]);
  });

  it("drops choices a new inventory no longer has, and forgets everything when another account signs in", () => {
    const wizard = inventoryTaken();
    const chosen = play(wizard, { type: "inventoryRowSelected", key: key(wizard, "shop-prod-secret") }, { type: "inventoryRowExpanded", key: key(wizard, "shop-prod-secret") });
    const estate = inventoryAt(NOW);
    const without = { ...estate, connections: estate.connections.filter((connection) => connection.name !== "shop-prod-secret") };
    const reloaded = play(chosen, { type: "loadSucceeded", load: { kind: "inventory" }, value: without });
    expect(reloaded.migrate.selected).toEqual([]);
    expect(reloaded.migrate.expanded).toEqual([]);
    const other = { ...DEMO_SIGNED_IN, account: { ...DEMO_SIGNED_IN.account!, userPrincipalName: "adele.vance@contoso.com" } };
    const switched = play(chosen, { type: "signedIn", session: other });
    expect(switched.migrate.inventory.status).toBe("idle");
    expect(switched.migrate.selected).toEqual([]);
  });
});

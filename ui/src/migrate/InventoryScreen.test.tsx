// Tests of the Inventory screen in happy-dom: the estate at a glance, chips and filters, row details, choosing rows, partial and failed loads, and the path from Welcome.
import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useReducer } from "react";
import { afterEach, describe, expect, it } from "vitest";

import { App } from "../App";
import type { InventoryView, IpcError } from "../ipc/bindings";
import { MemoryBackend } from "../ipc/memory";
import { inventoryAt } from "../ipc/memoryInventory";
import { DEMO_SIGNED_IN, DEMO_SIGNED_OUT } from "../ipc/memoryWorld";
import { createCommands } from "../wizard/commands";
import type { Wizard, WizardState } from "../wizard/model";
import { type WizardEvent, initialState, reduce } from "../wizard/state";
import { InventoryScreen } from "./InventoryScreen";

afterEach(cleanup);

function wizardOn(...events: WizardEvent[]): Wizard {
  const state = [
    { type: "sessionLoaded", session: DEMO_SIGNED_IN } as WizardEvent,
    { type: "pathChosen", path: "migrate" } as WizardEvent,
    { type: "stepSelected", step: "signIn" } as WizardEvent,
    { type: "stepSelected", step: "inventory" } as WizardEvent,
    ...events,
  ].reduce(reduce, initialState());
  if (state.phase !== "ready") throw new Error(state.phase);
  return state;
}

const loaded = (value: InventoryView = inventoryAt(Date.now())): WizardEvent => ({ type: "loadSucceeded", load: { kind: "inventory" }, value });

/** The screen over the real reducer, so clicks change what it shows; `sent` collects every event. */
function show(start: Wizard) {
  const sent: WizardEvent[] = [];
  function Harness() {
    const [state, dispatch] = useReducer((current: WizardState, event: WizardEvent) => {
      sent.push(event);
      return reduce(current, event);
    }, start);
    const commands = createCommands(new MemoryBackend({ session: DEMO_SIGNED_IN }), dispatch);
    return <InventoryScreen wizard={state as Wizard} dispatch={dispatch} commands={commands} titleId="title" />;
  }
  render(<Harness />);
  return { sent, user: userEvent.setup() };
}

const rows = () =>
  within(screen.getByRole("table", { name: /^Service connections/ }))
    .getAllByRole("row")
    .slice(1)
    .filter((row) => row.querySelector("th[scope=row]"))
    .map((row) => row.querySelector("th[scope=row] .connection-name")?.textContent);

describe("Inventory", () => {
  it("shows the estate at a glance: counts per class and the connections on the retiring issuer", () => {
    show(wizardOn(loaded()));
    expect(screen.getByText("20 service connections in 3 organizations.", { exact: false })).toBeInTheDocument();
    const chips = within(screen.getByRole("list", { name: "Connections per class" })).getAllByRole("button");
    expect(chips.map((chip) => chip.textContent)).toEqual([
      "3Needs attention",
      "2Convert in place",
      "4Credential first",
      "2Token",
      "1Shared",
      "3Out of scope",
      "5Zero secret",
    ]);
    expect(screen.getByText("2 connections still use the Azure DevOps issuer, retiring 1 July 2027.")).toBeInTheDocument();
    expect(screen.getByText("Showing 20 of 20 connections.")).toBeInTheDocument();
  });

  it("filters by a class chip, which shows it is pressed, and by organization, type and search", async () => {
    const { user } = show(wizardOn(loaded()));
    const tokens = screen.getByRole("button", { name: /2\s*Token/ });
    await user.click(tokens);
    expect(tokens).toHaveAttribute("aria-pressed", "true");
    expect(rows()).toEqual(["fabrikam-repos-pat", "shop-nuget-feed"]);
    await user.click(tokens);
    await user.selectOptions(screen.getByRole("combobox", { name: "Organization" }), "contoso-platform");
    await user.selectOptions(screen.getByRole("combobox", { name: "Type" }), "GitHub");
    expect(rows()).toEqual(["github-contoso"]);
    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    await user.type(screen.getByRole("searchbox", { name: "Search connections" }), "legacy");
    expect(rows()).toEqual(["shop-prod-legacy-issuer"]);
    expect(screen.getByText("Showing 1 of 20 connections.")).toBeInTheDocument();
  });

  it("sorts by a column header and says the direction to assistive technology", async () => {
    const { user } = show(wizardOn(loaded()));
    const name = screen.getByRole("columnheader", { name: /Connection/ });
    expect(name).not.toHaveAttribute("aria-sort");
    await user.click(within(name).getByRole("button"));
    expect(name).toHaveAttribute("aria-sort", "ascending");
    expect(rows().slice(0, 2)).toEqual(["data-ingest-draft", "fabrikam-feed-secret"]);
    await user.click(within(name).getByRole("button"));
    expect(name).toHaveAttribute("aria-sort", "descending");
    expect(rows()[0]).toBe("tooling-subscription");
  });

  it("opens a row's details: identity, issuer, subject, expiries, last use, pipelines and the reason", async () => {
    const { user } = show(wizardOn(loaded()));
    const toggle = screen.getByRole("button", { name: "Details of payments-terraform" });
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    const details = document.getElementById(toggle.getAttribute("aria-controls") ?? "");
    expect(details).toHaveTextContent("platform-terraform (app registration), client ID");
    expect(details).toHaveTextContent("Client secret expired 12 days ago");
    expect(details).toHaveTextContent("The identity needs the federated credential before the switch.");
    expect(details).toHaveTextContent("Pipelines with id 11.");
    expect(details).toHaveTextContent("12 days ago");

    const legacy = screen.getByRole("button", { name: "Details of shop-prod-legacy-issuer" });
    await user.click(legacy);
    const legacyDetails = document.getElementById(legacy.getAttribute("aria-controls") ?? "") as HTMLElement;
    expect(legacyDetails).toHaveTextContent("Azure DevOps issuer, retiring 1 July 2027.");
    expect(within(legacyDetails).getByTitle("sc://contoso/Shop/shop-prod-legacy-issuer")).toBeInTheDocument();
  });

  it("chooses every shown connection that can be migrated from the header, and says why the others cannot be", async () => {
    const { user } = show(wizardOn(loaded()));
    await user.selectOptions(screen.getByRole("combobox", { name: "Organization" }), "contoso-platform");
    const zeroSecret = screen.getByRole("checkbox", { name: "Choose landing-zones in contoso-platform / Infrastructure" });
    expect(zeroSecret).toBeDisabled();
    expect(zeroSecret).toHaveAccessibleDescription("Nothing to migrate: it already signs in without a secret.");
    const orphan = screen.getByRole("checkbox", { name: /Choose old-deployer/ });
    expect(orphan).toHaveAccessibleDescription(/^Fix it first\. Its identity 7e8f9a0b-.* no longer exists/);

    await user.click(screen.getByRole("checkbox", { name: "Choose all 2 shown connections that can be migrated" }));
    expect(screen.getByRole("checkbox", { name: /Choose policy-as-code/ })).toBeChecked();
    expect(screen.getByRole("checkbox", { name: /Choose tooling-subscription/ })).toBeChecked();
    const summary = screen.getByRole("region", { name: "Chosen for the migration plan" });
    expect(summary).toHaveTextContent("2 connections: 1 convert in place, 1 credential first.");

    await user.selectOptions(screen.getByRole("combobox", { name: "Organization" }), "contoso");
    expect(summary).toHaveTextContent("2 of them are hidden by the filters.");
    await user.click(within(summary).getByRole("button", { name: "Clear the choice" }));
    expect(summary).toHaveTextContent("None yet.");
  });

  it("lists what it could read and warns about the organizations it could not", () => {
    const estate = inventoryAt(Date.now());
    const partial: InventoryView = {
      ...estate,
      connections: estate.connections.filter((connection) => connection.organization !== "contoso-platform"),
      unread: [{ kind: "organization", name: "contoso-platform", message: "Azure DevOps did not answer (503)." }],
    };
    show(wizardOn(loaded(partial)));
    expect(screen.getByText(/Keyless could not read 1 organization or tenant; their connections are missing below/)).toBeInTheDocument();
    expect(screen.getByText(/Azure DevOps did not answer \(503\)/)).toBeInTheDocument();
    expect(screen.getByText("Showing 14 of 14 connections.")).toBeInTheDocument();
  });

  it("says what it is reading while loading, and offers Try again when the inventory fails", async () => {
    show(wizardOn({ type: "loadStarted", load: { kind: "inventory" } }));
    expect(screen.getByText(/Reading the service connections of every organization megan.bowen@contoso.com can reach/)).toBeInTheDocument();
    cleanup();
    const error: IpcError = { code: "network", message: "Azure DevOps could not be reached.", help: "Check the network, then try again." };
    const { sent, user } = show(wizardOn({ type: "loadFailed", load: { kind: "inventory" }, error }));
    expect(screen.getByRole("alert")).toHaveTextContent("Keyless could not take the inventory");
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(sent).toContainEqual({ type: "loadRetried", load: { kind: "inventory" } });
  });

  it("says so when the estate has no connections", () => {
    show(wizardOn(loaded({ ...inventoryAt(Date.now()), connections: [] })));
    expect(screen.getByText("No service connections found for megan.bowen@contoso.com.")).toBeInTheDocument();
    expect(screen.queryByRole("table")).toBeNull();
  });
});

describe("the Migrate path in the window", () => {
  it("goes from Welcome through Sign in to the inventory, and offers Review migration plan once a connection is chosen", async () => {
    const user = userEvent.setup();
    render(<App backend={new MemoryBackend({ session: DEMO_SIGNED_OUT })} />);
    await screen.findByRole("heading", { level: 1, name: "Service connections without secrets" });
    expect(screen.getByRole("radio", { name: /Set up new connections/ })).toBeChecked();
    await user.click(screen.getByRole("radio", { name: /Migrate existing connections/ }));
    const rail = screen.getByRole("navigation", { name: "Migration steps" });
    expect(within(rail).getAllByRole("button").map((step) => step.querySelector(".rail-title")?.textContent)).toEqual(["Welcome", "Sign in", "Inventory", "Plan", "Migrate", "Report"]);
    await user.click(screen.getByRole("button", { name: "Continue to sign in" }));
    await user.click(await screen.findByRole("button", { name: "Sign in with a device code" }));
    await user.click(await screen.findByRole("button", { name: "Take the inventory" }));

    await screen.findByRole("heading", { level: 1, name: "Inventory" });
    await screen.findByRole("table", { name: /^Service connections/ });
    const review = screen.getByRole("button", { name: "Review migration plan" });
    expect(review).toBeDisabled();
    expect(review).toHaveAccessibleDescription("Select the connections to migrate.");
    await user.click(screen.getByRole("checkbox", { name: /Choose shop-prod-secret/ }));
    expect(review).toBeEnabled();
  });
});

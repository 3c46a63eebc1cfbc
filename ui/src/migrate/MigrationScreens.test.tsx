// Tests of the migration screens in happy-dom: the deadlines chart's text alternative, and the whole path from the inventory through the plan (grouped by wave, a finding accepted) to the report and its revert.
import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";

import { App } from "../App";
import { MemoryBackend } from "../ipc/memory";
import { inventoryAt } from "../ipc/memoryInventory";
import { DEMO_SIGNED_IN } from "../ipc/memoryWorld";
import { ExpiryChart, IssuerDeadline } from "./EstateChart";

afterEach(cleanup);

const NOW = new Date("2026-12-03T10:00:00Z");

describe("the estate's deadlines", () => {
  it("says in a table what the expiry bars show, and hides the picture from screen readers", () => {
    render(<ExpiryChart connections={inventoryAt(NOW.getTime()).connections} now={NOW} />);
    const table = screen.getByRole("table", { name: "Client secrets and certificates by how soon they expire" });
    const rows = within(table)
      .getAllByRole("row")
      .slice(1)
      .map((row) => within(row).getByRole("rowheader").textContent);
    expect(rows).toEqual(["Expired", "Within 30 days", "In 31 to 90 days", "Later"]);
    const expired = within(table).getByRole("rowheader", { name: "Expired" }).closest("tr");
    expect(Number(expired?.querySelectorAll("td")[0]?.textContent)).toBeGreaterThan(0);
    expect(document.querySelector("svg")?.getAttribute("aria-hidden")).toBe("true");
  });

  it("says how many connections still use the Azure DevOps issuer and how many days are left", () => {
    render(<IssuerDeadline connections={inventoryAt(NOW.getTime()).connections} retirement="2027-07-01" now={NOW} />);
    const deadline = screen.getByRole("group", { name: "Azure DevOps issuer retires 1 July 2027" });
    expect(deadline).toHaveTextContent("2 connections still use it · 210 days left");
  });
});

describe("migrating from the inventory", () => {
  it("plans the choice by wave, re-plans when a finding is accepted, migrates, reports and reverts", async () => {
    const user = userEvent.setup();
    render(<App backend={new MemoryBackend({ session: DEMO_SIGNED_IN })} />);
    await user.click(await screen.findByRole("radio", { name: /Migrate existing connections/ }));
    await user.click(screen.getByRole("button", { name: "Continue to sign in" }));
    await user.click(await screen.findByRole("button", { name: "Take the inventory" }));
    await screen.findByRole("table", { name: /^Service connections/ });
    for (const name of ["shop-prod-secret", "payments-terraform", "fabrikam-repos-pat"]) {
      await user.click(screen.getByRole("checkbox", { name: new RegExp(`^Choose ${name} `) }));
    }
    await user.click(screen.getByRole("button", { name: "Review migration plan" }));

    await screen.findByRole("heading", { level: 1, name: "Migration plan" });
    const wave = await screen.findByRole("region", { name: /^Wave 1/ });
    expect(within(wave).getAllByRole("heading", { level: 3 }).map((heading) => heading.textContent)).toEqual(["shop-prod-secret", "fabrikam-repos-pat"]);
    const idle = screen.getByRole("region", { name: /^Not migrated/ });
    const blocked = within(idle).getByRole("listitem", { name: /^payments-terraform/ });
    expect(blocked).toHaveTextContent("Blocked by pipeline findings");
    expect(blocked).toHaveTextContent("Would break: payments-infra");
    expect(screen.getByRole("button", { name: "Migrate 2 connections" })).toBeEnabled();

    await user.click(within(blocked).getByRole("checkbox", { name: /Accept this finding/ }));
    const migrate = await screen.findByRole("button", { name: "Migrate 3 connections" });
    expect(screen.queryByRole("region", { name: /^Not migrated/ })).toBeNull();
    await user.click(migrate);

    await screen.findByRole("heading", { level: 1, name: "Migrate" });
    await user.click(await screen.findByRole("button", { name: "See the report" }));
    await screen.findByRole("heading", { level: 1, name: "The connections are migrated" });
    expect(screen.getByText(/3 connections migrated of 3/)).toBeInTheDocument();
    expect(screen.getByRole("listitem", { name: "contoso/Shop/shop-prod-secret: Migrated and verified" })).toHaveTextContent(
      "Converted the connection to workload identity federation",
    );

    await user.click(screen.getByRole("button", { name: "Revert this migration" }));
    const confirm = screen.getByRole("button", { name: "Revert 3 connections" });
    expect(confirm).toBeDisabled();
    await user.type(screen.getByRole("textbox", { name: /type the run id/ }), "3");
    await user.click(confirm);
    await screen.findByRole("heading", { level: 1, name: "The migration was reverted" });
    // The whole path renders many screens: a busy machine needs more than the default 5 s.
  }, 20_000);
});

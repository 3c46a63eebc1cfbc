// Tests of the whole window in happy-dom on the memory backend: the onboarding by mouse, by keyboard, and its error states.
import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";

import { App } from "./App";
import { MemoryBackend, type MemoryScenario } from "./ipc/memory";
import { DEMO_SIGNED_IN, DEMO_SIGNED_OUT } from "./ipc/memoryWorld";

afterEach(cleanup);

function open(scenario: Partial<MemoryScenario> = {}) {
  const user = userEvent.setup();
  render(<App backend={new MemoryBackend({ session: DEMO_SIGNED_OUT, ...scenario })} />);
  return user;
}

const primary = () => screen.getAllByRole("button").find((button) => button.classList.contains("button-primary"))!;
const title = (name: string | RegExp) => screen.findByRole("heading", { level: 1, name });

describe("the wizard", () => {
  it("walks the whole onboarding on the demo cloud to a verified connection", async () => {
    const user = open();
    await title("Service connections without secrets");
    expect(screen.getByRole("radio", { name: /Demo cloud/ })).toBeChecked();
    await user.click(screen.getByRole("button", { name: "Continue to sign in" }));

    await title("Sign in");
    await user.click(screen.getByRole("button", { name: "Sign in with a device code" }));
    await screen.findByRole("heading", { name: /Signed in as Megan Bowen/ });
    await user.click(screen.getByRole("button", { name: "Choose organizations" }));

    await title("Organizations");
    await user.click(await screen.findByRole("checkbox", { name: /^contoso 3 projects/ }));
    await user.click(screen.getByRole("button", { name: "Continue with 1 organization" }));

    await title("Identity");
    expect(screen.getByLabelText("App registration name")).toHaveValue("kl-contoso-deployer");
    await user.click(screen.getByRole("button", { name: "Choose access for kl-contoso-deployer" }));

    await title("Access");
    await user.click(await screen.findByRole("checkbox", { name: "Readers in contoso / Shop" }));
    await user.click(screen.getByRole("button", { name: "Set up service connections" }));

    await title("Service connections");
    await user.type(screen.getByLabelText(/^Connection name/), "sc-shop-prod");
    await user.selectOptions(await screen.findByRole("combobox", { name: "Subscription" }), "Contoso Production");
    const group = screen.getByRole("combobox", { name: "Resource group" });
    await waitFor(() => expect(group).toBeEnabled());
    await user.selectOptions(group, "rg-shop-prod");
    await user.click(screen.getByRole("checkbox", { name: "shop-deploy" }));
    await screen.findByText("The name is free in contoso / Shop.", {}, { timeout: 3000 });
    await user.click(screen.getByRole("button", { name: "Review the plan for 1 connection" }));

    await title("Review the plan");
    const summary = await screen.findByRole("list", { name: "Plan summary" });
    expect(summary).toHaveTextContent("7to create");
    expect(screen.getByRole("region", { name: "contoso / Shop" })).toHaveTextContent("+create");
    await user.click(screen.getByRole("button", { name: "Apply 7 changes" }));

    await title("Apply");
    await user.click(await screen.findByRole("button", { name: "See the summary" }));
    await title("Your service connections are ready");
    expect(screen.getByRole("button", { name: "Copy pipeline YAML for sc-shop-prod" })).toBeInTheDocument();
    expect(screen.getByRole("region", { name: "Connection contoso/Shop/sc-shop-prod" })).toHaveTextContent("Verified: it signs in");
  });

  it("can be driven with the keyboard alone, with focus on each step's title", async () => {
    const user = open({ session: DEMO_SIGNED_IN });
    await title("Service connections without secrets");
    const next = primary();
    next.focus();
    await user.keyboard("{Enter}");
    await title("Sign in");
    expect(document.activeElement).toHaveTextContent("Sign in");
    primary().focus();
    await user.keyboard("{Enter}");
    await title("Organizations");
    const contoso = await screen.findByRole("checkbox", { name: /^contoso 3 projects/ });
    contoso.focus();
    await user.keyboard(" ");
    expect(contoso).toBeChecked();
    // Tab moves on from the checkbox through the page towards the footer.
    await user.tab();
    expect(document.activeElement).not.toBe(contoso);
    primary().focus();
    await user.keyboard("{Enter}");
    await title("Identity");
    const existing = screen.getByRole("radio", { name: /Use an existing identity/ });
    existing.focus();
    await user.keyboard(" ");
    expect(existing).toBeChecked();
  });

  it("marks steps in the rail with words, not colour alone, and locks what is not reachable", async () => {
    open();
    await title("Service connections without secrets");
    const rail = screen.getByRole("navigation", { name: "Setup steps" });
    expect(within(rail).getByRole("button", { name: /Welcome\s*Current step/ })).toHaveAttribute("aria-current", "step");
    expect(within(rail).getByRole("button", { name: /Review\s*Locked/ })).toBeDisabled();
  });

  it("announces where the session stands in a live region", async () => {
    open();
    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("Ready. Not signed in on the Demo cloud."));
  });

  it("explains a failed session check, with the request id in the details, and retries", async () => {
    const user = open({ failure: { code: "unavailable", message: "The demo cloud did not answer.", help: "Wait a few seconds.", requestId: "req-7" } });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The demo cloud did not answer.");
    expect(within(alert).getByText("req-7")).toBeInTheDocument();
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("alert")).toBeInTheDocument();
  });

  it("lists the organizations that failed next to the ones that loaded", async () => {
    const user = open({ session: DEMO_SIGNED_IN, organizations: "partial" });
    await user.click(primary());
    await title("Sign in");
    await user.click(primary());
    await title("Organizations");
    expect(await screen.findByText(/Keyless could not read 1 organization or tenant/)).toBeInTheDocument();
    expect(screen.getByText(/Tenant 2e7d9a41/)).toBeInTheDocument();
    expect(screen.getByRole("checkbox", { name: /^contoso 3 projects/ })).toBeInTheDocument();
  });

  it("says who has no organizations and offers another account", async () => {
    const user = open({ session: DEMO_SIGNED_IN, organizations: "empty" });
    await user.click(primary());
    await title("Sign in");
    await user.click(primary());
    expect(await screen.findByText(/No organizations found for megan.bowen@contoso.com in tenant 6b1f3c2a/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Sign in with another account" }));
    await title("Sign in");
    expect(screen.getByRole("button", { name: "Sign in with a device code" })).toBeInTheDocument();
  });
});

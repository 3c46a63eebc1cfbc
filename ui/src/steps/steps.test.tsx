// Tests of single step screens from fixture states: the plan, run rows, Done's undo, identity refusals, connection warnings.
import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";

import { ErrorPanel } from "../components/ErrorPanel";
import { shortenMiddle } from "../components/ShortValue";
import { MemoryBackend } from "../ipc/memory";
import { DEMO_SIGNED_IN, IDENTITIES } from "../ipc/memoryWorld";
import { createCommands } from "../wizard/commands";
import { completedRun, connectionFilled, contosoSelected, play, reviewing } from "../wizard/fixtures";
import type { Wizard, WizardState } from "../wizard/model";
import type { WizardEvent } from "../wizard/state";
import { ApplyStep } from "./ApplyStep";
import { ConnectionsStep } from "./ConnectionsStep";
import { DoneStep } from "./DoneStep";
import { IdentityStep } from "./IdentityStep";
import { ReviewStep } from "./ReviewStep";
import type { StepProps } from "./types";

afterEach(cleanup);

function ready(state: WizardState): Wizard {
  if (state.phase !== "ready") throw new Error(`not ready: ${state.phase}`);
  return state;
}

/** Renders one step; `sent` collects the events it dispatches. */
function show(Step: (props: StepProps) => React.ReactElement | null, wizard: Wizard) {
  const sent: WizardEvent[] = [];
  const dispatch = (event: WizardEvent) => sent.push(event);
  const commands = createCommands(new MemoryBackend({ session: DEMO_SIGNED_IN }), dispatch);
  render(<Step wizard={wizard} dispatch={dispatch} commands={commands} titleId="title" />);
  return { sent, user: userEvent.setup() };
}

describe("Review", () => {
  it("shows counts, groups in plan order, a symbol and a word per action, and what each step needs", () => {
    show(ReviewStep, reviewing().wizard);
    const counts = screen.getByRole("list", { name: "Plan summary" });
    expect(within(counts).getAllByRole("listitem").map((item) => item.textContent)).toEqual(["+7to create", "~0to update", "=0to reuse", "?1to verify"]);
    expect(screen.getAllByRole("heading", { level: 2 }).map((heading) => heading.textContent)).toEqual(["Identity", "contoso", "Azure", "contoso / Shop"]);
    const identity = screen.getByRole("region", { name: "Identity" });
    expect(identity).toHaveTextContent("+createCreate app registration kl-contoso-deployer (single-tenant)");
    expect(identity).toHaveTextContent("Needs: Application Developer");
    expect(screen.getByText(/federated credentials 0 → 1 of 20/)).toBeInTheDocument();
  });

  it("says it is working out the plan while loading", () => {
    show(ReviewStep, ready(play(connectionFilled(), { type: "stepSelected", step: "review" })));
    expect(screen.getByText(/Reading what already exists in Entra ID, Azure and Azure DevOps/)).toBeInTheDocument();
  });
});

describe("Apply", () => {
  it("shows each step's status in words, the wait reason, and the totals", () => {
    const { wizard, plan } = reviewing();
    const running = ready(
      play(
        wizard,
        { type: "runStarted", kind: "apply", at: 0, steps: plan.steps.map(({ id, title }) => ({ id, title })) },
        { type: "stepSelected", step: "apply" },
        { type: "runProgressed", kind: "apply", at: 0, event: { event: "runStarted", runId: "run-0001", totalSteps: plan.steps.length, resumed: false } },
        { type: "runProgressed", kind: "apply", at: 0, event: { event: "stepFinished", stepId: "identity/0", outcome: "created", detail: "", elapsedMs: 1500 } },
        { type: "runProgressed", kind: "apply", at: 0, event: { event: "stepStarted", stepId: "sp/0", title: "Create the service principal" } },
        { type: "runProgressed", kind: "apply", at: 0, event: { event: "stepWaiting", stepId: "sp/0", wait: "servicePrincipalInEntra", code: null, attempt: 2, waitMs: 4000 } },
      ),
    );
    show(ApplyStep, running);
    const rows = within(screen.getByRole("list", { name: "Plan steps" })).getAllByRole("listitem");
    expect(rows[0]).toHaveTextContent("Created");
    expect(rows[0]).toHaveTextContent("2 s");
    expect(rows[1]).toHaveTextContent("Waiting (attempt 2)");
    expect(rows[1]).toHaveTextContent("Waiting for Entra ID to replicate the new service principal (usually under a minute). Checking again in 4 s.");
    expect(rows[2]).toHaveTextContent("Not started");
    expect(screen.getByLabelText("Plan steps: totals").textContent).toBe("Done1Remaining7Failed0");
    expect(screen.getByRole("button", { name: "Stop after the current step" })).toBeEnabled();
  });

  it("opens a failed step with its fix and code", () => {
    const { wizard, plan } = reviewing();
    const failed = ready(
      play(
        wizard,
        { type: "runStarted", kind: "apply", at: 0, steps: plan.steps.map(({ id, title }) => ({ id, title })) },
        { type: "stepSelected", step: "apply" },
        { type: "runProgressed", kind: "apply", at: 0, event: { event: "stepStarted", stepId: "identity/0", title: "Create app registration" } },
        { type: "runProgressed", kind: "apply", at: 0, event: { event: "stepFailed", stepId: "identity/0", code: "forbidden", message: "Insufficient privileges to create applications.", help: "Choose a managed identity on the Identity step." } },
        { type: "runEnded", kind: "apply", run: { ...completedRun(plan, "failed"), error: { code: "service", message: "m", help: "h" } } },
      ),
    );
    show(ApplyStep, failed);
    expect(screen.getByText("Failed: Create app registration")).toBeInTheDocument();
    const row = within(screen.getByRole("list", { name: "Plan steps" })).getAllByRole("listitem")[0]!;
    expect(within(row).getByRole("button")).toHaveAttribute("aria-expanded", "true");
    expect(row).toHaveTextContent("Insufficient privileges to create applications.");
    expect(row).toHaveTextContent("Error code forbidden");
  });
});

describe("Done", () => {
  it("asks before undoing, naming the run", async () => {
    const { wizard, plan } = reviewing();
    const done = ready(play(wizard, { type: "runEnded", kind: "apply", run: completedRun(plan) }, { type: "stepSelected", step: "done" }));
    const first = show(DoneStep, done);
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Your service connections are ready");
    expect(screen.getByRole("button", { name: "Download the report (Markdown)" })).toBeInTheDocument();
    await first.user.click(screen.getByRole("button", { name: "Undo this run…" }));
    expect(first.sent).toEqual([{ type: "undoConfirmRequested" }]);
    cleanup();

    show(DoneStep, ready(play(done, { type: "undoConfirmRequested" })));
    const confirm = screen.getByRole("group", { name: "Undo run run-0001?" });
    expect(confirm).toHaveTextContent("Keyless will delete the 7 resources this run created");
    expect(within(confirm).getByRole("button", { name: "Undo run run-0001" })).toBeInTheDocument();
    expect(within(confirm).getByRole("button", { name: "Keep everything" })).toBeInTheDocument();
  });

  it("shows the issuer and subject shortened in the middle, full on hover", () => {
    const { wizard, plan } = reviewing();
    const run = completedRun(plan);
    show(DoneStep, ready(play(wizard, { type: "runEnded", kind: "apply", run }, { type: "stepSelected", step: "done" })));
    const issuer = run.report.connections[0]!.issuer!;
    expect(screen.getByTitle(issuer).textContent).toContain("…");
    expect(screen.getByRole("button", { name: /^Copy issuer of sc-shop-prod https:/ })).toBeInTheDocument();
  });
});

describe("Identity", () => {
  it("refuses a multitenant app with the AADSTS70052 reason and warns about hand-offs", async () => {
    const wizard = ready(
      play(
        contosoSelected(),
        { type: "stepSelected", step: "identity" },
        { type: "identityChanged", patch: { choice: "existing", searchQuery: "p" } },
        { type: "loadStarted", load: { kind: "identities", query: "p" } },
        { type: "loadSucceeded", load: { kind: "identities", query: "p" }, value: IDENTITIES },
      ),
    );
    show(IdentityStep, wizard);
    const multitenant = screen.getByRole("radio", { name: /partner-integration/ });
    expect(multitenant).toBeDisabled();
    expect(screen.getByText(/Multitenant app: Entra ID refuses workload identity sign-ins to it with the Entra issuer \(AADSTS70052\)/)).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: /id-platform/ })).toBeEnabled();
    expect(screen.getByText(/hand-off pack for its owner/)).toBeInTheDocument();
  });
});

describe("Connections", () => {
  it("warns explicitly when every pipeline may use the connection", () => {
    const wizard = connectionFilled();
    show(ConnectionsStep, ready(play(wizard, { type: "connectionChanged", id: wizard.connections[0]!.id, patch: { allPipelines: true } })));
    expect(screen.getByText("Every pipeline in the project will be able to use this connection.")).toBeInTheDocument();
    expect(screen.getByRole("checkbox", { name: "shop-deploy" })).toBeDisabled();
  });

  it("shows a taken name's problem and what to do", () => {
    const wizard = connectionFilled();
    const id = wizard.connections[0]!.id;
    const taken = ready(
      play(
        wizard,
        { type: "connectionChanged", id, patch: { name: "shop-prod" } },
        { type: "loadStarted", load: { kind: "nameCheck", connectionId: id, key: "contoso/Shop/shop-prod" } },
        { type: "loadSucceeded", load: { kind: "nameCheck", connectionId: id, key: "contoso/Shop/shop-prod" }, value: { ok: false, problem: "Shop already has a service connection named shop-prod.", help: "Choose another name." } },
      ),
    );
    show(ConnectionsStep, taken);
    const name = screen.getByLabelText(/^Connection name/);
    expect(name).toHaveAttribute("aria-invalid", "true");
    expect(name).toHaveAccessibleDescription(/Shop already has a service connection named shop-prod\. Choose another name\./);
  });
});

describe("Connections errors", () => {
  it("explains a failed subscription list and retries it", async () => {
    const failed = ready(
      play(connectionFilled(), { type: "loadFailed", load: { kind: "subscriptions" }, error: { code: "unavailable", message: "Azure Resource Manager did not answer (503).", help: "Try again in a minute." } }),
    );
    const { sent, user } = show(ConnectionsStep, failed);
    const alert = screen.getByRole("alert", { name: "Keyless could not list your subscriptions" });
    expect(alert).toHaveTextContent("Azure Resource Manager did not answer (503).");
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(sent).toEqual([{ type: "loadRetried", load: { kind: "subscriptions" } }]);
  });
});

describe("components", () => {
  it("shortens long values in the middle and keeps short ones", () => {
    expect(shortenMiddle("72f988bf-86f1-41af-91ab-2d7cd011db47")).toBe("72f988bf…d011db47");
    expect(shortenMiddle("short")).toBe("short");
  });

  it("offers the action an error code calls for, never retrying bad input", async () => {
    const user = userEvent.setup();
    let signIns = 0;
    render(<ErrorPanel title="Could not list" error={{ code: "signInRequired", message: "Your sign-in expired.", help: "Sign in again." }} onRetry={() => undefined} onSignIn={() => (signIns += 1)} />);
    expect(screen.queryByRole("button", { name: "Try again" })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Go to Sign in" }));
    expect(signIns).toBe(1);
    cleanup();
    render(<ErrorPanel title="Refused" error={{ code: "invalidInput", message: "m", help: "h" }} onRetry={() => undefined} />);
    expect(screen.queryByRole("button")).toBeNull();
  });
});

// Tests of the Diagnose screens in happy-dom through the whole window: Welcome → scope → findings with the case-only
// difference marked → Fix → plan → applied → passes → Undo confirmed; and a pasted log recognised without signing in.
import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";

import { App } from "../App";
import { MemoryBackend } from "../ipc/memory";
import { DEMO_SIGNED_IN, DEMO_SIGNED_OUT } from "../ipc/memoryWorld";

afterEach(cleanup);

async function startDiagnosing(session = DEMO_SIGNED_IN) {
  const user = userEvent.setup();
  render(<App backend={new MemoryBackend({ session })} />);
  await screen.findByRole("heading", { level: 1, name: "Service connections without secrets" });
  await user.click(screen.getByRole("radio", { name: /Diagnose a broken connection/ }));
  const rail = screen.getByRole("navigation", { name: "Diagnose steps" });
  expect(within(rail).getAllByRole("button").map((step) => step.querySelector(".rail-title")?.textContent)).toEqual([
    "Welcome",
    "Sign in",
    "Diagnose",
    "Findings",
    "Fix",
  ]);
  await user.click(screen.getByRole("button", { name: "Continue to sign in" }));
  return user;
}

describe("the Diagnose path in the window", () => {
  it("finds the broken connection, marks the case difference, fixes it, shows it passing and undoes it after confirming", async () => {
    const user = await startDiagnosing();
    await user.click(await screen.findByRole("button", { name: "Choose what to diagnose" }));
    await screen.findByRole("heading", { level: 1, name: "Diagnose a broken connection" });
    await user.click(screen.getByRole("button", { name: "Diagnose every organization you reach" }));

    await screen.findByRole("heading", { level: 1, name: "Findings" });
    const card = (await screen.findByRole("heading", { level: 3, name: "shop-case-mismatch" })).closest("li");
    if (!card) throw new Error("no card for shop-case-mismatch");
    expect(card.querySelector(".diagnosis-health")?.textContent).toBe("Broken");
    expect(within(card).getByText("AADSTS7002138")).toBeInTheDocument();
    const marked = [...card.querySelectorAll("mark.diff")].map((mark) => mark.textContent);
    expect(marked).toEqual(["S", "s"]);
    expect(within(card).getByText(/differ only in letter case: “S” expected, “s” found/)).toBeInTheDocument();
    // Broken connections come before healthy ones in their project.
    const names = screen.getAllByRole("heading", { level: 3 }).map((heading) => heading.textContent);
    expect(names.indexOf("shop-case-mismatch")).toBeLessThan(names.indexOf("shop-prod"));

    await user.click(within(card).getByRole("button", { name: "Fix shop-case-mismatch" }));
    await screen.findByRole("heading", { level: 1, name: "Fix" });
    expect(await screen.findByText(/Create federated credential for shop-case-mismatch/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Apply the fix" }));
    expect(await screen.findByText("shop-case-mismatch now passes")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: /Undo the fix…/ }));
    const dialog = screen.getByRole("alertdialog", { name: "Undo the fix of shop-case-mismatch?" });
    await user.click(within(dialog).getByRole("button", { name: /Undo the fix of shop-case-mismatch/ }));
    expect(await screen.findByText("Undone")).toBeInTheDocument();
    // Undone, the fix can be applied again; Findings shows the connection broken as before.
    expect(screen.getByRole("button", { name: "Apply the fix" })).toBeEnabled();
    await user.click(within(screen.getByRole("navigation", { name: "Diagnose steps" })).getByRole("button", { name: /^Findings/ }));
    const again = (await screen.findByRole("heading", { level: 3, name: "shop-case-mismatch" })).closest("li");
    expect(again?.querySelector(".diagnosis-health")?.textContent).toBe("Broken");
  });

  it("explains a pasted log from its text when nobody is signed in", async () => {
    const user = await startDiagnosing(DEMO_SIGNED_OUT);
    const rail = screen.getByRole("navigation", { name: "Diagnose steps" });
    await user.click(within(rail).getByRole("button", { name: /^Diagnose/ }));
    await user.click(screen.getByRole("radio", { name: /Paste a pipeline log/ }));
    await user.type(screen.getByRole("textbox", { name: /Pipeline log or error message/ }), "##[error]AADSTS7002138: subject case mismatch");
    await user.click(screen.getByRole("button", { name: "Explain this log" }));
    await screen.findByRole("heading", { level: 1, name: "What the log says" });
    expect(await screen.findByText("Recognised 1 failure")).toBeInTheDocument();
    expect(screen.getByText("Explained from the text only")).toBeInTheDocument();
  });
});

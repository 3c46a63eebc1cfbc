// The sentence the app's live region announces for a state: what is loading, what just happened, where a run stands.
import { diagnoseAnnouncement } from "../diagnose/announce";
import { loadedConnections, selectedConnections, visibleConnections } from "../migrate/selectors";
import type { WizardState } from "./model";
import { activeStep, totalsOf } from "./progress";
import { plural, titleOf } from "./selectors";

export function announcement(state: WizardState): string {
  if (state.phase === "loading") return "Checking which cloud and account this session uses.";
  if (state.phase === "failed") return "Keyless could not check your session.";
  const wizard = state;
  const account = wizard.session.account;
  const where = `${titleOf(wizard.step)} step.`;
  switch (wizard.step) {
    case "welcome":
    case "signIn": {
      if (wizard.signIn.status === "waiting") {
        const prompt = wizard.signIn.prompt;
        return prompt?.kind === "deviceCode"
          ? `Enter the code ${prompt.userCode} at ${prompt.verificationUri}.`
          : "Waiting for you to finish signing in.";
      }
      if (wizard.signIn.status === "failed") return `Sign-in failed: ${wizard.signIn.error.message}`;
      const who = account ? `Signed in as ${account.userPrincipalName}` : "Not signed in";
      return `Ready. ${who} on the ${wizard.session.cloud.name} cloud. ${where}`;
    }
    case "organizations": {
      const remote = wizard.organizations;
      if (remote.status === "loading" || remote.status === "idle") return "Loading your organizations.";
      if (remote.status === "failed") return "Your organizations could not be listed.";
      const failed = remote.value.failed.length > 0 ? ` ${plural(remote.value.failed.length, "could", "could")} not be read.` : "";
      return `${plural(remote.value.organizations.length, "organization")} found, ${wizard.selectedOrganizations.length} selected.${failed}`;
    }
    case "review": {
      const result = wizard.plan?.result;
      if (result?.status === "loaded") {
        const counts = result.value.counts;
        return `Plan ready: ${counts.create} to create, ${counts.update} to update, ${counts.reuse} to reuse, ${counts.verify} to verify.`;
      }
      if (result?.status === "failed") return "The plan could not be made.";
      return "Working out the plan.";
    }
    case "apply": {
      const apply = wizard.runs.apply;
      if (apply.status === "idle" || apply.status === "confirming") return where;
      if (apply.status === "failed") return `The run stopped: ${apply.error.message}`;
      const totals = totalsOf(apply.progress);
      if (apply.status === "finished") {
        return `Run finished: ${totals.done} done, ${totals.failed} failed, ${totals.remaining} remaining.`;
      }
      const active = activeStep(apply.progress);
      const doing = active ? ` Now: ${active.title}.${active.wait ? ` ${active.wait.reason}.` : ""}` : "";
      return `Applying: ${totals.done} of ${totals.total} done.${doing}`;
    }
    case "done": {
      const undo = wizard.runs.undo;
      if (undo.status === "running") return "Undoing the run.";
      if (undo.status === "finished") return "The run was undone.";
      return wizard.lastRun ? `Run ${wizard.lastRun.runId}: ${wizard.lastRun.status}.` : where;
    }
    case "inventory": {
      const remote = wizard.migrate.inventory;
      if (remote.status === "loading" || remote.status === "idle") return "Taking the inventory of your service connections.";
      if (remote.status === "failed") return "The inventory could not be taken.";
      const total = loadedConnections(wizard.migrate).length;
      const shown = visibleConnections(wizard.migrate).length;
      const unread = remote.value.unread.length > 0 ? ` ${plural(remote.value.unread.length, "place")} could not be read.` : "";
      return `${plural(total, "service connection")} found, ${shown} shown, ${selectedConnections(wizard.migrate).length} chosen.${unread}`;
    }
    case "diagnoseScope":
    case "diagnoseFindings":
    case "diagnoseFix":
      return diagnoseAnnouncement(wizard, wizard.step);
    default:
      return where;
  }
}

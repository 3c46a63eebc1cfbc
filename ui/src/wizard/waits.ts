// What a run waits for when Azure answers "not yet", in the window's words.
import type { WaitReasonView } from "../ipc/bindings";

/** One sentence per wait the backend reports; the backend sends the reason, never the words. */
export function waitSentence(wait: WaitReasonView): string {
  switch (wait) {
    case "servicePrincipalInEntra":
      return "Waiting for Entra ID to replicate the new service principal (usually under a minute)";
    case "servicePrincipalInDevOps":
      return "Waiting for Azure DevOps to see the new service principal (usually one to two minutes)";
    case "servicePrincipalInArm":
      return "Waiting for Azure Resource Manager to see the new service principal (usually under a minute)";
    case "federatedCredential":
      return "Waiting for Entra ID to put the new federated credential into effect (usually one to five minutes)";
    case "roleAssignment":
      return "Waiting for the new role assignment to take effect (usually a few minutes)";
    case "newApplication":
      return "Waiting for Entra ID to know the new app registration (usually under a minute)";
    case "membership":
      return "Waiting for Azure DevOps to put the new membership into effect (usually under a minute)";
  }
}

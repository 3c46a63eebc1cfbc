// The Microsoft Learn pages the wizard links to when it first uses a term (the window opens them in the browser).
export const LEARN_MORE_URL = "https://learn.microsoft.com/azure/devops/pipelines/library/connect-to-azure";
/** Federated credentials, issuers and subjects. */
export const FEDERATION_URL = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation";

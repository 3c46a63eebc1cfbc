// The organizations and tenants a listing could not read, each with what failed; nothing when all were read.
import type { FailedLookup } from "../ipc/bindings";
import { plural } from "../wizard/selectors";
import { Notice } from "./Notice";

/** `consequence` finishes the title, e.g. "the others are listed below". */
export function UnreadNotice({ unread, consequence }: { unread: FailedLookup[]; consequence: string }) {
  if (unread.length === 0) return null;
  return (
    <Notice tone="warning" title={`Keyless could not read ${plural(unread.length, "organization or tenant", "organizations or tenants")}; ${consequence}.`}>
      <ul className="plain-list">
        {unread.map((failure) =>
          failure.kind === "tenant" ? (
            <li key={`tenant-${failure.tenantId}`}>
              <strong>{failure.home ? `Your tenant ${failure.tenantId}` : `Tenant ${failure.tenantId}`}</strong>: {failure.message}
            </li>
          ) : (
            <li key={`organization-${failure.name}`}>
              <strong>{failure.name}</strong>: {failure.message}
            </li>
          ),
        )}
      </ul>
    </Notice>
  );
}

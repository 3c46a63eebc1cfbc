// The Connections step: one editor per service connection, and a button to add another.
import { Icon } from "../components/Icon";
import { identityLabel } from "../wizard/selectors";
import { ConnectionEditor } from "./ConnectionEditor";
import { StepTitle } from "./StepTitle";
import type { StepProps } from "./types";

export function ConnectionsStep(props: StepProps) {
  const { wizard, dispatch, titleId } = props;
  return (
    <article className="step">
      <StepTitle
        id={titleId}
        lead={`Each service connection lets the pipelines you name sign in as ${identityLabel(wizard)}. Azure DevOps assigns each one an issuer and subject; Keyless copies exactly those into a federated credential.`}
      >
        Service connections
      </StepTitle>
      {wizard.connections.map((draft, index) => (
        <ConnectionEditor key={draft.id} {...props} draft={draft} index={index} />
      ))}
      <div className="button-row">
        <button type="button" className="button" onClick={() => dispatch({ type: "connectionAdded" })}>
          <Icon name="plus" />
          Add another connection
        </button>
      </div>
    </article>
  );
}

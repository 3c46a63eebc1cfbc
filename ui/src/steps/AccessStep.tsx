// The Access step: per organization the identity's access level, per project the security groups it joins.
import type { AccessLevelInput, ProjectGroupInput } from "../ipc/bindings";
import { ErrorPanel } from "../components/ErrorPanel";
import { Loading } from "../components/Loading";
import { identityLabel, plural } from "../wizard/selectors";
import { StepTitle } from "./StepTitle";
import type { StepProps } from "./types";

const ACCESS_LEVELS: { value: AccessLevelInput; title: string; text: string }[] = [
  { value: "stakeholder", title: "Stakeholder", text: "Free, with limited features." },
  { value: "basic", title: "Basic", text: "A paid licence; needed by Azure DevOps connections." },
  { value: "basicTestPlans", title: "Basic + Test Plans", text: "Basic plus test management; rarely needed." },
];

const GROUPS: { value: ProjectGroupInput & string; title: string; text: string }[] = [
  { value: "readers", title: "Readers", text: "read code, work items and builds" },
  { value: "contributors", title: "Contributors", text: "also push code and queue builds" },
  { value: "projectAdministrators", title: "Project Administrators", text: "manage the project" },
];

function OrganizationAccessCard({ organization, wizard, dispatch }: StepProps & { organization: string }) {
  const access = wizard.access[organization] ?? { accessLevel: "basic", projects: {} };
  const projects = wizard.projects[organization];
  const headingId = `access-${organization}`;
  const joined = Object.keys(access.projects).length;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{organization}</h2>
      <fieldset className="inline-choices inline-choices-row">
        <legend>Access level in {organization}</legend>
        {ACCESS_LEVELS.map((level) => (
          <label key={level.value} className="inline-choice">
            <input
              type="radio"
              name={`access-level-${organization}`}
              checked={access.accessLevel === level.value}
              onChange={() => dispatch({ type: "accessLevelChanged", organization, accessLevel: level.value })}
            />
            <span>
              <span className="choice-title">{level.title}</span>
              <span className="choice-hint">{level.text}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {projects === undefined || projects.status === "idle" || projects.status === "loading" ? (
        <Loading what={`Listing the projects of ${organization}…`} lines={2} />
      ) : projects.status === "failed" ? (
        <ErrorPanel
          title={`Keyless could not list the projects of ${organization}`}
          error={projects.error}
          onRetry={() => dispatch({ type: "loadRetried", load: { kind: "projects", organization } })}
        />
      ) : projects.value.length === 0 ? (
        <p className="empty">{organization} has no projects yet. Create one in Azure DevOps, then come back.</p>
      ) : (
        <table className="table access-table">
          <caption>
            Project groups in {organization}
            <span className="muted"> · {joined === 0 ? "the identity joins no project yet" : `joins ${plural(joined, "project")}`}</span>
          </caption>
          <thead>
            <tr>
              <th scope="col">Project</th>
              {GROUPS.map((group) => (
                <th key={group.value} scope="col">
                  {group.title}
                  <span className="th-hint">{group.text}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {projects.value.map((project) => {
              const groups = access.projects[project.name] ?? [];
              return (
                <tr key={project.id}>
                  <th scope="row">{project.name}</th>
                  {GROUPS.map((group) => (
                    <td key={group.value}>
                      <input
                        type="checkbox"
                        aria-label={`${group.title} in ${organization} / ${project.name}`}
                        checked={groups.includes(group.value)}
                        onChange={() => dispatch({ type: "projectGroupToggled", organization, project: project.name, group: group.value })}
                      />
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function AccessStep(props: StepProps) {
  const { wizard, titleId } = props;
  const name = identityLabel(wizard);
  return (
    <article className="step">
      <StepTitle
        id={titleId}
        lead={`Keyless adds ${name} to each organization with the access level you choose, and to the project groups you tick. Readers is enough for most connections; give more only when pipelines need it.`}
      >
        Access
      </StepTitle>
      {wizard.selectedOrganizations.map((organization) => (
        <OrganizationAccessCard key={organization} {...props} organization={organization} />
      ))}
      <p className="muted">Licences count per organization. Keyless adds the identity by its service principal, the id Azure DevOps expects.</p>
    </article>
  );
}

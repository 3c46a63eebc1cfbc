//! Renders an [`ExportSet`] as Terraform: the `terraform` block with the three providers, one
//! provider configuration per Azure DevOps organization (aliased when there are several), one
//! resource per object and an `import` block per object that exists, with each provider's
//! documented import id. It writes no secret, because an [`ExportSet`] holds none; connections
//! that sign in with one say so in a comment.

use std::{collections::BTreeMap, fmt::Write};

use super::hcl::{Block, comment_text, hcl_string};
use super::{
    AzureRmScope, ConnectionTarget, CredentialParent, ExportConnection, ExportEntitlement, ExportFederatedCredential,
    ExportObject, ExportRoleAssignment, ExportSet, RoleRef, naming::NameBook,
};
use crate::Guid;

/// One resource written, with the id `terraform import` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedObject {
    /// `azuread_application.kl_prod_deployer`.
    pub address: String,
    /// `None` when Keyless could not read the id the provider imports by.
    pub import_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedTerraform {
    pub text: String,
    pub objects: Vec<RenderedObject>,
}

/// Names given so far, so later objects refer to earlier ones instead of repeating ids.
#[derive(Default)]
struct Addresses {
    book: NameBook,
    applications: BTreeMap<Guid, String>,
    applications_by_client: BTreeMap<Guid, String>,
    service_principals: BTreeMap<Guid, String>,
    managed_identities: BTreeMap<String, String>,
    identities_by_client: BTreeMap<Guid, String>,
    projects: BTreeMap<(String, String), String>,
}

struct Renderer<'a> {
    set: &'a ExportSet,
    providers: BTreeMap<String, String>,
    names: Addresses,
    body: String,
    objects: Vec<RenderedObject>,
}

const AZUREDEVOPS_ENDPOINT_AZURERM: &str = "azuredevops_serviceendpoint_azurerm";
const AZUREDEVOPS_ENDPOINT_GENERIC: &str = "azuredevops_serviceendpoint_generic_v2";

/// The Terraform text for `set`, objects in a stable order whatever order they came in.
pub fn render_terraform(set: &ExportSet) -> RenderedTerraform {
    let mut objects: Vec<&ExportObject> = set.objects.iter().collect();
    objects.sort_by_key(|object| order_key(object));
    let providers = if set.organizations.len() > 1 {
        let mut book = NameBook::default();
        set.organizations
            .iter()
            .map(|org| (org.name.clone(), format!("azuredevops.{}", book.claim("azuredevops", &org.name, "org"))))
            .collect()
    } else {
        BTreeMap::new()
    };
    let mut renderer = Renderer { set, providers, names: Addresses::default(), body: String::new(), objects: vec![] };
    for object in objects {
        renderer.object(object);
    }
    let mut text = renderer.header(&set.objects);
    text.push_str(&renderer.body);
    RenderedTerraform { text, objects: renderer.objects }
}

/// Parents before children, then by name and id.
fn order_key(object: &ExportObject) -> (u8, String, String) {
    match object {
        ExportObject::Application(app) => (0, app.display_name.clone(), app.object_id.to_string()),
        ExportObject::ManagedIdentity(mi) => (1, mi.name.clone(), mi.resource_id.clone()),
        ExportObject::ServicePrincipal(sp) => (2, sp.display_name.clone(), sp.object_id.to_string()),
        ExportObject::FederatedCredential(fic) => (3, fic.name.clone(), format!("{:?}", fic.parent)),
        ExportObject::RoleAssignment(role) => (4, role.scope.clone(), role.id.clone()),
        ExportObject::Entitlement(member) => (5, member.organization.clone(), member.id.to_string()),
        ExportObject::ServiceConnection(sc) => {
            (6, format!("{}/{}/{}", sc.organization, sc.project, sc.name), sc.id.to_string())
        }
    }
}

fn subscription_of(resource_id: &str) -> Option<&str> {
    let mut parts = resource_id.split('/');
    while let Some(part) = parts.next() {
        if part.eq_ignore_ascii_case("subscriptions") {
            return parts.next();
        }
    }
    None
}

impl Renderer<'_> {
    fn header(&self, objects: &[ExportObject]) -> String {
        let uses = |wanted: fn(&ExportObject) -> bool| objects.iter().any(wanted);
        let azuread = uses(|o| {
            matches!(o, ExportObject::Application(_) | ExportObject::ServicePrincipal(_))
                || matches!(o, ExportObject::FederatedCredential(f) if matches!(f.parent, CredentialParent::Application { .. }))
        });
        let azurerm = uses(|o| {
            matches!(o, ExportObject::ManagedIdentity(_) | ExportObject::RoleAssignment(_))
                || matches!(o, ExportObject::FederatedCredential(f) if matches!(f.parent, CredentialParent::ManagedIdentity { .. }))
        });
        let azuredevops = uses(|o| matches!(o, ExportObject::ServiceConnection(_) | ExportObject::Entitlement(_)));

        let mut out = String::from("# Written by Keyless. Every object below exists already: the\n");
        out.push_str("# import blocks bring it under Terraform on the next apply (Terraform 1.5 or later).\n");
        out.push_str("# No secret, certificate or token is written here.\n");
        for note in &self.set.notes {
            let _ = writeln!(out, "# Not exported: {}", comment_text(note));
        }
        out.push('\n');
        let mut required = Block::new("required_providers");
        if azuredevops {
            required = required.map(
                "azuredevops",
                vec![("source", hcl_string("microsoft/azuredevops")), ("version", hcl_string("~> 1.0"))],
            );
        }
        if azuread {
            required = required
                .map("azuread", vec![("source", hcl_string("hashicorp/azuread")), ("version", hcl_string("~> 3.0"))]);
        }
        if azurerm {
            required = required
                .map("azurerm", vec![("source", hcl_string("hashicorp/azurerm")), ("version", hcl_string("~> 4.0"))]);
        }
        Block::new("terraform").string("required_version", ">= 1.5.0").block(required).write(&mut out, 0);
        if azuredevops {
            for org in &self.set.organizations {
                out.push('\n');
                let mut provider = Block::new("provider \"azuredevops\"");
                if let Some(alias) = self.providers.get(&org.name) {
                    provider = provider.string("alias", alias.trim_start_matches("azuredevops."));
                }
                provider.string("org_service_url", &org.service_url).write(&mut out, 0);
            }
        }
        if azuread {
            out.push('\n');
            let provider = Block::new("provider \"azuread\"");
            match self.set.tenant_id {
                Some(tenant) => provider.string("tenant_id", &tenant.to_string()),
                None => provider.comment("tenant_id comes from ARM_TENANT_ID"),
            }
            .write(&mut out, 0);
        }
        if azurerm {
            out.push('\n');
            let subscription = objects.iter().find_map(|o| match o {
                ExportObject::ManagedIdentity(mi) => subscription_of(&mi.resource_id),
                ExportObject::RoleAssignment(role) => subscription_of(&role.scope),
                _ => None,
            });
            let provider = Block::new("provider \"azurerm\"").block(Block::new("features"));
            match subscription {
                Some(subscription) => provider.string("subscription_id", subscription),
                None => provider.comment("subscription_id comes from ARM_SUBSCRIPTION_ID"),
            }
            .write(&mut out, 0);
        }
        out
    }

    fn emit(
        &mut self,
        resource_type: &str,
        name: &str,
        block: Block,
        import_id: Option<String>,
        provider: Option<&str>,
    ) {
        let address = format!("{resource_type}.{name}");
        self.body.push('\n');
        if let Some(id) = &import_id {
            Block::new("import")
                .attr("to", address.clone())
                .string("id", id)
                .provider(provider)
                .write(&mut self.body, 0);
            self.body.push('\n');
        }
        block.write(&mut self.body, 0);
        self.objects.push(RenderedObject { address, import_id });
    }

    fn claim(&mut self, resource_type: &str, display_name: &str, fallback: &str) -> String {
        self.names.book.claim(resource_type, display_name, fallback)
    }

    fn devops_provider(&self, organization: &str) -> Option<String> {
        self.providers.get(organization).cloned()
    }

    fn object(&mut self, object: &ExportObject) {
        match object {
            ExportObject::Application(app) => {
                let name = self.claim("azuread_application", &app.display_name, "app");
                let mut block = Block::new(format!("resource \"azuread_application\" \"{name}\""))
                    .string("display_name", &app.display_name);
                if let Some(audience) = &app.sign_in_audience {
                    block = block.string("sign_in_audience", audience);
                }
                let block = block.comment(&format!("client id {}", app.client_id));
                self.names.applications.insert(app.object_id, name.clone());
                self.names.applications_by_client.insert(app.client_id, name.clone());
                self.emit("azuread_application", &name, block, Some(format!("/applications/{}", app.object_id)), None);
            }
            ExportObject::ServicePrincipal(sp) => {
                let name = self.claim("azuread_service_principal", &sp.display_name, "sp");
                let client_id = match self.names.applications_by_client.get(&sp.client_id) {
                    Some(app) => format!("azuread_application.{app}.client_id"),
                    None => hcl_string(&sp.client_id.to_string()),
                };
                let block = Block::new(format!("resource \"azuread_service_principal\" \"{name}\""))
                    .attr("client_id", client_id);
                self.names.service_principals.insert(sp.object_id, name.clone());
                let id = format!("/servicePrincipals/{}", sp.object_id);
                self.emit("azuread_service_principal", &name, block, Some(id), None);
            }
            ExportObject::ManagedIdentity(mi) => {
                let name = self.claim("azurerm_user_assigned_identity", &mi.name, "identity");
                let block = Block::new(format!("resource \"azurerm_user_assigned_identity\" \"{name}\""))
                    .string("name", &mi.name)
                    .string("resource_group_name", &mi.resource_group)
                    .string("location", &mi.location);
                self.names.managed_identities.insert(mi.resource_id.to_ascii_lowercase(), name.clone());
                self.names.identities_by_client.insert(mi.client_id, format!("azurerm_user_assigned_identity.{name}"));
                self.emit(
                    "azurerm_user_assigned_identity",
                    &name,
                    block,
                    Some(canonical_arm_id(&mi.resource_id)),
                    None,
                );
            }
            ExportObject::FederatedCredential(fic) => self.federated_credential(fic),
            ExportObject::RoleAssignment(role) => self.role_assignment(role),
            ExportObject::Entitlement(member) => self.entitlement(member),
            ExportObject::ServiceConnection(connection) => self.connection(connection),
        }
    }

    fn federated_credential(&mut self, fic: &ExportFederatedCredential) {
        let audiences = format!("[{}]", fic.audiences.iter().map(|a| hcl_string(a)).collect::<Vec<_>>().join(", "));
        match &fic.parent {
            CredentialParent::Application { object_id } => {
                let resource_type = "azuread_application_federated_identity_credential";
                let name = self.claim(resource_type, &fic.name, "credential");
                let application_id = match self.names.applications.get(object_id) {
                    Some(app) => format!("azuread_application.{app}.id"),
                    None => hcl_string(&format!("/applications/{object_id}")),
                };
                let mut block = Block::new(format!("resource \"{resource_type}\" \"{name}\""))
                    .attr("application_id", application_id)
                    .string("display_name", &fic.name);
                if let Some(description) = &fic.description {
                    block = block.string("description", description);
                }
                block =
                    block.attr("audiences", audiences).string("issuer", &fic.issuer).string("subject", &fic.subject);
                let import_id = fic.id.map(|id| format!("{object_id}/federatedIdentityCredential/{id}"));
                if import_id.is_none() {
                    block = block.comment("its credential id could not be read, so it has no import block");
                }
                self.emit(resource_type, &name, block, import_id, None);
            }
            CredentialParent::ManagedIdentity { resource_id } => {
                let resource_type = "azurerm_federated_identity_credential";
                let name = self.claim(resource_type, &fic.name, "credential");
                let parent_id = match self.names.managed_identities.get(&resource_id.to_ascii_lowercase()) {
                    Some(mi) => format!("azurerm_user_assigned_identity.{mi}.id"),
                    None => hcl_string(&canonical_arm_id(resource_id)),
                };
                let resource_group = resource_group_of(resource_id).unwrap_or_default();
                let block = Block::new(format!("resource \"{resource_type}\" \"{name}\""))
                    .string("name", &fic.name)
                    .string("resource_group_name", resource_group)
                    .attr("parent_id", parent_id)
                    .attr("audience", audiences)
                    .string("issuer", &fic.issuer)
                    .string("subject", &fic.subject);
                let import_id = format!("{}/federatedIdentityCredentials/{}", canonical_arm_id(resource_id), fic.name);
                self.emit(resource_type, &name, block, Some(import_id), None);
            }
        }
    }

    fn role_assignment(&mut self, role: &ExportRoleAssignment) {
        let resource_type = "azurerm_role_assignment";
        let role_label = match &role.role {
            RoleRef::Name(name) => name.clone(),
            RoleRef::DefinitionId(id) => id.rsplit('/').next().unwrap_or(id).to_string(),
        };
        let scope_label = role.scope.rsplit('/').next().unwrap_or_default();
        let name = self.claim(resource_type, &format!("{role_label} {scope_label}"), "role");
        let mut block = Block::new(format!("resource \"{resource_type}\" \"{name}\""))
            .string("scope", &canonical_arm_id(&role.scope));
        block = match &role.role {
            RoleRef::Name(role_name) => block.string("role_definition_name", role_name),
            RoleRef::DefinitionId(id) => block.string("role_definition_id", id),
        };
        let principal = match self.names.service_principals.get(&role.principal_id) {
            Some(sp) => format!("azuread_service_principal.{sp}.object_id"),
            None => hcl_string(&role.principal_id.to_string()),
        };
        let block = block.attr("principal_id", principal);
        self.emit(resource_type, &name, block, Some(canonical_arm_id(&role.id)), None);
    }

    fn entitlement(&mut self, member: &ExportEntitlement) {
        let resource_type = "azuredevops_service_principal_entitlement";
        let provider = self.devops_provider(&member.organization);
        let name = self.claim(resource_type, &member.organization, "member");
        let origin = match self.names.service_principals.get(&member.origin_id) {
            Some(sp) => format!("azuread_service_principal.{sp}.object_id"),
            None => hcl_string(&member.origin_id.to_string()),
        };
        let mut block = Block::new(format!("resource \"{resource_type}\" \"{name}\""))
            .provider(provider.as_deref())
            .attr("origin_id", origin)
            .string("origin", "aad");
        if let Some(license) = &member.license {
            block = block.string("account_license_type", license);
        }
        self.emit(resource_type, &name, block, Some(member.id.to_string()), provider.as_deref());
    }

    /// The `data "azuredevops_project"` a connection's `project_id` refers to, written once.
    fn project(&mut self, organization: &str, project: &str, provider: Option<&str>) -> String {
        let key = (organization.to_string(), project.to_string());
        if let Some(name) = self.names.projects.get(&key) {
            return format!("data.azuredevops_project.{name}.id");
        }
        let name = self.claim("data.azuredevops_project", project, "project");
        self.body.push('\n');
        Block::new(format!("data \"azuredevops_project\" \"{name}\""))
            .provider(provider)
            .string("name", project)
            .write(&mut self.body, 0);
        self.names.projects.insert(key, name.clone());
        format!("data.azuredevops_project.{name}.id")
    }

    fn client_reference(&self, client_id: Option<Guid>) -> String {
        let Some(client_id) = client_id else { return hcl_string("") };
        if let Some(app) = self.names.applications_by_client.get(&client_id) {
            return format!("azuread_application.{app}.client_id");
        }
        match self.names.identities_by_client.get(&client_id) {
            Some(mi) => format!("{mi}.client_id"),
            None => hcl_string(&client_id.to_string()),
        }
    }

    fn connection(&mut self, sc: &ExportConnection) {
        let provider = self.devops_provider(&sc.organization);
        let project_id = self.project(&sc.organization, &sc.project, provider.as_deref());
        let project_in_id = sc.project_id.map_or_else(|| sc.project.clone(), |id| id.to_string());
        let import_id = Some(format!("{project_in_id}/{}", sc.id));
        let description = sc.description.clone().unwrap_or_default();
        let tenant = |tenant: &Option<Guid>| tenant.or(self.set.tenant_id).map(|t| t.to_string()).unwrap_or_default();
        match &sc.target {
            ConnectionTarget::AzureRm { scheme, tenant_id, client_id, scope, environment } => {
                let resource_type = AZUREDEVOPS_ENDPOINT_AZURERM;
                let name = self.claim(resource_type, &sc.name, "sc");
                let mut block = Block::new(format!("resource \"{resource_type}\" \"{name}\""))
                    .provider(provider.as_deref())
                    .attr("project_id", project_id)
                    .string("service_endpoint_name", &sc.name)
                    .string("description", &description)
                    .string("service_endpoint_authentication_scheme", scheme)
                    .string("azurerm_spn_tenantid", &tenant(tenant_id));
                block = match scope {
                    AzureRmScope::Subscription { id, name, resource_group } => {
                        let id = id.to_string();
                        let block = block
                            .string("azurerm_subscription_id", &id)
                            .string("azurerm_subscription_name", name.as_deref().unwrap_or(&id));
                        match resource_group {
                            Some(group) => block.string("resource_group", group),
                            None => block,
                        }
                    }
                    AzureRmScope::ManagementGroup { id, name } => block
                        .string("azurerm_management_group_id", id)
                        .string("azurerm_management_group_name", name.as_deref().unwrap_or(id)),
                    AzureRmScope::Unknown => block.comment("its subscription or management group could not be read"),
                };
                if let Some(environment) = environment.as_deref().filter(|e| *e != "AzureCloud") {
                    block = block.string("environment", environment);
                }
                if scheme != "ManagedServiceIdentity" {
                    let mut credentials =
                        Block::new("credentials").attr("serviceprincipalid", self.client_reference(*client_id));
                    if sc.target.holds_secret() {
                        credentials = credentials
                            .comment("serviceprincipalkey: the client secret is not exported; this connection still")
                            .comment("signs in with a secret until it is migrated to workload identity federation");
                    }
                    block = block.block(credentials);
                }
                self.emit(resource_type, &name, block, import_id, provider.as_deref());
            }
            ConnectionTarget::AzureDevOps { scheme, tenant_id, client_id, url } => {
                let resource_type = AZUREDEVOPS_ENDPOINT_GENERIC;
                let name = self.claim(resource_type, &sc.name, "sc");
                let mut block = Block::new(format!("resource \"{resource_type}\" \"{name}\""))
                    .provider(provider.as_deref())
                    .comment(
                        "An \"Azure DevOps\" connection (WorkloadIdentityUser): the provider has no dedicated resource",
                    )
                    .attr("project_id", project_id)
                    .string("name", &sc.name)
                    .string("description", &description)
                    .string("type", "WorkloadIdentityUser")
                    .string("server_url", url)
                    .string("authorization_scheme", scheme)
                    .map(
                        "authorization_parameters",
                        vec![
                            ("serviceprincipalid", self.client_reference(*client_id)),
                            ("tenantid", hcl_string(&tenant(tenant_id))),
                        ],
                    );
                if sc.target.holds_secret() {
                    block = block.comment("its secret is not exported");
                }
                self.emit(resource_type, &name, block, import_id, provider.as_deref());
            }
            ConnectionTarget::Other { endpoint_type, scheme, url } => {
                let resource_type = AZUREDEVOPS_ENDPOINT_GENERIC;
                let name = self.claim(resource_type, &sc.name, "sc");
                let mut block = Block::new(format!("resource \"{resource_type}\" \"{name}\""))
                    .provider(provider.as_deref())
                    .attr("project_id", project_id)
                    .string("name", &sc.name)
                    .string("description", &description)
                    .string("type", endpoint_type)
                    .string("server_url", url.as_deref().unwrap_or_default())
                    .string("authorization_scheme", scheme);
                if sc.target.holds_secret() {
                    block = block.comment(&format!(
                        "its {scheme} authorization parameters (token, password or secret) are not exported"
                    ));
                }
                self.emit(resource_type, &name, block, import_id, provider.as_deref());
            }
        }
    }
}

/// An ARM id with the casing the Terraform providers' id parsers expect for the segments
/// every id shares; ARM itself sometimes answers `resourcegroups`.
fn canonical_arm_id(resource_id: &str) -> String {
    resource_id
        .split('/')
        .map(|segment| match segment.to_ascii_lowercase().as_str() {
            "subscriptions" => "subscriptions",
            "resourcegroups" => "resourceGroups",
            "providers" => "providers",
            _ => segment,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The resource group named in an ARM id.
fn resource_group_of(resource_id: &str) -> Option<&str> {
    let mut parts = resource_id.split('/');
    while let Some(part) = parts.next() {
        if part.eq_ignore_ascii_case("resourceGroups") {
            return parts.next();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_ids_give_their_subscription_and_resource_group() {
        let id =
            "/subscriptions/s1/resourceGroups/rg-web/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi";
        assert_eq!(subscription_of(id), Some("s1"));
        assert_eq!(resource_group_of(id), Some("rg-web"));
        assert_eq!(resource_group_of("/providers/Microsoft.Management/managementGroups/mg"), None);
    }

    #[test]
    fn arm_ids_get_the_segment_casing_provider_id_parsers_expect() {
        let answered =
            "/Subscriptions/s1/resourcegroups/rg-web/Providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi";
        assert_eq!(
            canonical_arm_id(answered),
            "/subscriptions/s1/resourceGroups/rg-web/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi"
        );
    }
}

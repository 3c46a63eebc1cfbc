//! The inventory command: every service connection of the estate, classified by what migrating
//! it takes, as the views the Migrate path's table shows.
//!
//! Reading and classifying is the shared use case (`keyless_usecases::inventory`); this module
//! only converts its facts into `keyless-ipc` views, destructuring every field so that a new
//! fact fails to compile until the window carries it. It changes nothing in Azure.

use keyless_core::{
    inventory::{
        AZURE_DEVOPS_ISSUER_RETIREMENT, ConnectionClass, CredentialMatch, InventoriedConnection, InventoryIdentity,
        IssuerKind, Orphan,
    },
    names::OrgName,
    observed::IdentityKind,
};
use keyless_ipc::{
    ConnectionClassView, CredentialMatchView, IdentityKindView, InventoriedConnectionView, InventoryIdentityView,
    InventoryRequest, InventoryView, IssuerKindView, OrphanView,
};
use keyless_usecases::inventory::{Inventory, take_inventory};

use crate::{Controller, DesktopError, directory::failed_lookup};

impl Controller {
    /// `take_inventory`: the connections of the organizations named, or of every organization
    /// the account reaches. Organizations that could not be read are listed beside the rest.
    pub async fn take_inventory(&self, request: InventoryRequest) -> Result<InventoryView, DesktopError> {
        let InventoryRequest { organizations } = request;
        let connected = self.connected()?;
        let names = organizations
            .map(|names| names.iter().map(|name| OrgName::parse(name)).collect::<Result<Vec<_>, _>>())
            .transpose()?;
        let Inventory { connections, unread } = take_inventory(&connected, names.as_deref()).await?;
        Ok(InventoryView {
            connections: connections.into_iter().map(connection_view).collect(),
            unread: unread.into_iter().map(failed_lookup).collect(),
            azure_devops_issuer_retirement: AZURE_DEVOPS_ISSUER_RETIREMENT.to_string(),
        })
    }
}

fn connection_view(connection: InventoriedConnection) -> InventoriedConnectionView {
    let InventoriedConnection {
        organization,
        projects,
        owning_project,
        name,
        id,
        endpoint_type,
        scheme,
        creation_mode,
        is_shared,
        is_draft,
        url,
        identity,
        identity_unread,
        issuer,
        issuer_kind,
        subject,
        credential_match,
        last_used,
        all_pipelines,
        authorized_pipelines,
        class,
        reason,
    } = connection;
    InventoriedConnectionView {
        organization,
        projects,
        owning_project,
        name,
        id: id.to_string(),
        endpoint_type,
        scheme,
        creation_mode,
        is_shared,
        is_draft,
        url,
        identity: identity.map(identity_view),
        identity_unread,
        issuer,
        issuer_kind: issuer_kind.map(issuer_kind_view),
        subject,
        credential_match: credential_match.map(credential_match_view),
        last_used,
        all_pipelines,
        authorized_pipelines,
        class: class_view(class),
        reason,
    }
}

fn identity_view(identity: InventoryIdentity) -> InventoryIdentityView {
    let InventoryIdentity {
        client_id,
        kind,
        display_name,
        multitenant,
        tenant_id,
        can_write_credentials,
        credential_count,
        secret_expiries,
        certificate_expiries,
        orphan,
    } = identity;
    InventoryIdentityView {
        client_id: client_id.to_string(),
        kind: kind.map(|kind| match kind {
            IdentityKind::AppRegistration => IdentityKindView::AppRegistration,
            IdentityKind::ManagedIdentity => IdentityKindView::ManagedIdentity,
        }),
        display_name,
        multitenant,
        tenant_id: tenant_id.map(|tenant| tenant.to_string()),
        can_write_credentials,
        credential_count,
        secret_expiries,
        certificate_expiries,
        orphan: orphan.map(|orphan| match orphan {
            Orphan::NoServicePrincipal => OrphanView::NoServicePrincipal,
            Orphan::IdentityGone => OrphanView::IdentityGone,
        }),
    }
}

fn class_view(class: ConnectionClass) -> ConnectionClassView {
    match class {
        ConnectionClass::ZeroSecret => ConnectionClassView::ZeroSecret,
        ConnectionClass::ConvertibleInPlace => ConnectionClassView::ConvertibleInPlace,
        ConnectionClass::ConvertibleAfterCredential => ConnectionClassView::ConvertibleAfterCredential,
        ConnectionClass::Shared => ConnectionClassView::Shared,
        ConnectionClass::TokenBased => ConnectionClassView::TokenBased,
        ConnectionClass::OutOfScope => ConnectionClassView::OutOfScope,
        ConnectionClass::NeedsAttention => ConnectionClassView::NeedsAttention,
    }
}

fn issuer_kind_view(kind: IssuerKind) -> IssuerKindView {
    match kind {
        IssuerKind::AzureDevOps => IssuerKindView::AzureDevOps,
        IssuerKind::Entra => IssuerKindView::Entra,
    }
}

fn credential_match_view(credential_match: CredentialMatch) -> CredentialMatchView {
    match credential_match {
        CredentialMatch::Exact => CredentialMatchView::Exact,
        CredentialMatch::Missing => CredentialMatchView::Missing,
        CredentialMatch::SubjectDiffersInCase => CredentialMatchView::SubjectDiffersInCase,
        CredentialMatch::SubjectDiffers => CredentialMatchView::SubjectDiffers,
        CredentialMatch::AudienceDiffers => CredentialMatchView::AudienceDiffers,
    }
}

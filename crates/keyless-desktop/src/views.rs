//! Domain values turned into the wire views of `keyless-ipc`.
//!
//! Every conversion destructures its source completely, naming ignored fields with `_`, so a new
//! domain field fails to compile here until someone decides whether the UI needs it.

use keyless_core::CloudProfile;
use keyless_ipc::{AccountView, CloudView};

use keyless_usecases::{Cloud, CloudChoice, SignedInAccount};

use crate::CloudSetting;

/// The name the header shows for the built-in demo cloud.
pub const DEMO_CLOUD_NAME: &str = "Demo";

/// The header's cloud: the profile once read, else what the setting names.
pub fn cloud_view(setting: &CloudSetting, resolved: Option<&Cloud>) -> CloudView {
    match (setting, resolved) {
        (CloudSetting::Demo, _) => CloudView { name: DEMO_CLOUD_NAME.into(), is_demo: true },
        (CloudSetting::Chosen(_), Some(cloud)) => profile_view(&cloud.profile),
        (CloudSetting::Chosen(CloudChoice::Named(name)), None) => profile_view(&name.profile()),
        // An emulator the user started is as harmless as the built-in one, so it is marked the same way.
        (CloudSetting::Chosen(CloudChoice::Url(_) | CloudChoice::Demo), None) => {
            CloudView { name: DEMO_CLOUD_NAME.into(), is_demo: true }
        }
        (CloudSetting::Chosen(CloudChoice::File(path)), None) => CloudView {
            name: path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default(),
            is_demo: false,
        },
    }
}

fn profile_view(profile: &CloudProfile) -> CloudView {
    let CloudProfile {
        name,
        authority_host: _,
        issuer_host: _,
        graph: _,
        resource_manager: _,
        devops: _,
        devops_vssps: _,
        devops_vsaex: _,
        devops_profile: _,
        devops_resource_id: _,
        service_endpoint_environment: _,
        service_endpoint_url: _,
        cloud_code: _,
        wif_support: _,
        is_emulator,
    } = profile;
    // An emulator the user started is as harmless as the built-in one, so it is marked the same way.
    CloudView { name: name.clone(), is_demo: *is_emulator }
}

pub fn account_view(account: &SignedInAccount) -> AccountView {
    let SignedInAccount { user_principal_name, display_name, object_id: _, tenant_id } = account;
    AccountView {
        user_principal_name: user_principal_name.clone(),
        display_name: display_name.clone(),
        tenant_id: tenant_id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use keyless_core::{CloudName, Guid};

    use super::*;

    #[test]
    fn demo_and_emulator_clouds_are_marked_as_demo() {
        assert_eq!(cloud_view(&CloudSetting::Demo, None), CloudView { name: "Demo".into(), is_demo: true });
        let emulator = CloudSetting::Chosen(CloudChoice::Url("http://127.0.0.1:7780".into()));
        assert!(cloud_view(&emulator, None).is_demo);
        let profile = CloudProfile::for_emulator("http://127.0.0.1:7780");
        let resolved =
            Cloud { profile, source: keyless_azure::cloud_spec::CloudSource::FetchedFromUrl, is_demo: false };
        assert!(cloud_view(&emulator, Some(&resolved)).is_demo);
    }

    #[test]
    fn real_clouds_show_their_name_and_are_not_demo() {
        let public = CloudSetting::Chosen(CloudChoice::Named(CloudName::Public));
        assert_eq!(cloud_view(&public, None), CloudView { name: "AzureCloud".into(), is_demo: false });
    }

    #[test]
    fn account_tenant_is_a_lowercase_guid() {
        let account = SignedInAccount {
            user_principal_name: "ada@contoso.com".into(),
            display_name: "Ada Lovelace".into(),
            object_id: None,
            tenant_id: Guid::from_u128(0x72F988BF_86F1_41AF_91AB_2D7CD011DB47),
        };
        assert_eq!(account_view(&account).tenant_id, "72f988bf-86f1-41af-91ab-2d7cd011db47");
    }
}

//! `GET /subscriptions/{id}/locations?api-version=2022-12-01`: the regions a subscription can
//! deploy to, for the desktop wizard's region picker.
//!
//! A fixed list that includes the two regions where managed identities cannot hold federated
//! credentials, so pickers can be tested against them. No paging (ARM returns every location in
//! one page), no `extendedLocations`, no availability zones.

use axum::{http::StatusCode, response::Response};
use serde_json::{Value, json};

use super::{Caller, subscription_for, version};
use crate::{http::Call, state::Emulator};

/// The one api-version Keyless uses for locations; others get ARM's invalid-version error.
const LOCATION_VERSIONS: &[&str] = &["2022-12-01"];

/// `(name, displayName, regionalDisplayName)`, in ARM's order.
const LOCATIONS: &[(&str, &str, &str)] = &[
    ("eastus", "East US", "(US) East US"),
    ("westus", "West US", "(US) West US"),
    ("northeurope", "North Europe", "(Europe) North Europe"),
    ("westeurope", "West Europe", "(Europe) West Europe"),
    ("australiaeast", "Australia East", "(Asia Pacific) Australia East"),
    ("malaysiasouth", "Malaysia South", "(Asia Pacific) Malaysia South"),
    ("newzealandnorth", "New Zealand North", "(Asia Pacific) New Zealand North"),
];

pub fn list(em: &Emulator, call: &Call, caller: &Caller) -> Response {
    if let Some(refused) = version(em, call, LOCATION_VERSIONS, false) {
        return refused;
    }
    let sub = match subscription_for(em, caller, call.seg(1).unwrap_or_default()) {
        Ok(sub) => sub,
        Err(refused) => return refused,
    };
    let value: Vec<Value> = LOCATIONS
        .iter()
        .map(|(name, display_name, regional_display_name)| {
            json!({
                "id": format!("/subscriptions/{}/locations/{name}", sub.id),
                "name": name,
                "type": "Region",
                "displayName": display_name,
                "regionalDisplayName": regional_display_name,
                "metadata": { "regionType": "Physical", "regionCategory": "Recommended" },
            })
        })
        .collect();
    crate::http::json(StatusCode::OK, &json!({ "value": value }))
}

//! Terraform names for exported objects: valid identifiers made from display names, the same
//! for the same input, and never used twice for one resource type.

use std::collections::{BTreeMap, BTreeSet};

/// Longest name written; Terraform has no limit, people reading plans do.
const MAX_NAME_LENGTH: usize = 60;

/// A valid Terraform identifier from a display name: lowercase ASCII letters, digits and `_`,
/// starting with a letter or `_`. Anything else becomes `_`, runs of `_` collapse, and an
/// empty result becomes `fallback`.
pub fn terraform_name(display_name: &str, fallback: &str) -> String {
    let mut name = String::with_capacity(display_name.len());
    for c in display_name.chars() {
        let c = if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' };
        if c == '_' && (name.is_empty() || name.ends_with('_')) {
            continue;
        }
        name.push(c);
        if name.len() >= MAX_NAME_LENGTH {
            break;
        }
    }
    let name = name.trim_end_matches('_');
    match name.chars().next() {
        None => fallback.to_string(),
        Some(first) if first.is_ascii_digit() => format!("{fallback}_{name}"),
        Some(_) => name.to_string(),
    }
}

/// The names already given, per resource type, so each address is unique.
#[derive(Debug, Default, Clone)]
pub struct NameBook {
    used: BTreeMap<String, BTreeSet<String>>,
}

impl NameBook {
    /// A name for a `resource_type` object called `display_name`: its [`terraform_name`],
    /// followed by `_2`, `_3`... when an earlier object of the same type took it.
    pub fn claim(&mut self, resource_type: &str, display_name: &str, fallback: &str) -> String {
        let base = terraform_name(display_name, fallback);
        let used = self.used.entry(resource_type.to_string()).or_default();
        let mut candidate = base.clone();
        let mut counter = 2;
        while used.contains(&candidate) {
            candidate = format!("{base}_{counter}");
            counter += 1;
        }
        used.insert(candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_become_lowercase_identifiers() {
        assert_eq!(terraform_name("sc-Prod Web", "sc"), "sc_prod_web");
        assert_eq!(terraform_name("  --kl.deployer--  ", "sc"), "kl_deployer");
        assert_eq!(terraform_name("Ünïcode ✓", "sc"), "n_code");
    }

    #[test]
    fn a_name_that_would_start_with_a_digit_or_be_empty_uses_the_fallback() {
        assert_eq!(terraform_name("2024 deploy", "sc"), "sc_2024_deploy");
        assert_eq!(terraform_name("✓✓", "sc"), "sc");
        assert_eq!(terraform_name("", "app"), "app");
    }

    #[test]
    fn names_taken_twice_for_one_type_get_a_counter_but_other_types_do_not() {
        let mut book = NameBook::default();
        assert_eq!(book.claim("azuredevops_serviceendpoint_azurerm", "sc-prod", "sc"), "sc_prod");
        assert_eq!(book.claim("azuredevops_serviceendpoint_azurerm", "sc prod", "sc"), "sc_prod_2");
        assert_eq!(book.claim("azuredevops_serviceendpoint_azurerm", "sc_prod", "sc"), "sc_prod_3");
        assert_eq!(book.claim("azuread_application", "sc-prod", "app"), "sc_prod");
    }

    #[test]
    fn long_names_are_cut() {
        let name = terraform_name(&"a".repeat(300), "sc");
        assert_eq!(name.len(), MAX_NAME_LENGTH);
    }
}

//! The plan as text, the way `keyless plan` prints it and the Review step reads: counts first,
//! then one line per step with a symbol and a word (never colour alone).

use std::fmt::Write as _;

use super::{Action, Plan};

impl Plan {
    pub fn render_text(&self) -> String {
        let counts = self.counts();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Plan: {} to create, {} to update, {} to reuse, {} to verify",
            counts.create, counts.update, counts.reuse, counts.verify
        );
        for identity in &self.identities {
            let hand_off = if identity.hand_off { ", hand-off: you cannot write its credentials" } else { "" };
            let _ = writeln!(
                out,
                "Identity {}: {}, federated credentials {} -> {} of 20{hand_off}",
                identity.slot, identity.display_name, identity.fics_before, identity.fics_after
            );
        }
        out.push('\n');
        for step in &self.steps {
            let word = match step.action {
                Action::Create => "create",
                Action::Update => "update",
                Action::Reuse => "reuse ",
                Action::Verify => "verify",
            };
            let _ = writeln!(out, "{} {word}  {}", step.action.symbol(), step.title);
            let _ = writeln!(out, "           needs: {}", step.needs);
        }
        if !self.warnings.is_empty() {
            out.push('\n');
            for warning in &self.warnings {
                let _ = writeln!(out, "warning: {warning}");
            }
        }
        out
    }
}

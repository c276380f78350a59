//! What a delegation may see of its own records. Vetting is the host's
//! alone (DESIGN.md, "Who may know what"): a delegation never learns
//! whether one of its people hit a list, that a case exists, its state,
//! score, lists or reasons — tipping-off is the worst leak cortina can
//! have. So every path that shows a declaration line to anyone outside the
//! host (a read, a list, a command's answer) goes through this module, and
//! what it leaves out is decided here once: screening, vetting cases,
//! possible duplicates (another delegation's lines), the host's reasons.

use domain::declaration::{DeclarationLine, Review};
use serde_json::{Value, json};

/// The state of a line as `host` or the declaring delegation sees it. The
/// host sees the review's state (`pending`, …); the delegation sees the
/// states it must act on: `submitted`, `information_requested`,
/// `accredited`, `refused`, `withdrawn`.
pub fn declaration_state(line: &DeclarationLine, host: bool) -> &'static str {
    match line.review() {
        Review::Pending if !host => "submitted",
        review => review.as_str(),
    }
}

/// The state of an accredited line whose accreditation was suspended or
/// revoked (`state` as in `pass_revocations`), as everyone sees it: just
/// `suspended` or `revoked` — the reason stays in the ledger.
pub fn accreditation_state(line_state: &'static str, revocation: Option<&str>) -> &'static str {
    match revocation {
        Some("suspended") => "suspended",
        Some("revoked") => "revoked",
        _ => line_state,
    }
}

/// A declaration line as its delegation sees it: the person it declared,
/// the state, the host's open question and the exchanges so far, what was
/// granted — and nothing about screening, vetting, duplicates or why a
/// line was refused.
pub fn declaration_for_delegation(line: &DeclarationLine) -> Value {
    let mut view = json!({
        "id": line.id().as_str(),
        "delegation": line.delegation().as_str(),
        "head": line.is_head(),
        "person": line.person(),
        "state": declaration_state(line, false),
        "declared_at": line.declared_at().as_millis(),
        "updated_at": line.updated_at().as_millis(),
        "exchanges": line.exchanges(),
        "permits": line.permits(),
    });
    if let Some(reference) = line.reference() {
        view["reference"] = json!(reference.as_str());
    }
    match line.review() {
        Review::InformationRequested { question, asked_at } => {
            view["question"] = json!(question);
            view["asked_at"] = json!(asked_at.as_millis());
        }
        Review::Accredited { accreditation, at } => {
            view["accreditation"] = json!(accreditation);
            view["accredited_at"] = json!(at.as_millis());
        }
        // A refusal carries no reason to the delegation.
        Review::Refused { at, .. } => view["refused_at"] = json!(at.as_millis()),
        Review::Withdrawn { at } => view["withdrawn_at"] = json!(at.as_millis()),
        Review::Pending => {}
    }
    view
}

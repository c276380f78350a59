//! Suspending, reinstating and revoking accreditations (issue 12, item 6):
//! a declared person's (an accredited declaration line) or an applicant's
//! (one with the host's "no objection").
//!
//! ```text
//! in force ──suspend──► suspended ──reinstate──► in force
//!    │                      │
//!    └──────revoke──────────┴──revoke──► revoked (final)
//! ```
//!
//! The state lives in `pass_revocations` under the accreditation's pass id,
//! so the gates' signed revocation list names it at once; the reason is in
//! the ledger entry only. A suspended or revoked foreign person's account
//! stops working (`Service::principal`).

use authority::Resource;
use domain::Action;
use domain::applicant::Applicant;
use serde_json::json;

use super::authorize;
use crate::ServiceError;
use crate::command::{AccreditationChange, AccreditationKind};
use crate::context::{Ctx, Outcome};
use crate::passes::{SubjectKind, applicant_accredited_at, declaration_accredited_at, pass_id};

/// Runs one of the three commands (`action` says which).
pub(crate) async fn change(
    ctx: &mut Ctx<'_>,
    action: Action,
    c: AccreditationChange,
) -> Result<Outcome, ServiceError> {
    let id = c.id.as_str();
    // The stored id of the line or applicant (a label resolved), and the id
    // its passes are named by (a migrated line's former id).
    let subject: String;
    let pass_subject: String;
    let signer = ctx.inner.store.pass_signer().clone();
    let (kind, accredited) = match c.kind {
        AccreditationKind::Declaration => {
            // The delegation's label or the opaque id.
            let (line, _) = super::declarations::load_line(ctx, id).await?;
            authorize!(ctx, action, crate::facts::declaration(&line));
            subject = line.id().to_string();
            pass_subject = line.pass_subject().to_string();
            (SubjectKind::Declaration, declaration_accredited_at(&line))
        }
        AccreditationKind::Applicant => {
            let (a, _) = ctx.load::<Applicant>(id).await?;
            subject = a.id().to_string();
            pass_subject = subject.clone();
            let resource = Resource::Applicant {
                id: a.id().to_string(),
                organiser: a.organiser().to_string(),
            };
            authorize!(ctx, action, resource);
            (SubjectKind::Applicant, applicant_accredited_at(&a))
        }
    };
    // No accreditation in force, nothing to change.
    let at = accredited.map_err(ServiceError::Conflict)?;
    let id = subject.as_str();
    let pass_id = pass_id(&signer, kind, &pass_subject, at);
    let kind = kind.as_str();
    let existing = store::passes::of_subject(ctx.tx.conn().await?, kind, id).await?;
    let current = existing.as_ref().map(|r| r.state.as_str());
    let next = match (action, current) {
        (Action::AccreditationSuspend, None) => Some("suspended"),
        (Action::AccreditationReinstate, Some("suspended")) => None,
        (Action::AccreditationRevoke, None | Some("suspended")) => Some("revoked"),
        (_, state) => {
            return Err(ServiceError::Conflict(format!(
                "the accreditation of {kind} {id} is {}: {} does not apply",
                state.unwrap_or("in force"),
                action.as_str()
            )));
        }
    };
    let seq = ctx.seq();
    match next {
        Some(state) => {
            store::passes::put(
                ctx.tx.conn().await?,
                &store::passes::Revocation {
                    pass_id: pass_id.clone(),
                    subject_kind: kind.to_owned(),
                    subject_id: id.to_owned(),
                    state: state.to_owned(),
                    changed_seq: seq,
                },
            )
            .await?
        }
        None => store::passes::remove(ctx.tx.conn().await?, &pass_id).await?,
    }
    let state = next.unwrap_or("accredited");
    ctx.done(
        action,
        kind,
        id,
        Some(state),
        Some(json!({ "pass": pass_id, "state": state })),
    )
    .await
}

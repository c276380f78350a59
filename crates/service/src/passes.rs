//! Accreditation passes (issue 12, item 7): a pass is derived from an
//! accreditation — a declaration line the host accredited, or an applicant
//! with the host's "no objection" — and signed with the store's pass key
//! (never the ledger's). Nothing is stored when a pass is printed: the same
//! accreditation gives the same pass id, and what a gate must refuse is
//! kept in `pass_revocations` (suspended or revoked accreditations), from
//! which the signed revocation list of the gate bundle is made.
//!
//! Who may print a pass: whoever may read the accreditation — the policy's
//! `declaration.read` on the line (the host, and the line's own
//! delegation), `applicant.read_opinion` on the applicant (its organiser's
//! accreditation office). A pass says nothing about screening.

use domain::Action;
use domain::applicant::Applicant;
use domain::declaration::{DeclarationLine, Review};
use domain::registry::Zone;
use domain::time::Timestamp;
use domain::vetting::Opinion;
use pass::{Access, Claims};

use crate::ServiceError;

/// The kind of accreditation a pass is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubjectKind {
    /// A declaration line (a delegation's declared person).
    Declaration,
    /// An applicant of the organiser.
    Applicant,
}

impl SubjectKind {
    /// `declaration` or `applicant`, as stored and as in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Declaration => "declaration",
            SubjectKind::Applicant => "applicant",
        }
    }

    /// Parses [`SubjectKind::as_str`].
    pub fn parse(s: &str) -> Option<SubjectKind> {
        match s {
            "declaration" => Some(SubjectKind::Declaration),
            "applicant" => Some(SubjectKind::Applicant),
            _ => None,
        }
    }
}

/// A signed pass and what it says.
#[derive(Clone, Debug)]
pub struct IssuedPass {
    /// The encoded pass (`CP1.…`), what the QR code holds.
    pub encoded: String,
    /// Its claims.
    pub claims: Claims,
}

/// Digits of the document number a pass carries.
pub const DOCUMENT_DIGITS: usize = 4;

const DAY_SECS: i64 = 86_400;

/// The pass id of an accreditation: `kind`, subject `id`, accredited at
/// `at` (a new accreditation of the same subject gets a new id).
pub fn pass_id(signer: &pass::PassSigner, kind: SubjectKind, id: &str, at: Timestamp) -> String {
    signer.derive_id(&[kind.as_str(), id, &at.as_millis().to_string()])
}

/// When the line was accredited, if it is.
pub fn declaration_accredited_at(line: &DeclarationLine) -> Result<Timestamp, String> {
    match line.review() {
        Review::Accredited { at, .. } => Ok(*at),
        other => Err(format!(
            "declaration {} is not accredited (it is {})",
            line.id(),
            other.as_str()
        )),
    }
}

/// When the applicant got the host's "no objection", if it did.
pub fn applicant_accredited_at(a: &Applicant) -> Result<Timestamp, String> {
    match (a.opinion(), a.decided_at()) {
        (Opinion::NoObjection, Some(at)) => Ok(at),
        // A list change put the accreditation in question: it stays in
        // force (and can be suspended) while the new case is open.
        (Opinion::Pending, None) if let Some(at) = a.accredited_at() => Ok(at),
        _ => Err(format!(
            "applicant {} has no \"no objection\" (it is {})",
            a.facts().reference,
            a.opinion().as_str()
        )),
    }
}

/// The claims of an accredited declaration line, or why there are none.
pub fn declaration_claims(
    signer: &pass::PassSigner,
    line: &DeclarationLine,
) -> Result<Claims, String> {
    let Review::Accredited { accreditation, at } = line.review() else {
        return Err(format!(
            "declaration {} is not accredited (it is {})",
            line.id(),
            line.review().as_str()
        ));
    };
    let mut access = Vec::new();
    for z in accreditation.zones() {
        // Access to a zone reaches the zones outside it (numbered higher).
        for zone in Zone::ALL
            .iter()
            .filter(|zone| zone.number() >= z.zone().number())
        {
            access.push(Access(z.venue().to_string(), zone.number().to_string()));
        }
    }
    access.sort();
    access.dedup();
    let person = line.person();
    Ok(Claims {
        v: 1,
        id: pass_id(
            signer,
            SubjectKind::Declaration,
            line.pass_subject().as_str(),
            *at,
        ),
        n: person.name().as_str().to_owned(),
        d: pass::document_tail(person.document().as_str(), DOCUMENT_DIGITS),
        c: person.role().as_str().to_owned(),
        a: access,
        f: accreditation.window().from().as_millis().div_euclid(1000),
        u: accreditation.window().until().as_millis().div_euclid(1000),
        k: signer.key_id().to_owned(),
    })
}

/// The claims of an applicant with no objection, or why there are none.
pub fn applicant_claims(signer: &pass::PassSigner, a: &Applicant) -> Result<Claims, String> {
    if a.accredited_at().is_some() {
        return Err(format!(
            "applicant {}: a list change put the accreditation in question; no pass is \
             printed until its case is decided",
            a.facts().reference
        ));
    }
    let at = applicant_accredited_at(a)?;
    let facts = a.facts();
    let (Some(from), Some(until)) = (facts.valid_from, facts.valid_until) else {
        return Err(format!(
            "applicant {} has no validity (valid_from and valid_until): the organiser sends \
             them before a pass can be printed",
            facts.reference
        ));
    };
    let mut access = Vec::new();
    for venue in &facts.venues {
        for zone in &facts.zones {
            access.push(Access(venue.to_string(), zone.to_string()));
        }
    }
    access.sort();
    access.dedup();
    Ok(Claims {
        v: 1,
        id: pass_id(signer, SubjectKind::Applicant, a.id().as_str(), at),
        n: facts.name.as_str().to_owned(),
        d: facts
            .document_number
            .as_ref()
            .map(|d| pass::document_tail(d.as_str(), DOCUMENT_DIGITS))
            .unwrap_or_default(),
        c: facts
            .category
            .map_or("applicant", |c| c.as_str())
            .to_owned(),
        a: access,
        f: from.days_since_epoch() * DAY_SECS,
        // The last day is valid to its end (UTC).
        u: (until.days_since_epoch() + 1) * DAY_SECS,
        k: signer.key_id().to_owned(),
    })
}

impl crate::Service {
    /// The pass of an accreditation, signed, for a caller who may read it.
    /// A caller who may not gets the same answer as for a subject that does
    /// not exist. A suspended or revoked accreditation gets no pass. An
    /// applicant is named by its id or, for its organiser, by the
    /// organiser's reference.
    pub async fn pass(
        &self,
        username: &str,
        kind: SubjectKind,
        id: &str,
    ) -> Result<IssuedPass, ServiceError> {
        let principal = self.principal(username).await?;
        let not_found = || ServiceError::NotFound {
            kind: kind.as_str(),
            id: id.to_owned(),
        };
        let pool = self.store().pool();
        let record_kind = match kind {
            SubjectKind::Declaration => crate::handlers::DECLARATION_KIND,
            SubjectKind::Applicant => crate::handlers::APPLICANT_KIND,
        };
        let mut record = store::records::get(pool, record_kind, id).await?;
        if record.is_none() && kind == SubjectKind::Declaration {
            // The delegation's label for the line: its opaque id, or the
            // id of a line made before opaque ids.
            let given: domain::ids::DeclarationId = id.parse().map_err(|_| not_found())?;
            let r = crate::opaque::resolve(
                &self.inner.opaque_key,
                crate::opaque::prefix::DECLARATION,
                &given,
            )?;
            record = store::records::get(pool, record_kind, r.id.as_str()).await?;
        }
        if record.is_none() && kind == SubjectKind::Applicant {
            // The organiser knows its applicants by its own references.
            let digest =
                crate::handlers::ref_digest_of(&self.inner.ref_key, &principal.agency_id, id);
            let mut conn = self.store().reader().await?;
            let found = store::applicants::find_refs(&mut conn, &principal.agency_id, &[digest])
                .await?
                .into_values()
                .next();
            if let Some(r) = found {
                record = store::records::get(pool, record_kind, &r.id).await?;
            }
        }
        let record = record.ok_or_else(not_found)?;
        let id = record.id.as_str();
        let doc = record.doc.as_deref().ok_or_else(not_found)?;
        let corrupt = |e: serde_json::Error| ServiceError::Corrupt {
            kind: record_kind,
            id: id.to_owned(),
            reason: e.to_string(),
        };
        let signer = self.store().pass_signer();
        let claims = match kind {
            SubjectKind::Declaration => {
                let line: DeclarationLine = serde_json::from_str(doc).map_err(corrupt)?;
                let resource = crate::facts::declaration(&line);
                if !self
                    .authority()
                    .decide(&principal, Action::DeclarationRead, &resource)
                    .allowed
                {
                    return Err(not_found());
                }
                declaration_claims(signer, &line)
            }
            SubjectKind::Applicant => {
                let a: Applicant = serde_json::from_str(doc).map_err(corrupt)?;
                let resource = authority::Resource::Applicant {
                    id: a.id().to_string(),
                    organiser: a.organiser().to_string(),
                };
                if !self
                    .authority()
                    .decide(&principal, Action::ApplicantReadOpinion, &resource)
                    .allowed
                {
                    return Err(not_found());
                }
                applicant_claims(signer, &a)
            }
        }
        .map_err(ServiceError::Conflict)?;
        if let Some(r) = store::passes::of_subject(pool, kind.as_str(), id).await? {
            return Err(ServiceError::Conflict(format!(
                "the accreditation of {} {id} is {}: no pass is printed",
                kind.as_str(),
                r.state
            )));
        }
        Ok(IssuedPass {
            encoded: signer.issue(&claims),
            claims,
        })
    }

    /// The gate bundle: the public pass key and the revocation list as of
    /// now, signed. Public: it names pass ids only, which nobody can match
    /// to a person without the pass key.
    pub async fn gate_bundle(&self, now_secs: i64) -> Result<pass::Bundle, ServiceError> {
        let revoked = store::passes::revoked_ids(self.store().pool()).await?;
        Ok(self.store().pass_signer().bundle(now_secs, revoked))
    }
}

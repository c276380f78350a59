//! The disclosure register (Directive 2016/680, art. 25; issue "Oversight
//! you can use"): every release of personal data to a foreign delegation,
//! with recipient, legal basis, categories, approver, time and the ledger
//! entry that released it. Built from the records themselves:
//!
//! * an RFI answer whose disclosure a commander approved (`rfi_answer`;
//!   the release is the approval, `rfi.approve_disclosure`);
//! * a vetting case a commander shared with a delegation (`case_share`,
//!   `vetting.share`: the delegation learns that the host vets one of its
//!   people, an identity disclosure).
//!
//! An answer whose disclosure is not approved has released nothing and is
//! not listed. Purged records have no document left and are not listed
//! (their ledger entries remain). Reading the register is `disclosures.read`
//! (oversight and the host commander), recorded by the caller through
//! [`crate::Service::record`].

use domain::request::Request;
use domain::storage::Aggregate as _;
use domain::vetting::VettingCase;
use serde::Serialize;
use store::records::{self, Filter as RecordFilter};

use crate::{Service, ServiceError};

/// One release of personal data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Disclosure {
    /// `rfi_answer` or `case_share`.
    pub kind: &'static str,
    /// The record: the request's or the case's id.
    pub record: String,
    /// The delegation the data went to.
    pub recipient: String,
    /// The legal basis given.
    pub legal_basis: String,
    /// The categories of data (snake_case names).
    pub categories: Vec<String>,
    /// The account that approved (or made) the release.
    pub approver: String,
    /// When (Unix ms).
    pub time: i64,
    /// The ledger entry of the release, where it can be found (stores
    /// written before row commitments do not list it).
    pub entry: Option<u64>,
}

/// Which disclosures to list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only to this delegation.
    pub recipient: Option<String>,
    /// Only of this kind (`rfi_answer`, `case_share`).
    pub kind: Option<String>,
    /// Only from this time on (Unix ms, inclusive).
    pub from: Option<i64>,
    /// Only before this time (Unix ms, exclusive).
    pub until: Option<i64>,
}

impl Filter {
    fn keeps(&self, d: &Disclosure) -> bool {
        self.recipient.as_ref().is_none_or(|r| *r == d.recipient)
            && self.kind.as_ref().is_none_or(|k| k == d.kind)
            && self.from.is_none_or(|f| d.time >= f)
            && self.until.is_none_or(|u| d.time < u)
    }
}

fn snake(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl Service {
    /// The register, oldest release first. The caller has authorized and
    /// recorded the read (`disclosures.read`).
    pub async fn disclosures(&self, filter: &Filter) -> Result<Vec<Disclosure>, ServiceError> {
        let pool = self.store().pool();
        let all = RecordFilter {
            limit: Some(i64::MAX),
            ..RecordFilter::default()
        };
        let mut out = Vec::new();
        for rec in records::list(pool, Request::KIND, &all).await? {
            let Some(doc) = rec.doc.as_deref() else {
                continue;
            };
            let request: Request = corrupt(Request::KIND, &rec.id, serde_json::from_str(doc))?;
            let Some(answer) = request.current_answer() else {
                continue;
            };
            let (Some(d), Some(approval)) = (answer.disclosure(), answer.approval()) else {
                continue;
            };
            let entry = self
                .release_entries(&rec, domain::Action::RfiApproveDisclosure)
                .await?
                .first()
                .copied();
            out.push(Disclosure {
                kind: "rfi_answer",
                record: rec.id.clone(),
                recipient: d.to().as_str().to_owned(),
                legal_basis: d.legal_basis().as_str().to_owned(),
                categories: d.categories().iter().map(snake).collect(),
                approver: approval.by().as_str().to_owned(),
                time: approval.at().as_millis(),
                entry,
            });
        }
        for rec in records::list(pool, VettingCase::KIND, &all).await? {
            let Some(doc) = rec.doc.as_deref() else {
                continue;
            };
            let case: VettingCase = corrupt(VettingCase::KIND, &rec.id, serde_json::from_str(doc))?;
            if case.shares().is_empty() {
                continue;
            }
            let entries = self
                .release_entries(&rec, domain::Action::VettingShare)
                .await?;
            for (i, share) in case.shares().iter().enumerate() {
                out.push(Disclosure {
                    kind: "case_share",
                    record: rec.id.clone(),
                    recipient: share.delegation.as_str().to_owned(),
                    legal_basis: share.legal_basis.as_str().to_owned(),
                    categories: vec![snake(&domain::request::DataCategory::Identity)],
                    approver: share.by.as_str().to_owned(),
                    time: share.at.as_millis(),
                    entry: entries.get(i).copied(),
                });
            }
        }
        out.retain(|d| filter.keeps(d));
        out.sort_by(|a, b| (a.time, &a.record).cmp(&(b.time, &b.record)));
        Ok(out)
    }

    /// The allowed entries of `action` that wrote `rec`, oldest first.
    async fn release_entries(
        &self,
        rec: &records::Record,
        action: domain::Action,
    ) -> Result<Vec<u64>, ServiceError> {
        let written = records::entries_writing(self.store().pool(), "records", &rec.key()).await?;
        Ok(written
            .iter()
            .filter_map(|(seq, bytes)| {
                let e = ledger::Entry::decode(bytes).ok()?;
                (e.action == action.as_str() && e.decision == ledger::Decision::Allow)
                    .then_some(*seq as u64)
            })
            .collect())
    }
}

fn corrupt<T>(kind: &'static str, id: &str, r: serde_json::Result<T>) -> Result<T, ServiceError> {
    r.map_err(|e| ServiceError::Corrupt {
        kind,
        id: id.to_owned(),
        reason: e.to_string(),
    })
}

//! Applicant intake, the part that runs before the transaction: each row
//! read as far as it can be, and screened against the current snapshot —
//! on all cores, outside the sequencer, so that the single writer only
//! stores.
//!
//! A row is refused only when its reference or its name cannot be read
//! (nothing can be screened or found again without them). Every other
//! field that cannot be read — a birth date like `1969-7-16` or
//! `1974-01-32`, an unknown country or category — is left out and reported
//! as a warning with its line, field and reason; the person is still
//! screened by name with whatever could be read.

use domain::applicant::{ApplicantFacts, Category, FieldIssue, Label, Reference};
use domain::codes::{CountryCode, DocumentNumber};
use domain::text::{PersonName, Text};
use domain::time::{Date, Timestamp};
use rayon::prelude::*;

use crate::command::ApplicantRow;
use crate::screening_lists::{Hit, ScreeningLists};

/// A problem with one field of one row: where, which field, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowIssue {
    /// The row's line in its file (or its position in the request, from 1).
    pub line: u64,
    /// The field, as in the CSV header.
    pub field: String,
    /// Why it could not be read.
    pub reason: String,
}

/// The fields of the CSV header (and the NDJSON keys): the required ones
/// first, in order.
pub const REQUIRED_FIELDS: [&str; 7] = [
    "reference",
    "name",
    "birth_date",
    "nationality",
    "document_type",
    "document_number",
    "category",
];

/// The optional fields.
pub const OPTIONAL_FIELDS: [&str; 6] = [
    "original_name",
    "gender",
    "venues",
    "zones",
    "valid_from",
    "valid_until",
];

/// A row read and screened, ready for the transaction.
#[derive(Debug)]
pub(crate) enum Prepared {
    /// The reference or the name could not be read.
    Refused(Vec<RowIssue>),
    /// The row, what could not be read of it, the screening's hits
    /// (`None` when no lists are loaded), and its digests (`None` when
    /// they could not be worked out before the transaction).
    Ready {
        line: u64,
        facts: Box<ApplicantFacts>,
        warnings: Vec<RowIssue>,
        hits: Option<Vec<Hit>>,
        digests: Option<RowDigests>,
    },
}

/// The rows of one request, read and screened, and the snapshot screened
/// against.
#[derive(Debug)]
pub(crate) struct PreparedBatch {
    pub(crate) rows: Vec<Prepared>,
    pub(crate) snapshot: Option<String>,
    /// The organiser the rows' digests were worked out for (the handler
    /// works them out again for any other).
    pub(crate) organiser: Option<String>,
}

/// The keys a row's digests are made with, and for whom.
#[derive(Clone, Debug)]
pub(crate) struct DigestKeys {
    /// The submitting organiser's agency id.
    pub(crate) organiser: String,
    /// Keys `applicant_refs`' reference digests.
    pub(crate) reference: [u8; 32],
    /// Keys the consultation log's subject digests.
    pub(crate) subject: [u8; 32],
}

/// What the transaction needs of a row besides its facts, worked out
/// beforehand on all cores (keyed digests cost about as much as storing
/// the row, and the sequencer runs one batch at a time).
#[derive(Debug)]
pub(crate) struct RowDigests {
    /// The keyed digest of the organiser's reference (`applicant_refs`).
    pub(crate) reference: String,
    /// The digest of the facts as sent.
    pub(crate) content: String,
    /// Whom its screening concerns, for the consultation log: its name's
    /// forms and its document number (the record id is added once known).
    pub(crate) subjects: Vec<String>,
}

impl RowDigests {
    /// The digests of `facts`, sent by `keys.organiser`.
    pub(crate) fn of(
        facts: &ApplicantFacts,
        keys: &DigestKeys,
    ) -> Result<RowDigests, crate::ServiceError> {
        let reference = crate::handlers::applicants::ref_digest(
            &keys.reference,
            &keys.organiser,
            facts.reference.as_str(),
        );
        let content = crate::handlers::applicants::content_digest(facts)?;
        let subjects = crate::consultations::person_subjects(
            &keys.subject,
            facts.name.as_str(),
            facts.document_number.as_ref().map(|d| d.as_str()),
        )
        .collect();
        Ok(RowDigests {
            reference,
            content,
            subjects,
        })
    }
}

fn issue(line: u64, field: &str, reason: impl Into<String>) -> RowIssue {
    RowIssue {
        line,
        field: field.to_owned(),
        reason: reason.into(),
    }
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Reads a nationality: ISO alpha-2, or an English country name (or
/// demonym) that the watchlists' country table knows.
fn nationality(value: &str) -> Option<CountryCode> {
    if let Ok(code) = CountryCode::parse(value) {
        return Some(code);
    }
    watchlist::countries::to_code(value).and_then(|c| CountryCode::parse(c).ok())
}

fn list(value: &str, line: u64, field: &str, warnings: &mut Vec<RowIssue>) -> Vec<Label> {
    value
        .split([';', '|'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .filter_map(|v| match Label::parse("label", v) {
            Ok(l) => Some(l),
            Err(e) => {
                warnings.push(issue(line, field, e.to_string()));
                None
            }
        })
        .take(64)
        .collect()
}

/// Reads one row: the facts and the warnings, or the reasons it is refused.
pub fn read_row(
    row: &ApplicantRow,
    position: usize,
) -> Result<(ApplicantFacts, Vec<RowIssue>), Vec<RowIssue>> {
    let line = row.line.unwrap_or(position as u64 + 1);
    let mut refused = Vec::new();
    let reference = match present(&row.reference) {
        None => {
            refused.push(issue(line, "reference", "missing"));
            None
        }
        Some(r) => match Reference::parse("reference", r) {
            Ok(r) => Some(r),
            Err(e) => {
                refused.push(issue(line, "reference", e.to_string()));
                None
            }
        },
    };
    let name = match present(&row.name) {
        None => {
            refused.push(issue(line, "name", "missing"));
            None
        }
        Some(n) => match PersonName::parse(n) {
            Ok(n) => Some(n),
            Err(e) => {
                refused.push(issue(line, "name", e.to_string()));
                None
            }
        },
    };
    let (Some(reference), Some(name)) = (reference, name) else {
        return Err(refused);
    };
    let mut warnings = Vec::new();
    let mut date = |field: &str, value: &Option<String>, required: bool| match present(value) {
        None => {
            if required {
                warnings.push(issue(line, field, "missing"));
            }
            None
        }
        Some(v) => match Date::parse_iso(v) {
            Ok(d) => Some(d),
            Err(e) => {
                warnings.push(issue(line, field, format!("{v:?}: {e}")));
                None
            }
        },
    };
    let birth_date = date("birth_date", &row.birth_date, true);
    let valid_from = date("valid_from", &row.valid_from, false);
    let valid_until = date("valid_until", &row.valid_until, false);
    let nationality = match present(&row.nationality) {
        None => {
            warnings.push(issue(line, "nationality", "missing"));
            None
        }
        Some(v) => {
            let code = nationality(v);
            if code.is_none() {
                warnings.push(issue(
                    line,
                    "nationality",
                    format!("{v:?}: neither an ISO alpha-2 code nor a country name"),
                ));
            }
            code
        }
    };
    let mut label = |field: &str, value: &Option<String>, required: bool| match present(value) {
        None => {
            if required {
                warnings.push(issue(line, field, "missing"));
            }
            None
        }
        Some(v) => match Label::parse("label", v) {
            Ok(l) => Some(l),
            Err(e) => {
                warnings.push(issue(line, field, e.to_string()));
                None
            }
        },
    };
    let document_type = label("document_type", &row.document_type, true);
    let gender = label("gender", &row.gender, false);
    let document_number = match present(&row.document_number) {
        None => {
            warnings.push(issue(line, "document_number", "missing"));
            None
        }
        Some(v) => match DocumentNumber::parse(v) {
            Ok(d) => Some(d),
            Err(e) => {
                warnings.push(issue(line, "document_number", e.to_string()));
                None
            }
        },
    };
    let category = match present(&row.category) {
        None => {
            warnings.push(issue(line, "category", "missing"));
            None
        }
        Some(v) => {
            let c = Category::parse(v);
            if c.is_none() {
                warnings.push(issue(
                    line,
                    "category",
                    format!("{v:?}: one of athlete, team_official, media, workforce, volunteer, contractor"),
                ));
            }
            c
        }
    };
    let original_name = match present(&row.original_name) {
        None => None,
        Some(v) => match PersonName::parse(v) {
            Ok(n) => Some(n),
            Err(e) => {
                warnings.push(issue(line, "original_name", e.to_string()));
                None
            }
        },
    };
    let venues = present(&row.venues)
        .map(|v| list(v, line, "venues", &mut warnings))
        .unwrap_or_default();
    let zones = present(&row.zones)
        .map(|v| list(v, line, "zones", &mut warnings))
        .unwrap_or_default();
    let issues = warnings
        .iter()
        .filter_map(|w| {
            Some(FieldIssue {
                field: Text::parse("field", &w.field).ok()?,
                reason: Text::parse("reason", &truncate(&w.reason, 300)).ok()?,
            })
        })
        .collect();
    Ok((
        ApplicantFacts {
            reference,
            name,
            original_name,
            birth_date,
            nationality,
            document_type,
            document_number,
            gender,
            category,
            venues,
            zones,
            valid_from,
            valid_until,
            issues,
        },
        warnings,
    ))
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Reads and screens the rows of one request, and works out their
/// digests for the organiser `keys` names (on all cores).
pub(crate) fn prepare(
    rows: &[ApplicantRow],
    lists: Option<&ScreeningLists>,
    keys: Option<&DigestKeys>,
) -> PreparedBatch {
    let prepared = rows
        .par_iter()
        .enumerate()
        .map(|(i, row)| match read_row(row, i) {
            Err(issues) => Prepared::Refused(issues),
            Ok((facts, warnings)) => {
                let hits = lists.map(|lists| screen(lists, &facts));
                let digests = keys.and_then(|k| RowDigests::of(&facts, k).ok());
                Prepared::Ready {
                    line: row.line.unwrap_or(i as u64 + 1),
                    facts: Box::new(facts),
                    warnings,
                    hits,
                    digests,
                }
            }
        })
        .collect();
    PreparedBatch {
        rows: prepared,
        snapshot: lists.map(|l| l.snapshot().to_owned()),
        organiser: keys.map(|k| k.organiser.clone()),
    }
}

/// Screens one applicant's facts.
pub(crate) fn screen(lists: &ScreeningLists, facts: &ApplicantFacts) -> Vec<Hit> {
    screen_parts(
        lists,
        &facts.name,
        facts.original_name.as_ref(),
        facts.birth_date,
        facts.nationality.as_ref(),
    )
}

/// What a screening reads of a stored applicant, and nothing else (a
/// re-screen decodes a whole population): its id and the facts searched.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct Screenable {
    pub(crate) id: String,
    facts: ScreenableFacts,
}

#[derive(Debug, serde::Deserialize)]
struct ScreenableFacts {
    name: PersonName,
    #[serde(default)]
    original_name: Option<PersonName>,
    #[serde(default)]
    birth_date: Option<Date>,
    #[serde(default)]
    nationality: Option<CountryCode>,
}

impl Screenable {
    /// Screens it as intake does ([`screen`]).
    pub(crate) fn screen(&self, lists: &ScreeningLists) -> Vec<Hit> {
        let f = &self.facts;
        screen_parts(
            lists,
            &f.name,
            f.original_name.as_ref(),
            f.birth_date,
            f.nationality.as_ref(),
        )
    }

    /// What [`Screenable::screen`] searches: the names (the name, and the
    /// name in its original script), the birth date and the nationality.
    pub(crate) fn query_parts(&self) -> crate::screening_lists::QueryParts {
        let f = &self.facts;
        let mut names = vec![f.name.as_str().to_owned()];
        if let Some(original) = &f.original_name {
            names.push(original.as_str().to_owned());
        }
        let birth = f
            .birth_date
            .map(|d| (d.year() as u16, d.month() as u8, d.day() as u8));
        (
            names,
            birth,
            f.nationality.as_ref().map(|c| c.as_str().to_owned()),
        )
    }
}

fn screen_parts(
    lists: &ScreeningLists,
    name: &PersonName,
    original: Option<&PersonName>,
    birth: Option<Date>,
    nationality: Option<&CountryCode>,
) -> Vec<Hit> {
    let mut names = vec![name.as_str().to_owned()];
    if let Some(original) = original {
        names.push(original.as_str().to_owned());
    }
    let birth = birth.map(|d| (d.year() as u16, d.month() as u8, d.day() as u8));
    lists.screen_applicant(names, birth, nationality.map(CountryCode::as_str))
}

/// How much a list weighs in a case's priority: UN Security Council and
/// terrorism lists most, other sanctions lists next, anything else least.
fn list_weight(list: &str) -> u32 {
    let l = list.to_ascii_lowercase();
    if l.contains("un_sc") || l.contains("terror") {
        25
    } else if l.contains("sanction") || l.contains("ofac") || l.contains("eu_") || l.contains("gb_")
    {
        18
    } else {
        10
    }
}

/// The highest security-zone level the applicant asks for (a digit in the
/// zone's label, `zone-3` → 3).
fn zone_level(facts: &ApplicantFacts) -> u32 {
    facts
        .zones
        .iter()
        .filter_map(|z| z.as_str().chars().rev().find_map(|c| c.to_digit(10)))
        .max()
        .unwrap_or(0)
}

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// A case's priority (0..=100) and due time: the best score (up to 40),
/// the kind of list (up to 25), the zone level (up to 20), the arrival
/// date (up to 15: within a week, within a month). Due in 8 hours from 70,
/// 3 days from 40, a week otherwise — and never after the day before the
/// applicant's validity starts (but at least 2 hours after opening).
pub fn priority(facts: &ApplicantFacts, hits: &[Hit], now: Timestamp) -> (u8, Timestamp) {
    let best = hits.iter().map(|h| h.score).fold(0.0f32, f32::max);
    let score_part = (((best - 0.75).max(0.0) / 0.25) * 40.0).round().min(40.0) as u32;
    let list_part = hits.iter().map(|h| list_weight(&h.list)).max().unwrap_or(0);
    let zone_part = (zone_level(facts) * 7).min(20);
    let arrival = facts.valid_from.map(|d| d.days_since_epoch() * DAY);
    let until_arrival = arrival.map(|a| a - now.as_millis());
    let arrival_part = match until_arrival {
        Some(t) if t <= 7 * DAY => 15,
        Some(t) if t <= 30 * DAY => 8,
        _ => 0,
    };
    let priority = (score_part + list_part + zone_part + arrival_part).min(100) as u8;
    let span = if priority >= 70 {
        8 * HOUR
    } else if priority >= 40 {
        3 * DAY
    } else {
        7 * DAY
    };
    let mut due = now.as_millis() + span;
    if let Some(a) = arrival {
        due = due.min((a - DAY).max(now.as_millis() + 2 * HOUR));
    }
    (priority, Timestamp::from_millis(due))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> ApplicantRow {
        let mut r = ApplicantRow::default();
        for (k, v) in pairs {
            let v = Some((*v).to_owned());
            match *k {
                "reference" => r.reference = v,
                "name" => r.name = v,
                "birth_date" => r.birth_date = v,
                "nationality" => r.nationality = v,
                "document_type" => r.document_type = v,
                "document_number" => r.document_number = v,
                "category" => r.category = v,
                "zones" => r.zones = v,
                _ => unreachable!(),
            }
        }
        r
    }

    #[test]
    fn malformed_optional_fields_are_warnings_not_refusals() {
        let r = row(&[
            ("reference", "A-1"),
            ("name", "Anna Rossi"),
            ("birth_date", "1969-7-16"),
            ("nationality", "Italy"),
            ("document_type", "passport"),
            ("document_number", "YA 123"),
            ("category", "Team official"),
        ]);
        let (facts, warnings) = read_row(&r, 0).expect("row goes in");
        assert_eq!(facts.birth_date, None);
        assert_eq!(
            facts.nationality.map(|c| c.as_str().to_owned()),
            Some("IT".into())
        );
        assert_eq!(facts.category, Some(Category::TeamOfficial));
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].field, "birth_date");
        assert_eq!(warnings[0].line, 1);
        let r = row(&[
            ("reference", "A-2"),
            ("name", "B"),
            ("birth_date", "1974-01-32"),
        ]);
        let (facts, warnings) = read_row(&r, 4).expect("row goes in");
        assert_eq!(facts.birth_date, None);
        assert!(
            warnings
                .iter()
                .any(|w| w.field == "birth_date" && w.line == 5)
        );
    }

    #[test]
    fn a_row_without_reference_or_name_is_refused_with_both_reasons() {
        let issues = read_row(&row(&[("name", "   ")]), 2).expect_err("refused");
        let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["reference", "name"]);
        assert!(issues.iter().all(|i| i.line == 3));
    }

    #[test]
    fn priority_grows_with_score_list_zone_and_arrival() {
        let facts = read_row(
            &row(&[("reference", "A"), ("name", "X Y"), ("zones", "zone-3")]),
            0,
        )
        .expect("in")
        .0;
        let hit = |score: f32, list: &str| Hit {
            entity_id: "e".into(),
            caption: "c".into(),
            score,
            why: String::new(),
            list: list.into(),
        };
        let now = Timestamp::from_millis(0);
        let (low, _) = priority(&facts, &[hit(0.8, "other")], now);
        let (high, due) = priority(&facts, &[hit(1.0, "un_sc_sanctions")], now);
        assert!(high > low, "{high} > {low}");
        assert_eq!(high, 40 + 25 + 20);
        assert_eq!(due.as_millis(), 8 * HOUR);
    }
}

/// One applicant as the organiser sees it: its reference, the opinion and
/// when it was reached. Nothing else leaves (no reason, list, score or
/// case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpinionLine {
    /// The organiser's reference.
    pub reference: String,
    /// `pending`, `no_objection` or `objection`.
    pub opinion: &'static str,
    /// When the opinion was reached (Unix ms), unless pending.
    pub decided_at: Option<i64>,
    /// The keyset position (the entry that created the applicant).
    pub position: i64,
}

/// A page of opinions and the position to continue after, if there is more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpinionPage {
    /// The lines, in the order the applicants were first submitted.
    pub items: Vec<OpinionLine>,
    /// Where the next page starts (`after=`), or `None` at the end.
    pub next: Option<i64>,
}

/// The most lines of one page of opinions.
pub const MAX_PAGE: i64 = 10_000;

impl crate::Service {
    /// The opinions on the caller's own applicants, `limit` at a time
    /// after position `after` (keyset paging). Allowed by the policy's
    /// `applicant.read_opinion` on the caller's agency's applicants (the
    /// rows are exactly those the store owns under that agency, and each
    /// row's organiser is checked again from its document).
    pub async fn applicant_opinions(
        &self,
        username: &str,
        after: Option<i64>,
        limit: i64,
    ) -> Result<OpinionPage, crate::ServiceError> {
        let principal = self.principal(username).await?;
        let organiser = principal.agency_id.clone();
        let decision = self.authority().decide(
            &principal,
            domain::Action::ApplicantReadOpinion,
            &authority::Resource::Applicant {
                id: "*".to_owned(),
                organiser: organiser.clone(),
            },
        );
        if !decision.allowed {
            return Err(crate::ServiceError::Refused { seq: 0 });
        }
        let limit = limit.clamp(1, MAX_PAGE);
        let records = store::applicants::owned_page(
            self.store().pool(),
            crate::handlers::APPLICANT_KIND,
            &organiser,
            after.unwrap_or(-1),
            limit + 1,
        )
        .await?;
        let more = records.len() as i64 > limit;
        // Suspended accreditations read as pending, revoked ones as an
        // objection (issue 12, item 6; no reason, as for every opinion).
        let held =
            store::passes::states_of(self.store().pool(), crate::handlers::APPLICANT_KIND).await?;
        let mut items = Vec::with_capacity(records.len());
        for record in records.into_iter().take(limit as usize) {
            let Some(doc) = record.doc.as_deref() else {
                continue;
            };
            let a: domain::applicant::Applicant =
                serde_json::from_str(doc).map_err(|e| crate::ServiceError::Corrupt {
                    kind: crate::handlers::APPLICANT_KIND,
                    id: record.id.clone(),
                    reason: e.to_string(),
                })?;
            if a.organiser().as_str() != organiser {
                continue;
            }
            let (opinion, decided_at) = match held.get(a.id().as_str()).map(String::as_str) {
                Some("suspended") => (domain::vetting::Opinion::Pending, None),
                Some("revoked") => (domain::vetting::Opinion::Objection, a.decided_at()),
                _ => (a.opinion(), a.decided_at()),
            };
            items.push(OpinionLine {
                reference: a.facts().reference.as_str().to_owned(),
                opinion: opinion.as_str(),
                decided_at: decided_at.map(|t| t.as_millis()),
                position: record.created_seq,
            });
        }
        let next = if more {
            items.last().map(|l| l.position)
        } else {
            None
        };
        Ok(OpinionPage { items, next })
    }

    /// The caller's applicants by opinion (`pending`, `no_objection`,
    /// `objection`), for the organiser's page.
    pub async fn applicant_counts(
        &self,
        username: &str,
    ) -> Result<Vec<(String, i64)>, crate::ServiceError> {
        let principal = self.principal(username).await?;
        let decision = self.authority().decide(
            &principal,
            domain::Action::ApplicantReadOpinion,
            &authority::Resource::Applicant {
                id: "*".to_owned(),
                organiser: principal.agency_id.clone(),
            },
        );
        if !decision.allowed {
            return Err(crate::ServiceError::Refused { seq: 0 });
        }
        Ok(store::applicants::owned_counts(
            self.store().pool(),
            crate::handlers::APPLICANT_KIND,
            &principal.agency_id,
        )
        .await?)
    }

    /// A keyset page of the analysts' queue, for the host only, when the
    /// policy lets the caller read cases (`vetting.read`).
    pub async fn vetting_queue(
        &self,
        username: &str,
        mut filter: store::applicants::QueueFilter,
    ) -> Result<Vec<store::applicants::QueueRow>, crate::ServiceError> {
        let principal = self.principal(username).await?;
        if !principal.is_host() {
            return Err(crate::ServiceError::Refused { seq: 0 });
        }
        filter.limit = filter.limit.clamp(1, 500);
        if !self.may_read_intake_cases(&principal) {
            return Err(crate::ServiceError::Refused { seq: 0 });
        }
        Ok(store::applicants::queue_page(self.store().pool(), &filter).await?)
    }

    /// The queue's figures (cases by state, share cleared in bulk), for
    /// those who may read cases.
    pub async fn vetting_queue_stats(
        &self,
        username: &str,
    ) -> Result<store::applicants::QueueStats, crate::ServiceError> {
        let principal = self.principal(username).await?;
        if !principal.is_host() || !self.may_read_intake_cases(&principal) {
            return Err(crate::ServiceError::Refused { seq: 0 });
        }
        Ok(store::applicants::queue_stats(self.store().pool()).await?)
    }

    /// Whether `principal` may read intake cases. The queue holds intake
    /// cases only, whose facts for the policy do not differ from row to row
    /// (no delegation, no share; the id is opaque): one decision for a
    /// page, and one for the figures.
    fn may_read_intake_cases(&self, principal: &authority::Principal) -> bool {
        self.authority()
            .decide(
                principal,
                domain::Action::VettingRead,
                &authority::Resource::VettingCase {
                    id: "*".into(),
                    delegation: None,
                    organiser: None,
                    shared_with: Vec::new(),
                },
            )
            .allowed
    }
}

/// What reading an applicants file can fail on as a whole (exit status 2):
/// the header, or the bytes.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The CSV header lacks a required field or names an unknown one.
    #[error("line 1: header: {0}")]
    Header(String),
    /// Reading failed.
    #[error("line {line}: {message}")]
    Io {
        /// Where.
        line: u64,
        /// What happened.
        message: String,
    },
}

/// Reads applicants from CSV (with the header the issue names) or NDJSON
/// (one object per line with the same keys), detected from the first byte
/// that is not white space. Streams: rows come out one at a time, each
/// with its line; a row that cannot be parsed at all (a CSV record with
/// the wrong number of fields, a line that is not a JSON object) comes out
/// as the issue that refuses it.
pub struct RowReader<R: std::io::Read> {
    inner: Inner<R>,
}

enum Inner<R: std::io::Read> {
    Csv {
        records: csv::StringRecordsIntoIter<std::io::BufReader<R>>,
        columns: Vec<usize>,
    },
    Ndjson {
        lines: std::io::Lines<std::io::BufReader<R>>,
        line: u64,
    },
}

/// The column of each field in [`ApplicantRow`] order (`usize::MAX` when absent).
fn header_columns(header: &csv::StringRecord) -> Result<Vec<usize>, ReadError> {
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let known: Vec<&str> = REQUIRED_FIELDS
        .iter()
        .chain(OPTIONAL_FIELDS.iter())
        .copied()
        .collect();
    if let Some(unknown) = names.iter().find(|n| !known.contains(&n.as_str())) {
        return Err(ReadError::Header(format!(
            "unknown field {unknown:?} (known: {})",
            known.join(",")
        )));
    }
    let missing: Vec<&str> = REQUIRED_FIELDS
        .iter()
        .copied()
        .filter(|f| !names.iter().any(|n| n == f))
        .collect();
    if !missing.is_empty() {
        return Err(ReadError::Header(format!(
            "missing required field(s) {}",
            missing.join(",")
        )));
    }
    Ok(known
        .iter()
        .map(|k| names.iter().position(|n| n == k).unwrap_or(usize::MAX))
        .collect())
}

fn row_from(values: impl Fn(&str) -> Option<String>, line: u64) -> ApplicantRow {
    ApplicantRow {
        line: Some(line),
        reference: values("reference"),
        name: values("name"),
        birth_date: values("birth_date"),
        nationality: values("nationality"),
        document_type: values("document_type"),
        document_number: values("document_number"),
        category: values("category"),
        original_name: values("original_name"),
        gender: values("gender"),
        venues: values("venues"),
        zones: values("zones"),
        valid_from: values("valid_from"),
        valid_until: values("valid_until"),
    }
}

impl<R: std::io::Read> RowReader<R> {
    /// A reader over `input`; reads the header of a CSV file at once.
    pub fn new(input: R) -> Result<Self, ReadError> {
        let mut buffered = std::io::BufReader::with_capacity(1 << 16, input);
        let mut skipped_lines = 0u64;
        let first = loop {
            let buf = std::io::BufRead::fill_buf(&mut buffered).map_err(|e| ReadError::Io {
                line: 1,
                message: e.to_string(),
            })?;
            if buf.is_empty() {
                break None;
            }
            match buf.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(i) => break Some(buf[i]),
                None => {
                    let n = buf.len();
                    skipped_lines += buf.iter().filter(|b| **b == b'\n').count() as u64;
                    std::io::BufRead::consume(&mut buffered, n);
                }
            }
        };
        let inner = if first == Some(b'{') {
            Inner::Ndjson {
                lines: std::io::BufRead::lines(buffered),
                line: skipped_lines,
            }
        } else {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(buffered);
            let header = reader
                .headers()
                .map_err(|e| ReadError::Header(e.to_string()))?
                .clone();
            let columns = header_columns(&header)?;
            Inner::Csv {
                records: reader.into_records(),
                columns,
            }
        };
        Ok(RowReader { inner })
    }
}

impl<R: std::io::Read> Iterator for RowReader<R> {
    type Item = Result<Result<ApplicantRow, RowIssue>, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let known: Vec<&str> = REQUIRED_FIELDS
            .iter()
            .chain(OPTIONAL_FIELDS.iter())
            .copied()
            .collect();
        match &mut self.inner {
            Inner::Csv { records, columns } => {
                let record = records.next()?;
                Some(match record {
                    Err(e) => {
                        let line = e.position().map_or(0, |p| p.line());
                        match e.kind() {
                            csv::ErrorKind::Io(_) => Err(ReadError::Io {
                                line,
                                message: e.to_string(),
                            }),
                            _ => Ok(Err(issue(line, "", e.to_string()))),
                        }
                    }
                    Ok(rec) => {
                        let line = rec.position().map_or(0, |p| p.line());
                        let width = columns.iter().filter(|c| **c != usize::MAX).count();
                        if rec.len() != width {
                            Ok(Err(issue(
                                line,
                                "",
                                format!("{} fields, the header has {width}", rec.len()),
                            )))
                        } else {
                            Ok(Ok(row_from(
                                |field| {
                                    let i = known.iter().position(|k| *k == field)?;
                                    rec.get(columns[i]).map(str::to_owned)
                                },
                                line,
                            )))
                        }
                    }
                })
            }
            Inner::Ndjson { lines, line } => loop {
                let next = lines.next()?;
                *line += 1;
                let text = match next {
                    Err(e) => {
                        return Some(Err(ReadError::Io {
                            line: *line,
                            message: e.to_string(),
                        }));
                    }
                    Ok(t) => t,
                };
                if text.trim().is_empty() {
                    continue;
                }
                let n = *line;
                let object = match serde_json::from_str::<serde_json::Value>(&text) {
                    Ok(serde_json::Value::Object(o)) => o,
                    Ok(_) => return Some(Ok(Err(issue(n, "", "not a JSON object")))),
                    Err(e) => return Some(Ok(Err(issue(n, "", e.to_string())))),
                };
                if let Some(unknown) = object.keys().find(|k| !known.contains(&k.as_str())) {
                    return Some(Ok(Err(issue(n, unknown, "unknown field"))));
                }
                return Some(Ok(Ok(row_from(
                    |field| match object.get(field)? {
                        serde_json::Value::String(s) => Some(s.clone()),
                        serde_json::Value::Null => None,
                        serde_json::Value::Array(items) => Some(
                            items
                                .iter()
                                .filter_map(|v| v.as_str())
                                .collect::<Vec<_>>()
                                .join(";"),
                        ),
                        other => Some(other.to_string()),
                    },
                    n,
                ))));
            },
        }
    }
}

#[cfg(test)]
mod reader_tests {
    use super::*;

    #[test]
    fn csv_and_ndjson_read_alike_with_lines() {
        let csv = "reference,name,birth_date,nationality,document_type,document_number,category,zones\n\
                   A-1,Anna Rossi,1990-01-02,IT,passport,YA1,media,zone-1;zone-2\n\
                   A-2,short\n";
        let rows: Vec<_> = RowReader::new(csv.as_bytes()).unwrap().collect();
        let first = rows[0].as_ref().unwrap().as_ref().unwrap();
        assert_eq!(first.line, Some(2));
        assert_eq!(first.zones.as_deref(), Some("zone-1;zone-2"));
        let bad = rows[1].as_ref().unwrap().as_ref().unwrap_err();
        assert_eq!(bad.line, 3);
        let nd =
            "\n{\"reference\":\"A-1\",\"name\":\"Anna Rossi\",\"zones\":[\"z1\",\"z2\"]}\n[1]\n";
        let rows: Vec<_> = RowReader::new(nd.as_bytes()).unwrap().collect();
        assert_eq!(rows.len(), 2);
        let first = rows[0].as_ref().unwrap().as_ref().unwrap();
        assert_eq!(first.zones.as_deref(), Some("z1;z2"));
        assert_eq!(rows[1].as_ref().unwrap().as_ref().unwrap_err().line, 3);
    }

    #[test]
    fn a_header_without_a_required_field_is_refused() {
        let err = RowReader::new("reference,name\nA,B\n".as_bytes())
            .err()
            .expect("refused");
        assert!(err.to_string().contains("birth_date"), "{err}");
    }
}

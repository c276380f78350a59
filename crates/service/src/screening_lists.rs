//! The watchlists the service screens declared people against: an index and
//! the content hash of the list snapshot it was built from (every screening
//! result names it, so it can be replayed).

use screening::{Index, Params, Query};
use watchlist::model::{PartialDate, Schema};

/// What a screening of a person reads, as
/// [`ScreeningLists::screen_applicant`] takes it: the names, the birth date
/// (year, month, day) and the nationality.
pub type QueryParts = (Vec<String>, Option<(u16, u8, u8)>, Option<String>);

/// The loaded watchlists.
pub struct ScreeningLists {
    index: std::sync::Arc<Index>,
    snapshot: String,
    /// How many searches these lists ran (each a cost the caller made
    /// the host pay: see `Service::execute`, which decides before it
    /// screens an applicant batch).
    searches: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for ScreeningLists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScreeningLists")
            .field("snapshot", &self.snapshot)
            .finish_non_exhaustive()
    }
}

/// One hit: a listed entity that a declared person may be.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// The entity's id on its list.
    pub entity_id: String,
    /// Its display name.
    pub caption: String,
    /// The score in 0..=1.
    pub score: f32,
    /// One line saying why.
    pub why: String,
    /// The list (dataset) the entity is on.
    pub list: String,
}

impl Hit {
    /// The hit as a case summary lists it: who, which entry, which list, the score.
    pub fn summary_line(&self) -> String {
        format!(
            "{} ({}, {}): score {:.2}",
            self.caption, self.entity_id, self.list, self.score
        )
    }
}

impl ScreeningLists {
    /// Lists from a built index (which knows its snapshot's content hash).
    pub fn new(index: Index) -> Self {
        ScreeningLists::shared(std::sync::Arc::new(index))
    }

    /// Lists from an index shared with other screeners (the server's
    /// screening routes), so that a large snapshot is held in memory once.
    pub fn shared(index: std::sync::Arc<Index>) -> Self {
        let snapshot = index.snapshot_hash().to_owned();
        ScreeningLists {
            index,
            snapshot,
            searches: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// How many searches these lists have run so far.
    pub fn searches(&self) -> u64 {
        self.searches.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The snapshot's content hash.
    pub fn snapshot(&self) -> &str {
        &self.snapshot
    }

    /// Screens a person; returns the matches at or above the default
    /// threshold, best first, each with a one-line explanation.
    pub fn screen_person(
        &self,
        name: &str,
        birth_date: Option<(u16, u8, u8)>,
        country: &str,
    ) -> Vec<Hit> {
        self.screen(vec![name.to_owned()], birth_date, Some(country), true)
    }

    /// Screens a declared person: name, birth date, nationality (at
    /// declaration, and again when the lists change).
    pub fn screen_declared(&self, person: &domain::declaration::Person) -> Vec<Hit> {
        let b = person.birth_date();
        self.screen_person(
            person.name().as_str(),
            Some((b.year() as u16, b.month() as u8, b.day() as u8)),
            person.nationality().as_str(),
        )
    }

    /// Screens an applicant by every name given (the name and the name in
    /// its original script), with the birth date and nationality when they
    /// could be read; returns the matches, best first (without the
    /// explanation: a million applicants are screened at intake).
    pub fn screen_applicant(
        &self,
        names: Vec<String>,
        birth_date: Option<(u16, u8, u8)>,
        country: Option<&str>,
    ) -> Vec<Hit> {
        self.screen(names, birth_date, country, false)
    }

    /// The keys of the query [`ScreeningLists::screen_applicant`] makes
    /// of these facts ([`screening::query_keys`]): a list change whose
    /// index reaches none of them cannot give a hit (`service::rescreen`).
    pub fn applicant_keys(
        names: Vec<String>,
        birth_date: Option<(u16, u8, u8)>,
        country: Option<&str>,
    ) -> Vec<screening::Key> {
        screening::query_keys(&Self::query(names, birth_date, country))
    }

    /// What [`ScreeningLists::screen_declared`] searches, as
    /// [`ScreeningLists::screen_applicant`] takes it (the same search).
    pub fn declared_parts(person: &domain::declaration::Person) -> QueryParts {
        let b = person.birth_date();
        (
            vec![person.name().as_str().to_owned()],
            Some((b.year() as u16, b.month() as u8, b.day() as u8)),
            Some(person.nationality().as_str().to_owned()),
        )
    }

    /// The query a screening makes of a person's facts.
    fn query(
        names: Vec<String>,
        birth_date: Option<(u16, u8, u8)>,
        country: Option<&str>,
    ) -> Query {
        Query {
            names,
            schema: Some(Schema::Person),
            birth_dates: birth_date
                .and_then(|(y, m, d)| PartialDate::new(y, Some(m), Some(d)))
                .into_iter()
                .collect(),
            countries: country.map(str::to_ascii_lowercase).into_iter().collect(),
            gender: None,
            id_numbers: Vec::new(),
        }
    }

    fn screen(
        &self,
        names: Vec<String>,
        birth_date: Option<(u16, u8, u8)>,
        country: Option<&str>,
        explain: bool,
    ) -> Vec<Hit> {
        let query = Self::query(names, birth_date, country);
        let params = Params {
            limit: 5,
            ..Params::default()
        };
        self.searches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.index
            .search(&query, &params)
            .into_iter()
            .filter(|m| m.is_match)
            .map(|m| Hit {
                entity_id: m.entity.id.clone(),
                caption: m.entity.caption().to_owned(),
                score: m.score,
                why: if explain {
                    format!(
                        "{:?} ~ {:?} (name {:.2})",
                        m.explanation.query_name, m.explanation.list_name, m.explanation.name_score
                    )
                } else {
                    String::new()
                },
                list: m.entity.dataset.clone(),
            })
            .collect()
    }

    /// The index (for the case view's explanations and list entries).
    pub fn index(&self) -> &std::sync::Arc<Index> {
        &self.index
    }
}

//! yente-compatible screening, so that existing screening clients work
//! against cortina: `POST /match/{dataset}`, `GET /search/{dataset}`,
//! `GET /catalog`, `GET /entities/{id}`, `GET /algorithms`, with yente's request and response
//! shapes (FollowTheMoney `schema` + `properties` examples; per query
//! `status`, `results`, `total`, `query`; scored results with `score`,
//! `match`, `features` and `explanations`).
//!
//! Differences from yente, on purpose: every request is authenticated
//! (`Authorization: ApiKey <token>` or `Bearer`, or a session) and recorded
//! in the ledger (`screening.run` on the lists) with its purpose — the
//! `X-Purpose` header, or the purpose the token was issued with; without
//! one the request is refused. Scores come from cortina's engine: the
//! `algorithm` parameter takes `cortina` (alias `best`, `default`) or
//! `ofac` (alias `ofac-249`), and yente's own algorithm names, which
//! existing clients send (`logic-v1`, `logic-v2`, `name-based`,
//! `name-qualified`, `regression-v1`, `er-unstable`), are answered by
//! cortina's algorithm — the response's `algorithm` field says which name
//! was asked and which algorithm answered, and `matcher` documents that
//! algorithm's features. `GET /algorithms` lists them all in yente's shape.
//! The default threshold is the engine's.
//!
//! `/search` is recall-oriented, as an analyst's search must be: a surname
//! finds everyone carrying it (`screening::Index::lookup`), ranked by how
//! much of the query each listed name covers, with filters by schema,
//! country and dataset and paging by `limit`/`offset`. Dataset `default`
//! means every loaded list; a list's own name (its OpenSanctions dataset
//! name) restricts results to it. Unknown fields and parameters are
//! ignored; errors are `{"detail": "…"}`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use authority::Resource;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::Action;
use screening::{Algorithm, Index, Match, Params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use watchlist::{Entity, Gender, NameKind, PartialDate, Schema};

use crate::AppState;
use crate::auth::{Caller, Via};
use crate::error::{ApiError, DetailBody, YenteError, json_body};

/// Most queries in one `/match` request.
pub const MAX_BATCH: usize = 100;
/// Most results per query.
pub const MAX_LIMIT: usize = 500;
/// Queries of one `/match` request searched on the request's own thread;
/// a larger batch goes to the blocking pool. One search takes tens of
/// microseconds (p99 well under a millisecond), less than the two thread
/// wake-ups of handing it to the pool, which were about a sixth of the
/// server's CPU per single-query `/match`; a batch of up to `MAX_BATCH`
/// could hold the runtime's thread too long.
const INLINE_QUERIES: usize = 2;
/// Default results per `/match` query (yente's).
pub const MATCH_LIMIT: usize = 5;
/// Default results of `/search`.
pub const SEARCH_LIMIT: usize = 10;
/// Furthest `/search` offset.
pub const MAX_OFFSET: usize = 10_000;
/// The header that states why a screening is run.
pub const PURPOSE_HEADER: &str = "x-purpose";

/// Whether `path` is one of the yente-compatible routes (whose errors are
/// `{"detail": …}`).
pub fn is_yente_path(path: &str) -> bool {
    ["/match/", "/search/", "/entities/"]
        .iter()
        .any(|p| path.starts_with(p))
        || path == "/catalog"
        || path == "/algorithms"
}

/// The screening routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/match/{dataset}", post(match_entities))
        .route("/search/{dataset}", get(search))
        .route("/catalog", get(catalog))
        .route("/algorithms", get(algorithms))
        .route("/entities/{id}", get(entity))
}

/// The algorithm names `/match` accepts: cortina's own, and yente's, each
/// with the cortina algorithm that answers it and what to tell the client.
const ALGORITHM_NAMES: &[(&str, Algorithm, &str)] = &[
    (
        "cortina",
        Algorithm::Cortina,
        "cortina's algorithm: names transliterated to Latin, tokens aligned with spelling-variant credit weighted by rarity, then birth date, country, gender and identifier features; every score explained.",
    ),
    (
        "ofac",
        Algorithm::Ofac,
        "A reproduction of OFAC Sanctions List Search scoring (FAQ 249): Jaro-Winkler on the whole name and on name parts with Soundex, order-insensitive, names only.",
    ),
    (
        "best",
        Algorithm::Cortina,
        "cortina's best algorithm: cortina.",
    ),
    (
        "default",
        Algorithm::Cortina,
        "cortina's default algorithm: cortina.",
    ),
    (
        "ofac-249",
        Algorithm::Ofac,
        "OFAC FAQ 249, answered by cortina's ofac algorithm.",
    ),
    (
        "logic-v1",
        Algorithm::Cortina,
        "yente's logic-v1, answered by cortina's algorithm.",
    ),
    (
        "logic-v2",
        Algorithm::Cortina,
        "yente's logic-v2, answered by cortina's algorithm.",
    ),
    (
        "name-based",
        Algorithm::Cortina,
        "yente's name-based, answered by cortina's algorithm.",
    ),
    (
        "name-qualified",
        Algorithm::Cortina,
        "yente's name-qualified, answered by cortina's algorithm.",
    ),
    (
        "regression-v1",
        Algorithm::Cortina,
        "yente's regression-v1, answered by cortina's algorithm.",
    ),
    (
        "er-unstable",
        Algorithm::Cortina,
        "yente's er-unstable, answered by cortina's algorithm.",
    ),
];

/// Which algorithm answered a `/match` request.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlgorithmUsed {
    /// The name the client asked for (`cortina` when it asked for none).
    pub requested: String,
    /// The cortina algorithm that scored the request: `cortina` or `ofac`.
    pub used: &'static str,
    /// What the requested name means here.
    pub description: &'static str,
}

/// One algorithm of `GET /algorithms` (yente's shape).
#[derive(Debug, Serialize, ToSchema)]
pub struct AlgorithmModel {
    /// The name `/match?algorithm=` takes.
    pub name: String,
    /// What it is, and which cortina algorithm answers it.
    pub description: Option<String>,
    /// The features of the algorithm that answers it.
    pub features: BTreeMap<String, FeatureDoc>,
}

/// The body of `GET /algorithms` (yente's shape).
#[derive(Debug, Serialize, ToSchema)]
pub struct AlgorithmResponse {
    /// Every name `/match` accepts.
    pub algorithms: Vec<AlgorithmModel>,
    /// The algorithm used when none is asked for.
    pub default: String,
    /// The algorithm cortina recommends.
    pub best: String,
}

/// A query by example: a FollowTheMoney schema and properties.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub struct EntityExample {
    /// The client's id for the example (echoed).
    #[serde(default)]
    pub id: Option<String>,
    /// The FollowTheMoney schema: `Person`, `Organization`, `Company`,
    /// `LegalEntity`, `Vessel`, `Airplane` (or `Thing` for any).
    pub schema: String,
    /// Property values: `name`, `alias`, `firstName`, `lastName`,
    /// `birthDate`, `nationality`, `country`, `jurisdiction`, `gender`,
    /// `idNumber`, `passportNumber`, `registrationNumber`, … (a string or a
    /// list of strings each; unknown properties are ignored).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub properties: BTreeMap<String, serde_json::Value>,
}

/// The body of `POST /match/{dataset}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EntityMatchQuery {
    /// Examples by the client's keys (at most 100).
    #[schema(value_type = BTreeMap<String, EntityExample>)]
    pub queries: BTreeMap<String, Option<EntityExample>>,
}

/// A result count.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalSpec {
    /// How many.
    pub value: usize,
    /// `eq`, or `gte` when more candidates may exist than were scored.
    pub relation: &'static str,
}

/// One explained feature of a score.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeatureExplanation {
    /// Its contribution (the name score itself for `name`).
    pub score: f64,
    /// What it compared.
    pub detail: String,
}

/// A listed entity.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntityResponse {
    /// Its id.
    pub id: String,
    /// Its display name.
    pub caption: String,
    /// Its FollowTheMoney schema.
    pub schema: String,
    /// Its FollowTheMoney properties.
    pub properties: BTreeMap<String, Vec<String>>,
    /// The list(s) it is on.
    pub datasets: Vec<String>,
    /// Other ids of the same entity (none: cortina does not merge lists).
    pub referents: Vec<String>,
    /// Whether it is a target of the list (always, for sanctions lists).
    pub target: bool,
    /// First seen (unknown).
    pub first_seen: Option<String>,
    /// Last seen (unknown).
    pub last_seen: Option<String>,
    /// Last changed (unknown).
    pub last_change: Option<String>,
}

/// A scored result.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoredEntityResponse {
    /// The entity.
    #[serde(flatten)]
    pub entity: EntityResponse,
    /// The score, 0..=1.
    pub score: f64,
    /// Whether the score reaches the threshold.
    #[serde(rename = "match")]
    pub is_match: bool,
    /// Each feature's contribution.
    pub features: BTreeMap<String, f64>,
    /// Each feature's contribution and what it compared.
    pub explanations: BTreeMap<String, FeatureExplanation>,
}

/// The results of one example.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntityMatches {
    /// 200.
    pub status: u16,
    /// The results, best first.
    pub results: Vec<ScoredEntityResponse>,
    /// How many results passed the cutoff (before the limit).
    pub total: TotalSpec,
    /// The example as understood.
    pub query: EntityExample,
}

/// A feature of the scoring.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeatureDoc {
    /// What it measures.
    pub description: String,
    /// Its largest effect on a score.
    pub coefficient: f64,
    /// Where it is documented.
    pub url: Option<String>,
}

/// The body of a `/match` response.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntityMatchResponse {
    /// Results by the client's keys.
    pub responses: BTreeMap<String, EntityMatches>,
    /// The features of the algorithm that scored the request.
    pub matcher: BTreeMap<String, FeatureDoc>,
    /// The algorithm asked for and the one that answered.
    pub algorithm: AlgorithmUsed,
    /// The limit applied per query.
    pub limit: usize,
}

/// A facet value.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchFacetItem {
    /// The value.
    pub name: String,
    /// Its label.
    pub label: String,
    /// Results with it.
    pub count: usize,
}

/// A facet of the results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchFacet {
    /// Its label.
    pub label: String,
    /// Its values.
    pub values: Vec<SearchFacetItem>,
}

/// The body of a `/search` response.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    /// The results.
    pub results: Vec<EntityResponse>,
    /// Counts by country and dataset.
    pub facets: BTreeMap<String, SearchFacet>,
    /// How many results in all.
    pub total: TotalSpec,
    /// The limit applied.
    pub limit: usize,
    /// The offset applied.
    pub offset: usize,
}

/// A dataset of the catalog.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetModel {
    /// Its name.
    pub name: String,
    /// Its title.
    pub title: String,
    /// A summary.
    pub summary: Option<String>,
    /// Its publisher's page.
    pub url: Option<String>,
    /// Whether it is loaded.
    pub load: bool,
    /// Where its entities can be downloaded (not served).
    pub entities_url: Option<String>,
    /// The list snapshot's content hash (its first 16 hex digits).
    pub version: String,
    /// The full content hash of the snapshot searched.
    pub index_version: Option<String>,
    /// Whether the index holds this version.
    pub index_current: bool,
    /// The datasets it collects (for `default`).
    pub children: Vec<String>,
}

/// The body of `/catalog`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DataCatalogModel {
    /// The datasets.
    pub datasets: Vec<DatasetModel>,
    /// Those searched now.
    pub current: Vec<String>,
    /// Those loaded but outdated (none).
    pub outdated: Vec<String>,
    /// Whether the index is stale (never: it is built at start).
    pub index_stale: bool,
}

/// The loaded index, or 503.
fn index(state: &AppState) -> Result<Arc<Index>, YenteError> {
    state.index().ok_or_else(|| {
        YenteError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "No watchlists are loaded: import lists with `cortina lists import`; a running server takes them up within seconds.",
        )
    })
}

/// Checks the dataset name: `default` (every list) or a loaded list.
fn dataset_filter(index: &Index, dataset: &str) -> Result<Option<String>, YenteError> {
    if dataset == "default" {
        return Ok(None);
    }
    if index.entities().iter().any(|e| e.dataset == dataset) {
        Ok(Some(dataset.to_owned()))
    } else {
        Err(YenteError::new(StatusCode::NOT_FOUND, "No such dataset."))
    }
}

/// The purpose of a screening: the `X-Purpose` header, else the token's.
fn purpose(headers: &HeaderMap, caller: &Caller) -> Result<String, YenteError> {
    let header = headers
        .get(PURPOSE_HEADER)
        .map(|v| {
            v.to_str()
                .map(|s| s.trim().to_owned())
                .map_err(|_| YenteError::bad_request("X-Purpose must be plain text"))
        })
        .transpose()?
        .filter(|s| !s.is_empty());
    let from_token = match caller {
        Caller::Account {
            via: Via::Token { purpose, .. },
            ..
        } => purpose.clone().filter(|p| !p.trim().is_empty()),
        _ => None,
    };
    let purpose = header.or(from_token).ok_or_else(|| {
        YenteError::bad_request(
            "A purpose is required: every screening is recorded with why it was run. Send an X-Purpose header, or use a token issued with --purpose.",
        )
    })?;
    if purpose.chars().count() > 500 || purpose.chars().any(char::is_control) {
        return Err(YenteError::bad_request(
            "X-Purpose: at most 500 characters of plain text",
        ));
    }
    Ok(purpose)
}

/// Records the screening in the ledger (after the policy allows it).
async fn record(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    what: serde_json::Value,
) -> Result<u64, YenteError> {
    let actor = caller.actor()?;
    let purpose = purpose(headers, caller)?;
    let mut payload = what;
    payload["purpose"] = serde_json::Value::String(purpose);
    payload["snapshot"] =
        serde_json::Value::from(state.index().map(|i| i.snapshot_hash().to_owned()));
    let bytes = serde_json::to_vec(&payload).map_err(|e| ApiError::internal(&e))?;
    let done = state
        .svc()
        .record(&actor, Action::ScreeningRun, Resource::Lists, bytes)
        .await?;
    // Each screening is its ledger entry already: at thousands a second an
    // info line for each would bury the log.
    tracing::debug!(seq = done.seq, "screening recorded");
    Ok(done.seq)
}

/// The query parameters as pairs (repeatable ones included).
type Params_ = Vec<(String, String)>;

fn params_of(query: Result<Query<Params_>, QueryRejection>) -> Result<Params_, YenteError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| YenteError::bad_request(format!("query string: {e}")))
}

fn param<'a>(params: &'a Params_, name: &str) -> Option<&'a str> {
    params
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn params_all<'a>(params: &'a Params_, name: &str) -> Vec<&'a str> {
    params
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn number<T: std::str::FromStr>(params: &Params_, name: &str) -> Result<Option<T>, YenteError> {
    param(params, name)
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| YenteError::bad_request(format!("{name}: {v:?} is not a number")))
        })
        .transpose()
}

fn score_param(params: &Params_, name: &str) -> Result<Option<f32>, YenteError> {
    let v: Option<f32> = number(params, name)?;
    if let Some(v) = v
        && !(0.0..=1.0).contains(&v)
    {
        return Err(YenteError::bad_request(format!(
            "{name}: scores are between 0 and 1"
        )));
    }
    Ok(v)
}

/// The `algorithm` parameter: cortina's names and yente's (see
/// [`ALGORITHM_NAMES`]), case-insensitive; `cortina` when absent.
fn algorithm(params: &Params_) -> Result<(Algorithm, AlgorithmUsed), YenteError> {
    let requested = param(params, "algorithm")
        .map(|a| a.trim().to_ascii_lowercase())
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| "cortina".to_owned());
    let (_, algorithm, description) = ALGORITHM_NAMES
        .iter()
        .find(|(name, _, _)| *name == requested)
        .ok_or_else(|| {
            let names: Vec<&str> = ALGORITHM_NAMES.iter().map(|(n, _, _)| *n).collect();
            YenteError::bad_request(format!(
                "Invalid algorithm {requested:?}: use one of {}",
                names.join(", ")
            ))
        })?;
    Ok((
        *algorithm,
        AlgorithmUsed {
            requested,
            used: algorithm.as_str(),
            description,
        },
    ))
}

/// The strings of a property value (a string, or a list of strings and
/// numbers; anything else is ignored).
fn values(v: &serde_json::Value) -> Vec<String> {
    let one = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match v {
        serde_json::Value::Array(items) => items.iter().filter_map(one).collect::<Vec<_>>(),
        v => one(v).into_iter().collect(),
    }
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect()
}

const NAME_PROPS: &[&str] = &["name", "alias", "previousName", "weakAlias"];
const DATE_PROPS: &[&str] = &["birthDate", "incorporationDate"];
const COUNTRY_PROPS: &[&str] = &[
    "nationality",
    "citizenship",
    "country",
    "jurisdiction",
    "birthCountry",
    "mainCountry",
    "registrationCountry",
];
const ID_PROPS: &[&str] = &[
    "idNumber",
    "passportNumber",
    "registrationNumber",
    "taxNumber",
    "innCode",
    "ogrnCode",
    "leiCode",
    "imoNumber",
    "swiftBic",
    "vatCode",
];

/// The example, normalised (every property a list of strings, the ones
/// cortina does not use dropped), and the engine's query for it.
fn understand(
    key: &str,
    ex: &EntityExample,
) -> Result<(EntityExample, screening::Query), YenteError> {
    let bad = |why: String| {
        YenteError::bad_request(format!("Cannot parse example entity {key:?}: {why}"))
    };
    let schema = match ex.schema.trim() {
        "Thing" | "" => None,
        s => Some(Schema::parse(s).ok_or_else(|| bad(format!("invalid schema {s:?}")))?),
    };
    let mut kept: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut q = screening::Query {
        schema,
        ..screening::Query::default()
    };
    let mut given = |prop: &str| -> Vec<String> {
        let v = ex.properties.get(prop).map(values).unwrap_or_default();
        if !v.is_empty() {
            kept.insert(prop.to_owned(), serde_json::Value::from(v.clone()));
        }
        v
    };
    for p in NAME_PROPS {
        q.names.extend(given(p));
    }
    let parts: Vec<String> = [
        "firstName",
        "secondName",
        "middleName",
        "fatherName",
        "lastName",
    ]
    .iter()
    .filter_map(|p| given(p).into_iter().next())
    .collect();
    if q.names.is_empty() && !parts.is_empty() {
        q.names.push(parts.join(" "));
    }
    for p in DATE_PROPS {
        q.birth_dates.extend(
            given(p)
                .iter()
                .filter_map(|d| PartialDate::parse_iso(d.get(..10.min(d.len()))?)),
        );
    }
    for p in COUNTRY_PROPS {
        for c in given(p) {
            if let Some(code) = watchlist::countries::to_code(&c)
                && !q.countries.iter().any(|x| x == code)
            {
                q.countries.push(code.to_owned());
            }
        }
    }
    q.gender = given("gender").iter().find_map(|g| Gender::parse(g));
    for p in ID_PROPS {
        q.id_numbers.extend(given(p));
    }
    if q.names.is_empty() {
        return Err(bad(
            "it has no name (name, alias, or firstName/lastName)".into()
        ));
    }
    if q.names.iter().any(|n| n.chars().count() > 1000) {
        return Err(bad("a name is longer than 1000 characters".into()));
    }
    q.names.truncate(20);
    let normalised = EntityExample {
        id: ex.id.clone(),
        schema: ex.schema.trim().to_owned(),
        properties: kept,
    };
    Ok((normalised, q))
}

/// An entity in FollowTheMoney's shape.
fn entity_response(e: &Entity) -> EntityResponse {
    let mut props: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |k: &str, v: String| props.entry(k.to_owned()).or_default().push(v);
    for n in &e.names {
        let prop = match n.kind {
            NameKind::Primary => "name",
            NameKind::Alias => "alias",
            NameKind::Weak => "weakAlias",
        };
        add(prop, n.full.clone());
    }
    let date_prop = if e.schema == Schema::Person {
        "birthDate"
    } else {
        "incorporationDate"
    };
    for d in &e.birth_dates {
        add(date_prop, d.date.to_string());
    }
    for p in &e.birth_places {
        add("birthPlace", p.clone());
    }
    let country_prop = match e.schema {
        Schema::Person => "nationality",
        Schema::Vessel => "flag",
        _ => "country",
    };
    for c in &e.countries {
        add(country_prop, c.clone());
    }
    if let Some(g) = e.gender {
        add("gender", g.as_str().to_owned());
    }
    for i in &e.identifiers {
        add(i.kind.as_str(), i.number.clone());
    }
    for a in &e.addresses {
        add("address", a.full.clone());
    }
    for p in &e.programs {
        add("programId", p.clone());
    }
    EntityResponse {
        id: e.id.clone(),
        caption: e.caption().to_owned(),
        schema: e.schema.as_str().to_owned(),
        properties: props,
        datasets: vec![e.dataset.clone()],
        referents: Vec::new(),
        target: true,
        first_seen: None,
        last_seen: None,
        last_change: None,
    }
}

fn round(v: f32) -> f64 {
    (f64::from(v) * 10_000.0).round() / 10_000.0
}

fn scored(m: &Match<'_>) -> ScoredEntityResponse {
    let x = &m.explanation;
    let mut features = BTreeMap::new();
    let mut explanations = BTreeMap::new();
    features.insert("name".to_owned(), round(x.name_score));
    explanations.insert(
        "name".to_owned(),
        FeatureExplanation {
            score: round(x.name_score),
            detail: format!(
                "{:?} ~ {:?} ({:?} name, {})",
                x.query_name,
                x.list_name,
                x.list_name_kind,
                x.algorithm.as_str()
            ),
        },
    );
    for f in &x.features {
        *features.entry(f.name.to_owned()).or_insert(0.0) += round(f.delta);
        explanations
            .entry(f.name.to_owned())
            .and_modify(|e: &mut FeatureExplanation| {
                e.score += round(f.delta);
                e.detail.push_str("; ");
                e.detail.push_str(&f.detail);
            })
            .or_insert_with(|| FeatureExplanation {
                score: round(f.delta),
                detail: f.detail.clone(),
            });
    }
    ScoredEntityResponse {
        entity: entity_response(m.entity),
        score: round(m.score),
        is_match: m.is_match,
        features,
        explanations,
    }
}

fn matcher_docs(algorithm: Algorithm) -> BTreeMap<String, FeatureDoc> {
    let features: &[(&str, &str, f64)] = match algorithm {
        Algorithm::Cortina => &[
            (
                "name",
                "Weighted token alignment of the best pair of names (transliterated, normalised), 0..1",
                1.0,
            ),
            (
                "birth_date",
                "Birth dates: exact to the day +0.05, month +0.03, year +0.02; close −0.03..−0.05; different −0.20",
                0.2,
            ),
            ("country", "Countries: shared +0.02, disjoint −0.05", 0.05),
            (
                "gender",
                "A stated male against a stated female −0.15 (\"other\" is neutral)",
                0.15,
            ),
            (
                "identifier",
                "An identical identifier number lifts the score to at least 0.99",
                0.99,
            ),
            (
                "weak_alias",
                "A weak alias counts only when its tokens equal the query's",
                1.0,
            ),
        ],
        Algorithm::Ofac => &[(
            "name",
            "OFAC FAQ 249: the higher of Jaro-Winkler on the whole name and the mean over the query's name parts of each part's best Jaro-Winkler/Soundex score against the list name's parts; names only",
            1.0,
        )],
    };
    features
        .iter()
        .copied()
        .map(|(k, d, c)| {
            (
                k.to_owned(),
                FeatureDoc {
                    description: d.to_owned(),
                    coefficient: c,
                    url: None,
                },
            )
        })
        .collect()
}

/// Whether `e` passes the dataset and schema filters of a request.
struct Filters {
    dataset: Option<String>,
    include: Vec<String>,
    exclude: Vec<String>,
    exclude_schema: Vec<String>,
}

impl Filters {
    fn from(params: &Params_, dataset: Option<String>) -> Filters {
        let owned = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect();
        let mut include: Vec<String> = owned(params_all(params, "include_dataset"));
        include.extend(
            params_all(params, "datasets")
                .into_iter()
                .map(str::to_owned),
        );
        Filters {
            dataset,
            include,
            exclude: owned(params_all(params, "exclude_dataset")),
            exclude_schema: owned(params_all(params, "exclude_schema")),
        }
    }

    fn keeps(&self, e: &Entity) -> bool {
        self.dataset.as_ref().is_none_or(|d| &e.dataset == d)
            && (self.include.is_empty() || self.include.contains(&e.dataset))
            && !self.exclude.contains(&e.dataset)
            && !self.exclude_schema.iter().any(|s| s == e.schema.as_str())
    }

    fn is_empty(&self) -> bool {
        self.dataset.is_none()
            && self.include.is_empty()
            && self.exclude.is_empty()
            && self.exclude_schema.is_empty()
    }
}

/// Scores examples against the lists (query by example).
#[utoipa::path(
    post, path = "/match/{dataset}", tag = "screening",
    params(
        ("dataset" = String, Path, description = "`default` (every loaded list) or one list's dataset name"),
        ("limit" = Option<usize>, Query, description = "Results per query (default 5, at most 500)"),
        ("threshold" = Option<f32>, Query, description = "Score at or above which a result is a match (default: the algorithm's)"),
        ("cutoff" = Option<f32>, Query, description = "Results scoring below this are dropped (default and at most: the threshold)"),
        ("algorithm" = Option<String>, Query, description = "cortina (alias best, default), ofac (alias ofac-249), or one of yente's names (logic-v1, logic-v2, name-based, name-qualified, regression-v1, er-unstable), answered by cortina's algorithm; see GET /algorithms"),
        ("X-Purpose" = Option<String>, Header, description = "Why the screening is run (required unless the token carries a purpose)"),
    ),
    request_body = EntityMatchQuery,
    responses(
        (status = 200, description = "Scored results per query", body = EntityMatchResponse),
        (status = 400, description = "Invalid query, or no purpose", body = DetailBody),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Denied by the policy (recorded)", body = DetailBody),
        (status = 404, description = "No such dataset", body = DetailBody),
        (status = 503, description = "No lists loaded", body = DetailBody),
    )
)]
pub async fn match_entities(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(dataset): Path<String>,
    query: Result<Query<Params_>, QueryRejection>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, BytesRejection>,
) -> Result<Json<EntityMatchResponse>, YenteError> {
    let caller = caller?;
    caller.username()?;
    let params = params_of(query)?;
    let index = index(&state)?.clone();
    let filters = Filters::from(&params, dataset_filter(&index, &dataset)?);
    let request: EntityMatchQuery = json_body(&headers, body, "bad_request")?;
    if request.queries.len() > MAX_BATCH {
        return Err(YenteError::bad_request(format!(
            "Too many queries in one batch (limit: {MAX_BATCH})"
        )));
    }
    let limit = number::<usize>(&params, "limit")?
        .unwrap_or(MATCH_LIMIT)
        .clamp(1, MAX_LIMIT);
    let (algorithm, used) = algorithm(&params)?;
    let threshold = score_param(&params, "threshold")?.unwrap_or(algorithm.default_threshold());
    let cutoff = score_param(&params, "cutoff")?
        .unwrap_or(algorithm.default_threshold())
        .min(threshold);
    let mut examples = Vec::new();
    for (key, example) in &request.queries {
        let Some(example) = example else { continue };
        let (normalised, q) = understand(key, example)?;
        examples.push((key.clone(), normalised, q));
    }
    if examples.is_empty() {
        return Err(YenteError::bad_request("No queries provided."));
    }
    let asked: BTreeMap<&String, &EntityExample> =
        examples.iter().map(|(k, e, _)| (k, e)).collect();
    let seq = record(
        &state,
        &caller,
        &headers,
        serde_json::json!({
            "route": "match", "dataset": dataset, "algorithm": algorithm.as_str(),
            "algorithm_requested": used.requested,
            "threshold": threshold, "cutoff": cutoff, "limit": limit, "queries": asked,
        }),
    )
    .await?;
    // Candidates beyond the limit, so that filters and the total see them.
    let fetch = if filters.is_empty() {
        MAX_LIMIT.min(limit.max(50))
    } else {
        MAX_LIMIT
    };
    let engine = Params {
        threshold,
        cutoff,
        limit: fetch,
        algorithm,
    };
    let inline = examples.len() <= INLINE_QUERIES;
    let work = move || {
        examples
            .into_iter()
            .map(|(key, example, q)| {
                let found: Vec<Match<'_>> = index
                    .search(&q, &engine)
                    .into_iter()
                    .filter(|m| filters.keeps(m.entity))
                    .collect();
                let total = TotalSpec {
                    value: found.len(),
                    relation: if found.len() >= fetch { "gte" } else { "eq" },
                };
                let results = found.iter().take(limit).map(scored).collect();
                (
                    key,
                    EntityMatches {
                        status: 200,
                        results,
                        total,
                        query: example,
                    },
                )
            })
            .collect::<BTreeMap<_, _>>()
    };
    let responses = if inline {
        work()
    } else {
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ApiError::internal(&e))?
    };
    // The consultation log's result size: every result returned.
    let size = responses.values().map(|r| r.results.len()).sum();
    state.svc().consulted(seq, size).await?;
    Ok(Json(EntityMatchResponse {
        responses,
        matcher: matcher_docs(algorithm),
        algorithm: used,
        limit,
    }))
}

/// Searches the lists for a name.
#[utoipa::path(
    get, path = "/search/{dataset}", tag = "screening",
    params(
        ("dataset" = String, Path, description = "`default` or one list's dataset name"),
        ("q" = String, Query, description = "The name to look for"),
        ("schema" = Option<String>, Query, description = "Kind of entity (default: any)"),
        ("countries" = Option<Vec<String>>, Query, description = "Only entities linked to these countries (repeatable)"),
        ("datasets" = Option<Vec<String>>, Query, description = "Only entities on these lists (repeatable; also include_dataset)"),
        ("exclude_dataset" = Option<Vec<String>>, Query, description = "Not entities on these lists (repeatable)"),
        ("exclude_schema" = Option<Vec<String>>, Query, description = "Not entities of these kinds (repeatable)"),
        ("limit" = Option<usize>, Query, description = "Results (default 10, at most 500)"),
        ("offset" = Option<usize>, Query, description = "Skip this many (at most 10,000)"),
        ("X-Purpose" = Option<String>, Header, description = "Why the search is run (required unless the token carries a purpose)"),
    ),
    responses(
        (status = 200, description = "Results", body = SearchResponse),
        (status = 400, description = "Invalid query, or no purpose", body = DetailBody),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Denied by the policy (recorded)", body = DetailBody),
        (status = 404, description = "No such dataset", body = DetailBody),
        (status = 503, description = "No lists loaded", body = DetailBody),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(dataset): Path<String>,
    query: Result<Query<Params_>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<SearchResponse>, YenteError> {
    let caller = caller?;
    caller.username()?;
    let params = params_of(query)?;
    let index = index(&state)?.clone();
    let filters = Filters::from(&params, dataset_filter(&index, &dataset)?);
    let text = param(&params, "q").unwrap_or_default().trim().to_owned();
    if text.is_empty() || text.chars().count() > 1000 {
        return Err(YenteError::bad_request(
            "q: give a name to search for (at most 1000 characters)",
        ));
    }
    let schema = match param(&params, "schema").map(str::trim) {
        None | Some("") | Some("Thing") => None,
        Some(s) => Some(Schema::parse(s).ok_or_else(|| YenteError::bad_request("Invalid schema"))?),
    };
    let countries: BTreeSet<String> = params_all(&params, "countries")
        .into_iter()
        .filter_map(watchlist::countries::to_code)
        .map(str::to_owned)
        .collect();
    let limit = number::<usize>(&params, "limit")?
        .unwrap_or(SEARCH_LIMIT)
        .clamp(1, MAX_LIMIT);
    let offset = number::<usize>(&params, "offset")?
        .unwrap_or(0)
        .min(MAX_OFFSET);
    let seq = record(
        &state,
        &caller,
        &headers,
        serde_json::json!({
            "route": "search", "dataset": dataset, "q": text, "schema": schema.map(Schema::as_str),
            "countries": countries, "limit": limit, "offset": offset,
        }),
    )
    .await?;
    // Recall first: everyone carrying any of the query's name tokens,
    // ranked by how much of the query they cover; then the filters; the
    // total counts every entity that passed them, before paging.
    let found: Vec<EntityResponse> = tokio::task::spawn_blocking(move || {
        index
            .lookup(&text, schema, usize::MAX)
            .into_iter()
            .filter(|h| filters.keeps(h.entity))
            .filter(|h| {
                countries.is_empty() || h.entity.countries.iter().any(|c| countries.contains(c))
            })
            .map(|h| entity_response(h.entity))
            .collect()
    })
    .await
    .map_err(|e| ApiError::internal(&e))?;
    let total = TotalSpec {
        value: found.len(),
        relation: "eq",
    };
    let mut facets = BTreeMap::new();
    for (facet, label, prop) in [
        ("countries", "Countries", None),
        ("datasets", "Data sources", Some(())),
    ] {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for e in &found {
            let keys: Vec<String> = match prop {
                Some(()) => e.datasets.clone(),
                None => ["nationality", "country", "flag"]
                    .iter()
                    .filter_map(|p| e.properties.get(*p))
                    .flatten()
                    .cloned()
                    .collect(),
            };
            for k in keys {
                *counts.entry(k).or_default() += 1;
            }
        }
        let values = counts
            .into_iter()
            .map(|(name, count)| SearchFacetItem {
                label: match prop {
                    None => watchlist::countries::name(&name)
                        .unwrap_or(&name)
                        .to_owned(),
                    Some(()) => name.clone(),
                },
                name,
                count,
            })
            .collect();
        facets.insert(
            facet.to_owned(),
            SearchFacet {
                label: label.to_owned(),
                values,
            },
        );
    }
    let results: Vec<EntityResponse> = found.into_iter().skip(offset).take(limit).collect();
    state.svc().consulted(seq, results.len()).await?;
    Ok(Json(SearchResponse {
        results,
        facets,
        total,
        limit,
        offset,
    }))
}

/// The loaded lists.
#[utoipa::path(
    get, path = "/catalog", tag = "screening",
    responses(
        (status = 200, description = "The datasets", body = DataCatalogModel),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Denied by the policy (recorded), or a witness token", body = DetailBody),
    )
)]
pub async fn catalog(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
) -> Result<Json<DataCatalogModel>, YenteError> {
    caller?.username()?;
    let Some(index) = state.index() else {
        return Ok(Json(DataCatalogModel {
            datasets: Vec::new(),
            current: Vec::new(),
            outdated: Vec::new(),
            index_stale: false,
        }));
    };
    let hash = index.snapshot_hash().to_owned();
    let version = hash.chars().take(16).collect::<String>();
    let names: BTreeSet<&str> = index
        .entities()
        .iter()
        .map(|e| e.dataset.as_str())
        .collect();
    let dataset = |name: &str, title: String, children: Vec<String>| DatasetModel {
        name: name.to_owned(),
        title,
        summary: None,
        url: None,
        load: true,
        entities_url: None,
        version: version.clone(),
        index_version: Some(hash.clone()),
        index_current: true,
        children,
    };
    let mut datasets = vec![dataset(
        "default",
        "Every loaded list".to_owned(),
        names.iter().map(|n| (*n).to_owned()).collect(),
    )];
    datasets.extend(
        names
            .iter()
            .map(|n| dataset(n, (*n).to_owned(), Vec::new())),
    );
    let current = datasets.iter().map(|d| d.name.clone()).collect();
    Ok(Json(DataCatalogModel {
        datasets,
        current,
        outdated: Vec::new(),
        index_stale: false,
    }))
}

/// The scoring algorithms `/match` accepts, in yente's shape: cortina's
/// own and yente's names, each saying which cortina algorithm answers it.
#[utoipa::path(
    get, path = "/algorithms", tag = "screening",
    responses(
        (status = 200, description = "The algorithms", body = AlgorithmResponse),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "A witness token (ledger only)", body = DetailBody),
    )
)]
pub async fn algorithms(
    caller: Result<Caller, ApiError>,
) -> Result<Json<AlgorithmResponse>, YenteError> {
    caller?.username()?;
    let algorithms = ALGORITHM_NAMES
        .iter()
        .map(|(name, algorithm, description)| AlgorithmModel {
            name: (*name).to_owned(),
            description: Some((*description).to_owned()),
            features: matcher_docs(*algorithm),
        })
        .collect();
    Ok(Json(AlgorithmResponse {
        algorithms,
        default: Algorithm::default().as_str().to_owned(),
        best: Algorithm::default().as_str().to_owned(),
    }))
}

/// One listed entity.
#[utoipa::path(
    get, path = "/entities/{id}", tag = "screening",
    params(
        ("id" = String, Path, description = "The entity's id"),
        ("X-Purpose" = Option<String>, Header, description = "Why it is looked up (required unless the token carries a purpose)"),
    ),
    responses(
        (status = 200, description = "The entity", body = EntityResponse),
        (status = 400, description = "No purpose", body = DetailBody),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Denied by the policy (recorded)", body = DetailBody),
        (status = 404, description = "No such entity", body = DetailBody),
    )
)]
pub async fn entity(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<EntityResponse>, YenteError> {
    let caller = caller?;
    caller.username()?;
    let index = index(&state)?.clone();
    record(
        &state,
        &caller,
        &headers,
        serde_json::json!({ "route": "entity", "id": id }),
    )
    .await?;
    let entity = index
        .entity(&id)
        .ok_or_else(|| YenteError::new(StatusCode::NOT_FOUND, "No such entity!"))?;
    Ok(Json(entity_response(entity)))
}

/// Decodes a `POST /match/{dataset}` body as [`match_entities`] does — the JSON, the batch
/// limit, each example understood into the engine's query, null examples skipped — without a
/// server or a caller. For the fuzz target `fuzz/fuzz_targets/yente_match.rs`; an error is the
/// route's 400.
pub fn decode_match_query(
    body: &[u8],
) -> Result<Vec<(String, EntityExample, screening::Query)>, YenteError> {
    let request: EntityMatchQuery = serde_json::from_slice(body)
        .map_err(|e| YenteError::bad_request(format!("Invalid JSON: {e}")))?;
    if request.queries.len() > MAX_BATCH {
        return Err(YenteError::bad_request(format!(
            "Too many queries in one batch (limit: {MAX_BATCH})"
        )));
    }
    let mut examples = Vec::new();
    for (key, example) in &request.queries {
        let Some(example) = example else { continue };
        let (normalised, q) = understand(key, example)?;
        examples.push((key.clone(), normalised, q));
    }
    Ok(examples)
}

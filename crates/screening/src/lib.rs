//! The screening engine: names in any script against watchlist entities, fast and explainable.
//!
//! [`Index::build`] turns a list snapshot (entities from the `watchlist` crate) into an immutable
//! index named by the content hash of its entities; [`Index::search`] screens a [`Query`] and
//! returns [`Match`]es, each with an [`Explanation`] of which query name met which list name and
//! what every feature contributed; [`Index::lookup`] is the analyst's recall-oriented search
//! (everyone carrying a name, ranked, as [`Hit`]s). The crate is pure computation: no I/O, no
//! threads of its own (callers parallelise over queries; an `Index` is `Sync`).
//!
//! Modules: [`text`] (normalisation, tokens, skeletons), [`translit`] (scripts to Latin), `han`
//! (Korean and Japanese readings of Han characters),
//! `distance` (edit distance, Jaro-Winkler, Soundex), `index` (dictionary, postings, deletion
//! neighbourhoods, the recall bound), `lookup` (recall-oriented search), `score` (alignment,
//! features, explanations), `ofac` (the OFAC-compatible algorithm), `reverse` (which queries
//! an index can reach at all: a list change screened against a population in reverse),
//! `snapshot` (the content hash).

mod distance;
mod han;
mod index;
mod lookup;
mod ofac;
mod reverse;
mod score;
mod snapshot;
pub mod text;
pub mod translit;

pub use distance::{jaro_winkler, osa_bounded, soundex};
pub use index::{Index, TOKEN_FLOOR, normalize_id};
pub use lookup::Hit;
pub use reverse::{KEYS_VERSION, Key, keys_fingerprint, query_keys};
pub use score::{
    Algorithm, DEFAULT_THRESHOLD, Explanation, Feature, Match, OFAC_DEFAULT_THRESHOLD, PairKind,
    Params, Query, TokenPair,
};
pub use snapshot::content_hash;

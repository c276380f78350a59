//! Queries, scoring and explanations.
//!
//! ## The cortina score
//!
//! For each query name and each form of each candidate's strong names, tokens are aligned one to
//! one, greedily by similarity ([`crate::index::token_similarity`]). With `w` the tokens' weights
//! (rare tokens weigh more), the name score is
//!
//! ```text
//!             Σ_pairs s · (w_q + w_l)
//! S = ──────────────────────────────────────────────────────
//!      Σ_query w_q + Σ_matched list w_l + f · Σ_unmatched list w_l
//! ```
//!
//! (f = 0.6) a weighted Dice coefficient in which list tokens the query does not mention (a middle name the
//! applicant left out) cost 0.6 as much as query tokens the list does not have — unless the
//! query has unmatched tokens too (the names disagree), in which case they cost in full. `S` never
//! exceeds the best pair's `s`, which is what makes retrieval exact (see [`crate::index`]). Weak
//! aliases score 1 when the query's tokens equal theirs and are otherwise ignored.
//!
//! The entity's score is its best name's `S` plus the features: birth date (exact to the day
//! +0.05, month +0.03, year +0.02; close but different −0.03 to −0.05; different −0.20), country
//! (shared +0.02, disjoint −0.05), gender (male against female −0.15; "other" is neutral), and
//! identifier number (an exact match lifts the score to at least 0.99: it is decisive). Each
//! contribution is in the explanation.

use std::cell::RefCell;
use std::collections::HashMap;

use watchlist::{DatePrecision, Entity, Gender, NameKind, PartialDate, Schema};

use crate::distance::osa_bounded;
use crate::index::{Index, QueryForms, TOKEN_FLOOR, TokenId, cap_weight, normalize_id, sorted_key};
use crate::text::nickname_related;

/// The default match threshold of the cortina algorithm.
pub const DEFAULT_THRESHOLD: f32 = 0.80;
/// The default match threshold of the OFAC-compatible algorithm (OFAC's score 80).
pub const OFAC_DEFAULT_THRESHOLD: f32 = 0.80;
/// The largest amount features can add to a name score (birth date and country).
const MAX_BONUS: f32 = 0.07;
/// How much an unmatched list token counts against the score, relative to a query token.
const UNMATCHED_LIST_FACTOR: f32 = 0.6;
/// The similarity credited to a query initial and a list name that starts with it ("J." /
/// "Jose"): little evidence, and below the token floor, so it never makes a candidate by itself.
const INITIAL_SIMILARITY: f32 = 0.6;
/// The similarity credited to a shortened query name (not itself a known name) and a list name
/// it begins ("Moham" / "Mohammed"); below the token floor, like the initial.
const PREFIX_SIMILARITY: f32 = 0.7;

/// Which scoring algorithm to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Algorithm {
    /// cortina's own: transliteration, token alignment, features, explanations.
    #[default]
    Cortina,
    /// A reproduction of OFAC Sanctions List Search scoring (FAQ 249), on names only.
    Ofac,
}

impl Algorithm {
    /// Parses `cortina` (alias `best`) or `ofac`.
    pub fn parse(s: &str) -> Option<Algorithm> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cortina" | "best" | "default" => Some(Algorithm::Cortina),
            "ofac" => Some(Algorithm::Ofac),
            _ => None,
        }
    }

    /// The algorithm's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Cortina => "cortina",
            Algorithm::Ofac => "ofac",
        }
    }

    /// The algorithm's default match threshold.
    pub fn default_threshold(self) -> f32 {
        match self {
            Algorithm::Cortina => DEFAULT_THRESHOLD,
            Algorithm::Ofac => OFAC_DEFAULT_THRESHOLD,
        }
    }
}

/// What to look for.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Names of the person or thing (at least one).
    pub names: Vec<String>,
    /// The kind of thing, when known.
    pub schema: Option<Schema>,
    /// Birth dates, when known.
    pub birth_dates: Vec<PartialDate>,
    /// Countries (ISO alpha-2, lower case).
    pub countries: Vec<String>,
    /// Gender, when known.
    pub gender: Option<Gender>,
    /// Identifier numbers (passport, national id, registration...).
    pub id_numbers: Vec<String>,
}

impl Query {
    /// A query for one name.
    pub fn name(name: impl Into<String>) -> Query {
        Query {
            names: vec![name.into()],
            ..Query::default()
        }
    }
}

/// How to search.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// Scores at or above this are matches (`match: true`).
    pub threshold: f32,
    /// Results scoring below this are dropped.
    pub cutoff: f32,
    /// At most this many results.
    pub limit: usize,
    /// The scoring algorithm.
    pub algorithm: Algorithm,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            threshold: DEFAULT_THRESHOLD,
            cutoff: DEFAULT_THRESHOLD,
            limit: 10,
            algorithm: Algorithm::Cortina,
        }
    }
}

/// One result.
#[derive(Debug, Clone)]
pub struct Match<'a> {
    /// The listed entity.
    pub entity: &'a Entity,
    /// The score in 0..=1.
    pub score: f32,
    /// True when `score >= threshold`.
    pub is_match: bool,
    /// Why the score is what it is.
    pub explanation: Explanation,
}

/// How a query token met a list token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairKind {
    /// The same token after normalisation and transliteration.
    Exact,
    /// Within a few edits (typos, transliteration differences).
    Edit(u8),
    /// Same consonant skeleton (a spelling variant: Mohammed / Muhammad).
    Phonetic,
    /// A nickname and its formal name (Bob / Robert).
    Nickname,
    /// An initial or a shortened name and the name it begins (J. / Jose, Moham / Mohammed).
    Abbreviation,
    /// Jaro-Winkler similarity (OFAC algorithm).
    JaroWinkler,
    /// Same Soundex code (OFAC algorithm).
    Soundex,
}

impl PairKind {
    /// A short word for the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            PairKind::Exact => "exact",
            PairKind::Edit(_) => "edit",
            PairKind::Phonetic => "phonetic",
            PairKind::Nickname => "nickname",
            PairKind::Abbreviation => "abbreviation",
            PairKind::JaroWinkler => "jaro_winkler",
            PairKind::Soundex => "soundex",
        }
    }
}

/// A query token aligned with a list token.
#[derive(Debug, Clone)]
pub struct TokenPair {
    /// The query token (normalised).
    pub query: String,
    /// The list token (normalised).
    pub list: String,
    /// Their similarity in 0..=1.
    pub similarity: f32,
    /// How they matched.
    pub kind: PairKind,
}

/// One feature's contribution to the score.
#[derive(Debug, Clone)]
pub struct Feature {
    /// `birth_date`, `country`, `gender`, `identifier`, `weak_alias`.
    pub name: &'static str,
    /// What it added to (or took from) the score.
    pub delta: f32,
    /// In words: what was compared with what.
    pub detail: String,
}

/// Why a result scored what it did.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The algorithm that scored it.
    pub algorithm: Algorithm,
    /// The query name that met the list name.
    pub query_name: String,
    /// The list name it met, as published.
    pub list_name: String,
    /// The list name's kind.
    pub list_name_kind: NameKind,
    /// The name score before features.
    pub name_score: f32,
    /// Aligned tokens.
    pub pairs: Vec<TokenPair>,
    /// Query tokens with no partner.
    pub unmatched_query: Vec<String>,
    /// List tokens with no partner.
    pub unmatched_list: Vec<String>,
    /// Feature contributions.
    pub features: Vec<Feature>,
}

/// A query name prepared for matching: its forms and their tokens' similar dictionary tokens.
struct PreparedName {
    name: String,
    forms: Vec<PreparedForm>,
}

/// A query form's tokens, each token's similar dictionary tokens, and the other spellings of
/// the Korean syllables its tokens spell.
type FormSims = (Vec<String>, Vec<Vec<(TokenId, f32)>>, Alternates);

/// The other spellings of the Korean syllables a query form's tokens spell
/// ([`QueryForms::alternates`]).
struct Alternates {
    /// (token index, list token): paired with the token as the token itself.
    ids: Vec<(usize, TokenId)>,
    /// (token index, weight): the token weighs at most this.
    caps: Vec<(usize, f32)>,
}

/// A query name's forms and their tokens' similar dictionary tokens, before weighting.
struct NameSims {
    name: String,
    arabic: bool,
    forms: Vec<FormSims>,
    /// Forms from this one on are readings of Han characters in another language.
    readings_from: usize,
}

struct PreparedForm {
    tokens: Vec<String>,
    /// For each token: similar dictionary tokens with their similarity.
    sims: Vec<Vec<(TokenId, f32)>>,
    weights: Vec<f32>,
    total_weight: f32,
    /// For each token: the similarity it gets as an abbreviation of a list token (an initial,
    /// a shortened name), or 0 when it is no abbreviation.
    abbrev: Vec<f32>,
    /// The most the abbreviations can add to the numerator of the score: part of the bound.
    abbrev_bound: f32,
    /// A Korean or Japanese reading of a name written in Han characters: it counts only when
    /// it meets a list name whole (see [`Index::align`]).
    reading: bool,
}

/// The least similarity of each token pair in a match of a Korean or Japanese reading (see
/// [`Index::align`]).
const READING_PAIR_FLOOR: f32 = 0.85;

/// The similar tokens a reading's token may pair with (at least [`READING_PAIR_FLOOR`]).
fn reading_sims(sims: &[(TokenId, f32)]) -> Vec<(TokenId, f32)> {
    sims.iter()
        .copied()
        .filter(|&(_, s)| s >= READING_PAIR_FLOOR)
        .collect()
}

/// The alternates of form `fi` of `q`.
fn alternates_of(q: &QueryForms, fi: usize) -> Alternates {
    Alternates {
        ids: q
            .alternates
            .iter()
            .filter(|a| a.0 == fi)
            .map(|&(_, ti, id)| (ti, id))
            .collect(),
        caps: q
            .weight_caps
            .iter()
            .filter(|a| a.0 == fi)
            .map(|&(_, ti, w)| (ti, w))
            .collect(),
    }
}

/// The best alignment found for an entity.
#[derive(Clone)]
struct Best {
    score: f32,
    name: usize,
    form_q: usize,
    form: u32,
    weak: bool,
}

#[derive(Default)]
struct Scratch {
    acc: Vec<f32>,
    touched: Vec<u32>,
    best: HashMap<u32, Best>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Index {
    /// Screens one query. Results are sorted by score (highest first, then by id), have
    /// `score >= params.cutoff`, and number at most `params.limit`.
    pub fn search(&self, query: &Query, params: &Params) -> Vec<Match<'_>> {
        match params.algorithm {
            Algorithm::Cortina => self.search_cortina(query, params),
            Algorithm::Ofac => crate::ofac::search(self, query, params),
        }
    }

    /// Each name's forms with their tokens' similar dictionary tokens (the retrieval's part of
    /// preparing a query; the weights come in [`Index::finish`]).
    fn prepare_sims(&self, query: &Query) -> Vec<NameSims> {
        let mut out = Vec::with_capacity(query.names.len());
        for name in &query.names {
            let mut forms = Vec::new();
            let arabic = crate::translit::is_arabic_script(name);
            let mut q = self.query_forms(name);
            let readings_from = q.readings_from;
            for (fi, tokens) in std::mem::take(&mut q.forms).into_iter().enumerate() {
                let alts = alternates_of(&q, fi);
                let mut sims = Vec::with_capacity(tokens.len());
                for t in &tokens {
                    let prepared = self
                        .token_memo
                        .get(t, arabic, || self.prepare_token(t, arabic));
                    if fi >= readings_from {
                        // A reading pairs only with near-equal tokens (see `align`): the
                        // postings of the others need not be walked.
                        sims.push(reading_sims(&prepared.0));
                    } else {
                        sims.push(prepared.0.clone());
                    }
                }
                // A reading with a part that meets no list token meets no list name whole.
                if fi >= readings_from
                    && sims
                        .iter()
                        .enumerate()
                        .any(|(i, s)| s.is_empty() && !alts.ids.iter().any(|a| a.0 == i))
                {
                    continue;
                }
                forms.push((tokens, sims, alts));
            }
            out.push(NameSims {
                name: name.clone(),
                arabic,
                forms,
                readings_from,
            });
        }
        out
    }

    fn finish(&self, names: Vec<NameSims>) -> Vec<PreparedName> {
        names
            .into_iter()
            .map(|n| PreparedName {
                forms: n
                    .forms
                    .into_iter()
                    .enumerate()
                    .map(|(i, (tokens, sims, alts))| {
                        self.prepared_form(tokens, sims, &alts, n.arabic, i >= n.readings_from)
                    })
                    .collect(),
                name: n.name,
            })
            .collect()
    }

    /// Whether a query whose retrieval found `names` and asks for `ids` can reach any entity:
    /// through a similar token's postings, a weak alias's exact tokens, or an identifier.
    fn reaches_anything(&self, names: &[NameSims], ids: &[String]) -> bool {
        names.iter().any(|n| {
            n.forms.iter().any(|(tokens, sims, alts)| {
                !alts.ids.is_empty()
                    || sims.iter().flatten().any(|&(t, _)| self.in_strong(t))
                    || self.weak.contains_key(&sorted_key(tokens))
            })
        }) || ids.iter().any(|n| self.id_numbers.contains_key(n))
    }

    /// A query form with its tokens' similar dictionary tokens, weights and abbreviations.
    /// The other spellings of Korean syllables (`alts`) join the similar tokens after the
    /// weights are taken: a token weighs what its own spelling (or its most similar token)
    /// weighs, at most what the commonest spelling of its syllable in the dictionary weighs —
    /// the spellings are one name — so a part of a snapshot weighs it as the whole does; a
    /// syllable spelled with one letter weighs just that, not as an initial.
    fn prepared_form(
        &self,
        tokens: Vec<String>,
        mut sims: Vec<Vec<(TokenId, f32)>>,
        alts: &Alternates,
        arabic: bool,
        reading: bool,
    ) -> PreparedForm {
        let mut weights: Vec<f32> = tokens
            .iter()
            .zip(&sims)
            .map(|(t, s)| self.query_token_weight(t, s, arabic))
            .collect();
        let mut caps = vec![f32::INFINITY; tokens.len()];
        for &(i, cap) in &alts.caps {
            if let Some(c) = caps.get_mut(i) {
                *c = c.min(cap);
            }
        }
        // A syllable spelled with one letter (이 i, 우 u) is no initial: it weighs as its
        // syllable's spellings do, and abbreviates nothing.
        let syllable_letter = |i: usize| caps[i].is_finite() && tokens[i].len() == 1;
        for (i, w) in weights.iter_mut().enumerate() {
            if syllable_letter(i) {
                *w = caps[i];
            } else {
                *w = w.min(caps[i]);
            }
        }
        for &(i, id) in &alts.ids {
            let Some(s) = sims.get_mut(i) else { continue };
            match s.iter_mut().find(|e| e.0 == id) {
                Some(e) => e.1 = 1.0,
                None => s.push((id, 1.0)),
            }
        }
        let abbrev: Vec<f32> = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if syllable_letter(i) || !self.may_abbreviate(t) {
                    0.0
                } else if t.len() == 1 {
                    INITIAL_SIMILARITY
                } else {
                    PREFIX_SIMILARITY
                }
            })
            .collect();
        // A list token's weight is at most 1.
        let abbrev_bound = abbrev
            .iter()
            .zip(&weights)
            .map(|(s, w)| s * (w + 1.0))
            .sum();
        PreparedForm {
            total_weight: weights.iter().sum(),
            tokens,
            sims,
            weights,
            abbrev,
            abbrev_bound,
            reading,
        }
    }

    /// A query token's weight: its own when it is in the dictionary, else that of its most
    /// similar dictionary token (ties to the lower id), else 1 (an unknown token is rare);
    /// at most the cap of initials and particles. The dictionary is the whole snapshot's for a
    /// [subset](Index::subset), whose own similar tokens are only some of the whole's.
    fn query_token_weight(&self, token: &str, sims: &[(TokenId, f32)], arabic: bool) -> f32 {
        if let Some(whole) = &self.whole
            && !whole.token_ids.contains_key(token)
        {
            return self
                .token_memo
                .get(token, arabic, || self.prepare_token(token, arabic))
                .1
                .unwrap_or_else(|| whole.unknown_token_weight(token, arabic));
        }
        let dictionary = self.dictionary();
        let w = dictionary
            .token_ids
            .get(token)
            .map(|&id| dictionary.weights[id as usize])
            .or_else(|| {
                sims.iter()
                    .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
                    .map(|&(id, _)| self.weights[id as usize])
            })
            .unwrap_or(1.0);
        cap_weight(token, w)
    }

    /// A query token unknown to this index: the weight of its most similar token.
    fn unknown_token_weight(&self, token: &str, arabic: bool) -> f32 {
        let mut sims = Vec::new();
        self.similar_tokens(token, arabic, &mut sims);
        self.query_token_weight(token, &sims, arabic)
    }

    /// What a part remembers of a query token: its similar tokens here, and its weight from
    /// the whole when the whole does not know it.
    fn prepare_token(&self, token: &str, arabic: bool) -> (Vec<(TokenId, f32)>, Option<f32>) {
        let mut sims = Vec::new();
        self.similar_tokens(token, arabic, &mut sims);
        let weight = self
            .whole
            .as_ref()
            .filter(|w| !w.token_ids.contains_key(token))
            .map(|w| w.unknown_token_weight(token, arabic));
        (sims, weight)
    }

    fn search_cortina(&self, query: &Query, params: &Params) -> Vec<Match<'_>> {
        let query_ids: Vec<String> = query
            .id_numbers
            .iter()
            .map(|n| normalize_id(n))
            .filter(|n| n.len() >= 4)
            .collect();
        let sims = self.prepare_sims(query);
        // A part of a snapshot weighs query tokens with the whole's dictionary, which costs a
        // search of the whole for tokens it does not know: skipped when nothing in the part
        // can be reached anyway — the usual case when a population is searched against a
        // list change.
        if self.whole.is_some() && !self.reaches_anything(&sims, &query_ids) {
            return Vec::new();
        }
        let prepared = self.finish(sims);
        SCRATCH.with(|cell| {
            let mut scratch = cell.borrow_mut();
            let scratch = &mut *scratch;
            if scratch.acc.len() < self.forms.len() {
                scratch.acc.resize(self.forms.len(), 0.0);
            }
            scratch.best.clear();
            let prune_below = params.cutoff - MAX_BONUS;

            for (ni, name) in prepared.iter().enumerate() {
                for (fq, form) in name.forms.iter().enumerate() {
                    if form.reading {
                        self.search_reading(form, ni, fq, query.schema, &mut scratch.best);
                        continue;
                    }
                    // Upper bounds by accumulation over postings.
                    for (i, sims) in form.sims.iter().enumerate() {
                        let wq = form.weights[i];
                        for &(t, s) in sims {
                            let wt = self.weights[t as usize];
                            for &f in self.postings_of(t) {
                                let a = &mut scratch.acc[f as usize];
                                if *a == 0.0 {
                                    scratch.touched.push(f);
                                }
                                *a += s * (wq + wt);
                            }
                        }
                    }
                    for &f in &scratch.touched {
                        let acc = std::mem::replace(&mut scratch.acc[f as usize], 0.0);
                        let list_form = &self.forms[f as usize];
                        let bound = (acc + form.abbrev_bound)
                            / (form.total_weight + UNMATCHED_LIST_FACTOR * list_form.weight);
                        if bound.min(1.0) < prune_below
                            || !self.schema_ok(list_form.entity, query.schema)
                        {
                            continue;
                        }
                        let score = self.align(form, f).score;
                        consider(
                            &mut scratch.best,
                            list_form.entity,
                            Best {
                                score,
                                name: ni,
                                form_q: fq,
                                form: f,
                                weak: false,
                            },
                        );
                    }
                    scratch.touched.clear();
                    // Weak aliases: exact token equality only (never for readings).
                    if let Some(weak) = self.weak.get(&sorted_key(&form.tokens)) {
                        for &f in weak {
                            let list_form = &self.forms[f as usize];
                            if self.weak_equal(form, f)
                                && self.schema_ok(list_form.entity, query.schema)
                            {
                                consider(
                                    &mut scratch.best,
                                    list_form.entity,
                                    Best {
                                        score: 1.0,
                                        name: ni,
                                        form_q: fq,
                                        form: f,
                                        weak: true,
                                    },
                                );
                            }
                        }
                    }
                }
            }
            // Entities reached through an identifier number are always considered.
            for n in &query_ids {
                if let Some(es) = self.id_numbers.get(n) {
                    for &e in es {
                        if self.schema_ok(e, query.schema) && !scratch.best.contains_key(&e) {
                            let best = self.best_form_of(&prepared, e);
                            scratch.best.insert(e, best);
                        }
                    }
                }
            }

            let mut results: Vec<(f32, u32, Best, Vec<Feature>)> = Vec::new();
            for (&e, best) in &scratch.best {
                let features = self.features(query, &query_ids, e, best.weak);
                let delta: f32 = features.iter().map(|f| f.delta).sum();
                let mut score = (best.score + delta).clamp(0.0, 1.0);
                if features.iter().any(|f| f.name == "identifier") {
                    score = score.max(0.99);
                }
                if score >= params.cutoff {
                    results.push((score, e, best.clone(), features));
                }
            }
            results.sort_by(|a, b| {
                b.0.total_cmp(&a.0).then_with(|| {
                    self.entities[a.1 as usize]
                        .id
                        .cmp(&self.entities[b.1 as usize].id)
                })
            });
            results.truncate(params.limit);
            results
                .into_iter()
                .map(|(score, e, best, features)| {
                    let explanation = self.explain(&prepared, &best, features);
                    Match {
                        entity: &self.entities[e as usize],
                        score,
                        is_match: score >= params.threshold,
                        explanation,
                    }
                })
                .collect()
        })
    }

    /// The candidates of a reading (see [`Index::align`]): it must meet a list name whole, so
    /// only the list names of as many parts that carry its rarest part (one of that part's
    /// near-equal tokens) are aligned — no accumulation over every part's postings.
    fn search_reading(
        &self,
        form: &PreparedForm,
        ni: usize,
        fq: usize,
        schema: Option<Schema>,
        best: &mut HashMap<u32, Best>,
    ) {
        let postings = |sims: &Vec<(TokenId, f32)>| -> usize {
            sims.iter().map(|&(t, _)| self.postings_of(t).len()).sum()
        };
        let Some(rarest) = form.sims.iter().min_by_key(|s| postings(s)) else {
            return;
        };
        for &(t, _) in rarest {
            for &f in self.postings_of(t) {
                let list_form = &self.forms[f as usize];
                if list_form.tokens.len() != form.tokens.len()
                    || !self.schema_ok(list_form.entity, schema)
                {
                    continue;
                }
                let score = self.align(form, f).score;
                if score > 0.0 {
                    consider(
                        best,
                        list_form.entity,
                        Best {
                            score,
                            name: ni,
                            form_q: fq,
                            form: f,
                            weak: false,
                        },
                    );
                }
            }
        }
    }

    fn weak_equal(&self, form: &PreparedForm, f: u32) -> bool {
        let mut a: Vec<&str> = form.tokens.iter().map(String::as_str).collect();
        let mut b: Vec<&str> = self.forms[f as usize]
            .tokens
            .iter()
            .map(|&t| &*self.tokens[t as usize])
            .collect();
        a.sort_unstable();
        b.sort_unstable();
        a == b
    }

    /// The best form of entity `e` for the prepared query (used for entities found by id).
    fn best_form_of(&self, prepared: &[PreparedName], e: u32) -> Best {
        let mut best = Best {
            score: 0.0,
            name: 0,
            form_q: 0,
            form: u32::MAX,
            weak: false,
        };
        for (fi, form) in self.forms.iter().enumerate() {
            if form.entity != e || form.kind == NameKind::Weak {
                continue;
            }
            if best.form == u32::MAX {
                best.form = fi as u32;
            }
            for (ni, name) in prepared.iter().enumerate() {
                for (fq, qf) in name.forms.iter().enumerate() {
                    let s = self.align(qf, fi as u32).score;
                    if s > best.score {
                        best = Best {
                            score: s,
                            name: ni,
                            form_q: fq,
                            form: fi as u32,
                            weak: false,
                        };
                    }
                }
            }
        }
        best
    }

    /// Aligns a prepared query form with list form `f`.
    fn align(&self, qf: &PreparedForm, f: u32) -> Alignment {
        let list = &self.forms[f as usize];
        let mut pairs: Vec<(f32, usize, usize)> = Vec::with_capacity(8);
        for (i, sims) in qf.sims.iter().enumerate() {
            for &(t, s) in sims {
                for (j, &lt) in list.tokens.iter().enumerate() {
                    if lt == t {
                        pairs.push((s, i, j));
                    }
                }
            }
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut used_q = 0u64;
        let mut used_l = 0u64;
        let mut chosen = Vec::with_capacity(qf.tokens.len());
        let mut num = 0.0f32;
        let mut matched_lw = 0.0f32;
        for (s, i, j) in pairs {
            if i >= 64 || j >= 64 || used_q & (1 << i) != 0 || used_l & (1 << j) != 0 {
                continue;
            }
            used_q |= 1 << i;
            used_l |= 1 << j;
            let wl = self.weights[list.tokens[j] as usize];
            num += s * (qf.weights[i] + wl);
            matched_lw += wl;
            chosen.push((i, j, s));
        }
        // Initials and shortened names left over meet the first free list token they begin.
        if chosen.len() < qf.tokens.len() {
            for (i, &s) in qf.abbrev.iter().enumerate() {
                if s == 0.0 || i >= 64 || used_q & (1 << i) != 0 {
                    continue;
                }
                let q = qf.tokens[i].as_bytes();
                let found = list.tokens.iter().enumerate().find(|&(j, &lt)| {
                    let l = self.tokens[lt as usize].as_bytes();
                    j < 64 && used_l & (1 << j) == 0 && l.len() > q.len() && l.starts_with(q)
                });
                if let Some((j, &lt)) = found {
                    used_q |= 1 << i;
                    used_l |= 1 << j;
                    let wl = self.weights[lt as usize];
                    num += s * (qf.weights[i] + wl);
                    matched_lw += wl;
                    chosen.push((i, j, s));
                }
            }
        }
        // A reading in another language says less than a spelling: it must meet the list name
        // whole (no part left over on either side), each part the same or nearly (romanisation
        // variants are spelled out by the readings themselves), or it says nothing. Short
        // syllables one letter apart (jong / hong) are different names.
        if qf.reading
            && (chosen.len() < qf.tokens.len()
                || chosen.len() < list.tokens.len()
                || chosen.iter().any(|&(_, _, s)| s < READING_PAIR_FLOOR))
        {
            return Alignment {
                score: 0.0,
                pairs: Vec::new(),
            };
        }
        let unmatched_lw = (list.weight - matched_lw).max(0.0);
        // A list token the query leaves out (a middle name the applicant omitted) costs half;
        // but when the query also has a token of its own, the two names disagree, and it costs
        // in full.
        let factor = if chosen.len() < qf.tokens.len() {
            1.0
        } else {
            UNMATCHED_LIST_FACTOR
        };
        let den = qf.total_weight + matched_lw + factor * unmatched_lw;
        let score = if den > 0.0 { (num / den).min(1.0) } else { 0.0 };
        Alignment {
            score,
            pairs: chosen,
        }
    }

    fn features(&self, query: &Query, query_ids: &[String], e: u32, weak: bool) -> Vec<Feature> {
        let facts = &self.facts[e as usize];
        let mut out = Vec::new();
        if weak {
            out.push(Feature {
                name: "weak_alias",
                delta: 0.0,
                detail: "the query equals a weak alias; weak aliases match only exactly".into(),
            });
        }
        if let Some(f) = birth_date_feature(&query.birth_dates, &facts.birth_dates) {
            out.push(f);
        }
        if !query.countries.is_empty() && !facts.countries.is_empty() {
            let shared: Vec<&String> = query
                .countries
                .iter()
                .filter(|c| facts.countries.contains(c))
                .collect();
            out.push(if shared.is_empty() {
                Feature {
                    name: "country",
                    delta: -0.05,
                    detail: format!(
                        "query {} vs list {}",
                        query.countries.join(","),
                        facts.countries.join(",")
                    ),
                }
            } else {
                Feature {
                    name: "country",
                    delta: 0.02,
                    detail: format!("shared {}", shared[0]),
                }
            });
        }
        // "Other" says nothing about male or female: only a stated male against a stated
        // female (or the reverse) is evidence of a different person.
        if let (Some(q), Some(l)) = (query.gender, facts.gender)
            && q != l
            && q != Gender::Other
            && l != Gender::Other
        {
            out.push(Feature {
                name: "gender",
                delta: -0.15,
                detail: format!("query {} vs list {}", q.as_str(), l.as_str()),
            });
        }
        if let Some(n) = query_ids.iter().find(|n| facts.identifiers.contains(n)) {
            out.push(Feature {
                name: "identifier",
                delta: 0.0,
                detail: format!("identifier number {n} matches exactly (decisive)"),
            });
        }
        out
    }

    fn explain(
        &self,
        prepared: &[PreparedName],
        best: &Best,
        mut features: Vec<Feature>,
    ) -> Explanation {
        let list_form = self.forms.get(best.form as usize);
        let entity = list_form.map(|f| &self.entities[f.entity as usize]);
        let list_name = match (list_form, entity) {
            (Some(f), Some(e)) => e.names.get(f.name as usize).cloned(),
            _ => None,
        };
        let qname = prepared.get(best.name);
        let qform = qname.and_then(|n| n.forms.get(best.form_q));
        let mut pairs = Vec::new();
        let mut unmatched_query = Vec::new();
        let mut unmatched_list = Vec::new();
        if let (Some(qf), Some(lf)) = (qform, list_form) {
            let alignment = if best.weak {
                Alignment {
                    score: 1.0,
                    pairs: exact_pairs(qf, lf, self),
                }
            } else {
                self.align(qf, best.form)
            };
            for &(i, j, s) in &alignment.pairs {
                let q = qf.tokens[i].clone();
                let l = self.tokens[lf.tokens[j] as usize].to_string();
                let kind = if q == l {
                    PairKind::Exact
                } else if s < TOKEN_FLOOR {
                    PairKind::Abbreviation
                } else if nickname_related(&q, &l) && s <= crate::index::NICKNAME_SIMILARITY {
                    PairKind::Nickname
                } else if let Some(d) =
                    osa_bounded(q.as_bytes(), l.as_bytes(), q.len().max(l.len()) / 4)
                        .filter(|&d| 1.0 - d as f32 / q.len().max(l.len()) as f32 >= s - 1e-6)
                {
                    PairKind::Edit(d as u8)
                } else {
                    PairKind::Phonetic
                };
                pairs.push(TokenPair {
                    query: q,
                    list: l,
                    similarity: s,
                    kind,
                });
            }
            for (i, t) in qf.tokens.iter().enumerate() {
                if !alignment.pairs.iter().any(|p| p.0 == i) {
                    unmatched_query.push(t.clone());
                }
            }
            for (j, &t) in lf.tokens.iter().enumerate() {
                if !alignment.pairs.iter().any(|p| p.1 == j) {
                    unmatched_list.push(self.tokens[t as usize].to_string());
                }
            }
        }
        // The identifier feature is decisive: show how much it lifted the score.
        let name_score = best.score;
        let others: f32 = features
            .iter()
            .filter(|f| f.name != "identifier")
            .map(|f| f.delta)
            .sum();
        if let Some(f) = features.iter_mut().find(|f| f.name == "identifier") {
            f.delta = (0.99 - (name_score + others)).max(0.0);
        }
        Explanation {
            algorithm: Algorithm::Cortina,
            query_name: qname.map(|n| n.name.clone()).unwrap_or_default(),
            list_name: list_name
                .as_ref()
                .map(|n| n.full.clone())
                .unwrap_or_default(),
            list_name_kind: list_name.map_or(NameKind::Primary, |n| n.kind),
            name_score,
            pairs,
            unmatched_query,
            unmatched_list,
            features,
        }
    }
}

fn exact_pairs(
    qf: &PreparedForm,
    lf: &crate::index::Form,
    index: &Index,
) -> Vec<(usize, usize, f32)> {
    let mut used = vec![false; lf.tokens.len()];
    let mut out = Vec::new();
    for (i, q) in qf.tokens.iter().enumerate() {
        if let Some(j) = (0..lf.tokens.len())
            .find(|&j| !used[j] && &*index.tokens[lf.tokens[j] as usize] == q.as_str())
        {
            used[j] = true;
            out.push((i, j, 1.0));
        }
    }
    out
}

struct Alignment {
    score: f32,
    pairs: Vec<(usize, usize, f32)>,
}

fn consider(best: &mut HashMap<u32, Best>, e: u32, candidate: Best) {
    match best.get_mut(&e) {
        Some(b) if b.score >= candidate.score => {}
        Some(b) => *b = candidate,
        None => {
            best.insert(e, candidate);
        }
    }
}

/// Compares query birth dates with list birth dates; the best-agreeing pair decides.
fn birth_date_feature(query: &[PartialDate], list: &[(PartialDate, bool)]) -> Option<Feature> {
    let mut best: Option<Feature> = None;
    for q in query {
        for &(l, approximate) in list {
            let f = compare_dates(*q, l, approximate);
            if best.as_ref().is_none_or(|b| f.delta > b.delta) {
                best = Some(f);
            }
        }
    }
    best
}

fn compare_dates(q: PartialDate, l: PartialDate, approximate: bool) -> Feature {
    let detail = |what: &str| {
        format!(
            "query {q} vs list {l}{}: {what}",
            if approximate { " (approx.)" } else { "" }
        )
    };
    let year_gap = q.year.abs_diff(l.year);
    if approximate {
        return if year_gap <= 2 {
            Feature {
                name: "birth_date",
                delta: 0.02,
                detail: detail("within the approximate range"),
            }
        } else {
            Feature {
                name: "birth_date",
                delta: -0.20,
                detail: detail("different"),
            }
        };
    }
    let precision = q.precision().min(l.precision());
    let same = match precision {
        DatePrecision::Year => year_gap == 0,
        DatePrecision::Month => year_gap == 0 && q.month == l.month,
        DatePrecision::Day => q == l,
    };
    if same {
        let delta = match precision {
            DatePrecision::Day => 0.05,
            DatePrecision::Month => 0.03,
            DatePrecision::Year => 0.02,
        };
        return Feature {
            name: "birth_date",
            delta,
            detail: detail("same"),
        };
    }
    let swapped =
        precision == DatePrecision::Day && year_gap == 0 && q.month == l.day && q.day == l.month;
    if swapped || (year_gap == 0) {
        return Feature {
            name: "birth_date",
            delta: -0.03,
            detail: detail("same year, close"),
        };
    }
    if year_gap == 1 {
        return Feature {
            name: "birth_date",
            delta: -0.05,
            detail: detail("one year apart"),
        };
    }
    Feature {
        name: "birth_date",
        delta: -0.20,
        detail: detail("different"),
    }
}

impl Index {
    /// The best name score of every entity, computed by brute force: every query token against
    /// every dictionary token, every form aligned. Slow; it exists so that tests can check that
    /// retrieval loses nothing. Not part of the stable API.
    #[doc(hidden)]
    pub fn brute_force_name_scores_for_tests(&self, query: &Query) -> HashMap<u32, f32> {
        use crate::index::{hash_bytes, token_similarity};
        use crate::text::skeleton;
        let mut out: HashMap<u32, f32> = HashMap::new();
        for name in &query.names {
            let arabic = crate::translit::is_arabic_script(name);
            let mut q = self.query_forms(name);
            let readings_from = q.readings_from;
            for (fi, tokens) in std::mem::take(&mut q.forms).into_iter().enumerate() {
                let mut sims = Vec::new();
                for t in &tokens {
                    let sk = skeleton(t);
                    let skh = hash_bytes(sk.as_bytes());
                    let ak = crate::text::abjad_key(t);
                    let akh = hash_bytes(ak.as_bytes());
                    let mut v = Vec::new();
                    for (id, token) in self.tokens.iter().enumerate() {
                        // Tokens only weak aliases use are not in the fuzzy index.
                        if self.postings_of(id as TokenId).is_empty() {
                            continue;
                        }
                        let (h, len) = self.token_skeletons[id];
                        let same = if h == skh && usize::from(len) == sk.len() {
                            sk.len()
                        } else {
                            0
                        };
                        let (h, len) = self.token_abjad[id];
                        let same_abjad = if ak.len() >= 2
                            && (arabic || self.from_arabic[id])
                            && h == akh
                            && usize::from(len) == ak.len()
                        {
                            ak.len()
                        } else {
                            0
                        };
                        let s =
                            token_similarity(t, token, same, same_abjad, crate::text::nicknames(t));
                        if s > 0.0 {
                            v.push((id as TokenId, s));
                        }
                    }
                    sims.push(if fi >= readings_from {
                        reading_sims(&v)
                    } else {
                        v
                    });
                }
                let alts = alternates_of(&q, fi);
                let form = self.prepared_form(tokens, sims, &alts, arabic, fi >= readings_from);
                for (f, list_form) in self.forms.iter().enumerate() {
                    if list_form.kind == NameKind::Weak {
                        continue;
                    }
                    let s = self.align(&form, f as u32).score;
                    let e = out.entry(list_form.entity).or_insert(0.0);
                    *e = e.max(s);
                }
            }
        }
        out
    }
}

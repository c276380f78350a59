//! The immutable index over a list snapshot, and candidate retrieval.
//!
//! Every strong name of every entity is turned into one or more *forms* (token lists, see
//! [`crate::text::name_forms`]). Distinct tokens form the dictionary; each dictionary token has a
//! weight (inverse document frequency over forms), a posting list of the forms it occurs in, its
//! deletion neighbourhood (all strings reachable by deleting up to ⌊len/3⌋ bytes, hashed) and its
//! skeleton. Weak aliases are kept apart in an exact-match table keyed by their sorted tokens.
//!
//! ## The recall bound
//!
//! The token similarity the scorer uses is `s(q, t) = max(e, p)` where `e = 1 − osa(q, t) /
//! max(|q|, |t|)` (optimal string alignment distance) and `p = κ(|skeleton|)` when the skeletons are
//! equal and at least two bytes long; a pair whose `s` is below [`TOKEN_FLOOR`] (0.75) counts as 0.
//! If `e ≥ 0.75` then `d = osa(q, t) ≤ max(|q|,|t|)/4 ≤ (min(|q|,|t|) + d)/4`, so `d ≤ |q|/3` and
//! `d ≤ |t|/3`: both strings reach a common string by at most `d` deletions each, and the deletion
//! neighbourhoods of radius ⌊len/3⌋ on both sides find the pair. Equal skeletons are found by the
//! //! skeleton table. The radius is capped at 3 deletions, which loses nothing while both tokens are
//! at most 15 bytes long (then `d ≤ 15/4 < 4`); only pairs of 16 bytes or more that differ by 4 or
//! more edits can be missed. So retrieval finds **every** token pair with `s ≥ 0.75` among tokens
//! of up to 15 bytes.
//!
//! The name score is a weighted mean of the aligned pairs' `s` (see [`crate::score`]), so it never
//! exceeds the largest `s` of any pair: a form with name score `≥ 0.75` shares at least one token
//! pair with `s ≥ 0.75` with the query and is therefore among the candidates. No result the name
//! score puts at or above 0.75 — below every threshold the engine accepts for this guarantee —
//! is lost. `tests::retrieval_is_exact` checks this against a brute-force scan.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;

use foldhash::fast::FixedState;
use unicode_normalization::UnicodeNormalization;
use watchlist::{Entity, Gender, NameKind, PartialDate, Schema};

use crate::distance::osa_bounded;
use crate::han::{Kana, kana_key};
use crate::text::{
    abjad_key, is_particle, korean_reading_forms, name_forms, nickname_ambiguity, nicknames,
    skeleton,
};
use crate::translit::{SyllableSpellings, has_hangul, korean_spellings};

/// Token pairs less similar than this count as not matching at all.
pub const TOKEN_FLOOR: f32 = 0.75;

/// The similarity of a given name and its nickname (robert / bob) when the nickname stands for
/// at most two formal names: strong evidence, less than the same name.
pub(crate) const NICKNAME_SIMILARITY: f32 = 0.85;
/// The similarity of a name and a nickname that stands for three formal names or more (al, ron,
/// tina): weak evidence, just above the token floor.
pub(crate) const AMBIGUOUS_NICKNAME_SIMILARITY: f32 = 0.78;

/// The largest weight of a name particle (al, bin, de, van...): it says little about who is
/// meant, however rare it is in the lists.
pub(crate) const PARTICLE_WEIGHT: f32 = 0.3;

/// The largest weight of a single letter (an initial): it says little.
pub(crate) const INITIAL_WEIGHT: f32 = 0.2;

/// Caps the weight of tokens that say little whatever their frequency (see above).
pub(crate) fn cap_weight(token: &str, w: f32) -> f32 {
    if token.len() == 1 {
        w.min(INITIAL_WEIGHT)
    } else if is_particle(token) {
        w.min(PARTICLE_WEIGHT)
    } else {
        w
    }
}

/// A dictionary token's id.
pub(crate) type TokenId = u32;

/// One comparable form of one name of one entity.
#[derive(Debug, Clone)]
pub(crate) struct Form {
    /// Index of the entity in [`Index::entities`].
    pub entity: u32,
    /// Index of the name in the entity's `names`.
    pub name: u32,
    /// The name's kind.
    pub kind: NameKind,
    /// The form's tokens.
    pub tokens: Box<[TokenId]>,
    /// Sum of the tokens' weights.
    pub weight: f32,
}

/// Per-entity facts used by the feature scorers, normalised once at build time.
#[derive(Debug, Clone, Default)]
pub(crate) struct Facts {
    pub birth_dates: Vec<(PartialDate, bool)>,
    pub countries: Vec<String>,
    pub gender: Option<Gender>,
    pub identifiers: Vec<String>,
}

/// An immutable, searchable snapshot of a set of lists.
pub struct Index {
    pub(crate) entities: Vec<Entity>,
    pub(crate) facts: Vec<Facts>,
    pub(crate) hash: String,
    pub(crate) tokens: Vec<Box<str>>,
    pub(crate) token_ids: HashMap<Box<str>, TokenId, FixedState>,
    pub(crate) weights: Vec<f32>,
    /// Each token's skeleton: its hash and length.
    pub(crate) token_skeletons: Vec<(u64, u8)>,
    pub(crate) forms: Vec<Form>,
    /// Postings: `postings[post_start[t]..post_start[t+1]]` are the forms containing token `t`.
    pub(crate) post_start: Vec<u32>,
    pub(crate) postings: Vec<u32>,
    /// Deletion neighbourhoods: variant hash → range in `del_tokens`.
    pub(crate) deletions: HashMap<u64, (u32, u32), FixedState>,
    pub(crate) del_tokens: Vec<TokenId>,
    /// Skeleton hash → tokens with that skeleton.
    pub(crate) skeletons: HashMap<u64, Vec<TokenId>, FixedState>,
    /// Each token's abjad key ([`abjad_key`]): its hash and length.
    pub(crate) token_abjad: Vec<(u64, u8)>,
    /// Abjad key hash → tokens of strong forms with that key (for queries in Arabic script).
    pub(crate) abjad: HashMap<u64, Vec<TokenId>, FixedState>,
    /// The same for the tokens read from names written in Arabic script only (for Latin
    /// queries: the list side is the abjad one).
    pub(crate) abjad_read: HashMap<u64, Vec<TokenId>, FixedState>,
    /// Per token: read from a name written in Arabic script.
    pub(crate) from_arabic: Vec<bool>,
    /// Weak aliases: hash of the sorted tokens → forms.
    pub(crate) weak: HashMap<u64, Vec<u32>, FixedState>,
    /// Normalised identifier number → entities.
    pub(crate) id_numbers: HashMap<String, Vec<u32>, FixedState>,
    /// Hashes of the proper prefixes (3 bytes or more) of the tokens strong forms use: a query
    /// token found here but not in the dictionary may be a shortened name.
    pub(crate) prefixes: HashMap<u64, (), FixedState>,
    /// Names prepared for the OFAC algorithm, built on first use.
    pub(crate) ofac_names: crate::ofac::OfacNames,
    /// The strong tokens by their [`kana_key`], for Japanese readings of Han queries; built on
    /// the first such query.
    pub(crate) kana: OnceLock<KanaKeys>,
    /// For an index over part of a snapshot ([`Index::subset`]): the whole snapshot's index,
    /// whose dictionary weighs query tokens and tells which may be abbreviations, so that a
    /// score against the part is the score against the whole.
    pub(crate) whole: Option<std::sync::Arc<Index>>,
    /// What preparing a query token costs, remembered per token: its similar tokens here
    /// (and, for a part, its weight from the whole when the whole does not know it). A
    /// population screened at intake, or searched against a list change, repeats its given
    /// names and surnames over and over; this makes each distinct token cost one search of
    /// the dictionary, not one per person (finding a token's similar tokens was two thirds of
    /// an applicant's screening). Bounded ([`TokenMemo`]); the answers are the same with or
    /// without it.
    pub(crate) token_memo: TokenMemo,
}

/// The dictionary's strong tokens of Latin letters by their [`kana_key`] (the first token of
/// each key), and the hashes of every prefix of those keys: what the Japanese readings of a Han
/// query are looked up in ([`Index::japanese_forms`]).
pub(crate) struct KanaKeys {
    keys: HashMap<Box<str>, TokenId, FixedState>,
    prefixes: std::collections::HashSet<u64, FixedState>,
}

/// Most Japanese readings kept per word, and per name.
const MAX_JAPANESE: usize = 8;

/// Per query token and script: the similar tokens in a part, and the whole's weight.
type Prepared = (Vec<(TokenId, f32)>, Option<f32>);

/// A bounded, sharded, thread-safe memo of prepared query tokens ([`Index::token_memo`]),
/// looked up without allocating: by the hash of the token and script, the token compared.
pub(crate) struct TokenMemo {
    shards: Vec<std::sync::Mutex<MemoShard>>,
}

type MemoShard = HashMap<u64, Vec<(Box<str>, bool, std::sync::Arc<Prepared>)>, FixedState>;

impl TokenMemo {
    const SHARDS: usize = 16;
    /// Tokens kept per shard (about a million in all): beyond, tokens are prepared each time.
    const PER_SHARD: usize = 1 << 16;

    fn new() -> TokenMemo {
        TokenMemo {
            shards: (0..Self::SHARDS)
                .map(|_| std::sync::Mutex::new(HashMap::with_hasher(hasher())))
                .collect(),
        }
    }

    /// The prepared token, computed by `make` the first time.
    pub(crate) fn get(
        &self,
        token: &str,
        arabic: bool,
        make: impl FnOnce() -> Prepared,
    ) -> std::sync::Arc<Prepared> {
        let h = hash_bytes(token.as_bytes()) ^ u64::from(arabic);
        let shard = &self.shards[(h as usize) % Self::SHARDS];
        let find = |map: &MemoShard| {
            map.get(&h).and_then(|v| {
                v.iter()
                    .find(|(t, a, _)| &**t == token && *a == arabic)
                    .map(|(_, _, p)| p.clone())
            })
        };
        if let Some(found) = find(&shard.lock().unwrap_or_else(|p| p.into_inner())) {
            return found;
        }
        let made = std::sync::Arc::new(make());
        let mut map = shard.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() < Self::PER_SHARD && find(&map).is_none() {
            map.entry(h)
                .or_default()
                .push((token.into(), arabic, made.clone()));
        }
        made
    }
}

pub(crate) fn hasher() -> FixedState {
    FixedState::with_seed(0x0063_6f72_7469_6e61)
}

pub(crate) fn hash_bytes(b: &[u8]) -> u64 {
    let mut h = hasher().build_hasher();
    h.write(b);
    h.finish()
}

/// Hash of a form's tokens, order-insensitive (for exact matching of weak aliases).
pub(crate) fn sorted_key<S: AsRef<str>>(tokens: &[S]) -> u64 {
    let mut sorted: Vec<&str> = tokens.iter().map(AsRef::as_ref).collect();
    sorted.sort_unstable();
    hash_bytes(sorted.join(" ").as_bytes())
}

/// The largest number of deletions generated for a token of `len` bytes (see the recall bound).
pub(crate) fn max_deletions(len: usize) -> usize {
    (len / 3).min(3)
}

/// Calls `f` with the hash of every distinct string reachable from `token` by deleting up to
/// `max_deletions(len)` bytes (the token itself included).
pub(crate) fn for_each_deletion(token: &[u8], mut f: impl FnMut(u64)) {
    let k = max_deletions(token.len());
    let mut seen: Vec<u64> = Vec::with_capacity(64);
    let mut buf = token.to_vec();
    fn rec(buf: &mut Vec<u8>, start: usize, left: usize, seen: &mut Vec<u64>) {
        seen.push(hash_bytes(buf));
        if left == 0 {
            return;
        }
        for i in start..buf.len() {
            // Skip deleting the second of two equal bytes: it gives the same string.
            if i > start && buf[i] == buf[i - 1] {
                continue;
            }
            let c = buf.remove(i);
            rec(buf, i, left - 1, seen);
            buf.insert(i, c);
        }
    }
    rec(&mut buf, 0, k, &mut seen);
    seen.sort_unstable();
    seen.dedup();
    for h in seen {
        f(h);
    }
}

/// κ: the similarity credited to two different tokens with the same skeleton of `len` bytes.
pub(crate) fn skeleton_credit(len: usize) -> f32 {
    match len {
        0 | 1 => 0.0,
        2 => 0.8,
        3 => 0.82,
        4 => 0.85,
        _ => 0.9,
    }
}

/// κₐ: the similarity credited to a token read from Arabic script and a dictionary token with
/// the same abjad key of `len` bytes ([`abjad_key`]). The key is all that the script says for
/// certain, so an equal key is strong evidence once it has three letters or more; shorter keys
/// (Ali / Ola) say less. A little above [`skeleton_credit`]: the key's letter classes are the
/// ones Arabic script really confuses, where the skeleton's are English spelling's.
pub(crate) fn abjad_credit(len: usize) -> f32 {
    match len {
        0 | 1 => 0.0,
        2 => 0.8,
        3 => 0.85,
        4 => 0.88,
        _ => 0.9,
    }
}

/// The similarity of a query token and a dictionary token, or 0 below [`TOKEN_FLOOR`];
/// `same_skeleton` is the length of their common skeleton, or 0 when the skeletons differ;
/// `same_abjad` is the length of their common abjad key when the query was written in Arabic
/// script, else 0. `q_nicknames` is [`nicknames`]`(q)`, looked up once per query token by the
/// caller.
pub(crate) fn token_similarity(
    q: &str,
    t: &str,
    same_skeleton: usize,
    same_abjad: usize,
    q_nicknames: &[&str],
) -> f32 {
    if q == t {
        return 1.0;
    }
    let longest = q.len().max(t.len());
    let max_d = longest / 4;
    let edit = match osa_bounded(q.as_bytes(), t.as_bytes(), max_d) {
        Some(d) => 1.0 - d as f32 / longest as f32,
        None => 0.0,
    };
    // Equal skeletons credit a spelling variant only when the tokens are also alike letter by
    // letter (Mohammed / Muhammad), or when one of them has no vowels to compare (a
    // transliteration from Arabic or Hebrew script: mhmd, hsn, msh).
    let abjad = vowelless(q) || vowelless(t);
    // Doubled letters are a spelling choice (Hassan / Hasan; Arabic script leaves the doubling
    // unwritten): the letter-by-letter check compares the tokens with doubles collapsed.
    let plausible = same_skeleton > 0
        && (abjad
            || (same_skeleton >= 3
                && osa_bounded(&undouble(q), &undouble(t), longest * 2 / 5).is_some()));
    let phon = if plausible {
        skeleton_credit(same_skeleton)
    } else {
        0.0
    };
    let mut s = edit.max(phon).max(abjad_credit(same_abjad));
    if s < NICKNAME_SIMILARITY && q_nicknames.contains(&t) {
        s = match nickname_ambiguity(q, t) {
            0 => s,
            1 | 2 => NICKNAME_SIMILARITY,
            _ => s.max(AMBIGUOUS_NICKNAME_SIMILARITY),
        };
    }
    if s >= TOKEN_FLOOR { s } else { 0.0 }
}

/// The token with each run of a repeated letter written once.
fn undouble(t: &str) -> Vec<u8> {
    let mut out: Vec<u8> = t.bytes().collect();
    out.dedup();
    out
}

/// True when a token has no vowels after its first letter (abjad transliterations: mhmd, hsn).
fn vowelless(t: &str) -> bool {
    !t.bytes()
        .skip(1)
        .any(|b| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u'))
}

/// Normalises an identifier number for comparison: ASCII letters and digits, upper case.
pub fn normalize_id(number: &str) -> String {
    number
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

impl Index {
    /// Builds the index over `entities`. The snapshot hash is computed from their content, so
    /// the same entities (in any order) always give the same hash.
    pub fn build(mut entities: Vec<Entity>) -> Index {
        entities.sort_by(|a, b| a.id.cmp(&b.id));
        entities.dedup_by(|a, b| a.id == b.id);
        let hash = crate::snapshot::content_hash(&entities);

        let mut token_ids: HashMap<Box<str>, TokenId, FixedState> = HashMap::with_hasher(hasher());
        let mut tokens: Vec<Box<str>> = Vec::new();
        let mut forms: Vec<Form> = Vec::new();
        let mut weak: HashMap<u64, Vec<u32>, FixedState> = HashMap::with_hasher(hasher());
        let mut facts = Vec::with_capacity(entities.len());
        let mut id_numbers: HashMap<String, Vec<u32>, FixedState> = HashMap::with_hasher(hasher());
        let mut from_arabic: Vec<bool> = Vec::new();

        for (ei, entity) in entities.iter().enumerate() {
            let ei = ei as u32;
            for (ni, name) in entity.names.iter().enumerate() {
                let arabic = crate::translit::is_arabic_script(&name.full);
                for form in name_forms(&name.full) {
                    let ids: Box<[TokenId]> = form
                        .iter()
                        .map(|t| {
                            let id = if let Some(&id) = token_ids.get(t.as_str()) {
                                id
                            } else {
                                let id = tokens.len() as TokenId;
                                tokens.push(t.as_str().into());
                                token_ids.insert(t.as_str().into(), id);
                                from_arabic.push(false);
                                id
                            };
                            if arabic && name.kind != NameKind::Weak {
                                from_arabic[id as usize] = true;
                            }
                            id
                        })
                        .collect();
                    let fi = forms.len() as u32;
                    if name.kind == NameKind::Weak {
                        weak.entry(sorted_key(&form)).or_default().push(fi);
                    }
                    forms.push(Form {
                        entity: ei,
                        name: ni as u32,
                        kind: name.kind,
                        tokens: ids,
                        weight: 0.0,
                    });
                }
            }
            let mut f = Facts {
                birth_dates: entity
                    .birth_dates
                    .iter()
                    .map(|d| (d.date, d.approximate))
                    .collect(),
                countries: entity.countries.clone(),
                gender: entity.gender,
                identifiers: Vec::new(),
            };
            for id in &entity.identifiers {
                let n = normalize_id(&id.number);
                if n.len() >= 4 && !f.identifiers.contains(&n) {
                    id_numbers.entry(n.clone()).or_default().push(ei);
                    f.identifiers.push(n);
                }
            }
            facts.push(f);
        }

        // Document frequency over strong forms, then weights.
        let mut df = vec![0u32; tokens.len()];
        let mut post_count = vec![0u32; tokens.len() + 1];
        for form in forms.iter().filter(|f| f.kind != NameKind::Weak) {
            let mut seen: Vec<TokenId> = form.tokens.to_vec();
            seen.sort_unstable();
            seen.dedup();
            for t in seen {
                df[t as usize] += 1;
                post_count[t as usize] += 1;
            }
        }
        let n = forms.len().max(2) as f32;
        let weights: Vec<f32> = df
            .iter()
            .zip(&tokens)
            .map(|(&d, t)| cap_weight(t, token_weight(d.max(1) as f32, n)))
            .collect();
        for form in &mut forms {
            form.weight = form.tokens.iter().map(|&t| weights[t as usize]).sum();
        }

        // Postings in compressed rows.
        let mut post_start = vec![0u32; tokens.len() + 1];
        for t in 0..tokens.len() {
            post_start[t + 1] = post_start[t] + post_count[t];
        }
        let mut fill = post_start.clone();
        let mut postings = vec![0u32; post_start[tokens.len()] as usize];
        for (fi, form) in forms.iter().enumerate() {
            if form.kind == NameKind::Weak {
                continue;
            }
            let mut seen: Vec<TokenId> = form.tokens.to_vec();
            seen.sort_unstable();
            seen.dedup();
            for t in seen {
                postings[fill[t as usize] as usize] = fi as u32;
                fill[t as usize] += 1;
            }
        }

        // Deletion neighbourhoods and skeletons of tokens used by strong forms.
        let mut pairs: Vec<(u64, TokenId)> = Vec::new();
        let mut skeletons: HashMap<u64, Vec<TokenId>, FixedState> = HashMap::with_hasher(hasher());
        let mut token_skeletons = vec![(0u64, 0u8); tokens.len()];
        let mut prefixes: HashMap<u64, (), FixedState> = HashMap::with_hasher(hasher());
        let mut abjad: HashMap<u64, Vec<TokenId>, FixedState> = HashMap::with_hasher(hasher());
        let mut abjad_read: HashMap<u64, Vec<TokenId>, FixedState> = HashMap::with_hasher(hasher());
        let mut token_abjad = vec![(0u64, 0u8); tokens.len()];
        for (t, token) in tokens.iter().enumerate() {
            let sk = skeleton(token);
            token_skeletons[t] = (hash_bytes(sk.as_bytes()), sk.len().min(255) as u8);
            let key = abjad_key(token);
            token_abjad[t] = (hash_bytes(key.as_bytes()), key.len().min(255) as u8);
            if df[t] == 0 {
                continue;
            }
            if key.len() >= 2 {
                let h = hash_bytes(key.as_bytes());
                abjad.entry(h).or_default().push(t as TokenId);
                if from_arabic[t] {
                    abjad_read.entry(h).or_default().push(t as TokenId);
                }
            }
            for end in 3..token.len() {
                prefixes.insert(hash_bytes(&token.as_bytes()[..end]), ());
            }
            for_each_deletion(token.as_bytes(), |h| pairs.push((h, t as TokenId)));
            if sk.len() >= 2 {
                skeletons
                    .entry(hash_bytes(sk.as_bytes()))
                    .or_default()
                    .push(t as TokenId);
            }
        }
        pairs.sort_unstable();
        let mut deletions: HashMap<u64, (u32, u32), FixedState> =
            HashMap::with_capacity_and_hasher(pairs.len() / 2, hasher());
        let mut del_tokens = Vec::with_capacity(pairs.len());
        let mut i = 0;
        while i < pairs.len() {
            let h = pairs[i].0;
            let start = del_tokens.len() as u32;
            while i < pairs.len() && pairs[i].0 == h {
                del_tokens.push(pairs[i].1);
                i += 1;
            }
            deletions.insert(h, (start, del_tokens.len() as u32));
        }

        Index {
            entities,
            facts,
            hash,
            tokens,
            token_ids,
            weights,
            token_skeletons,
            forms,
            post_start,
            postings,
            deletions,
            del_tokens,
            skeletons,
            token_abjad,
            abjad,
            abjad_read,
            from_arabic,
            weak,
            id_numbers,
            prefixes,
            ofac_names: Default::default(),
            kana: OnceLock::new(),
            whole: None,
            token_memo: TokenMemo::new(),
        }
    }

    /// An index over the entities of `whole` that `keep` selects, which scores every query as
    /// `whole` does: its tokens carry the whole snapshot's weights (a weight is a frequency over
    /// all the lists, not over the part), and the whole dictionary decides a query token's own
    /// weight and whether it may abbreviate a longer name. Searching the part finds what
    /// searching the whole finds among those entities, with the same scores (one bounded
    /// exception: a query token in no list name takes the weight of its most similar token in
    /// the part, where the whole may know a more similar one). Cost follows the part's size:
    /// this is how a list change is screened against a population (the changed entities only).
    pub fn subset(whole: &std::sync::Arc<Index>, keep: impl Fn(&Entity) -> bool) -> Index {
        let entities: Vec<Entity> = whole.entities.iter().filter(|e| keep(e)).cloned().collect();
        let mut part = Index::build(entities);
        for (i, token) in part.tokens.iter().enumerate() {
            if let Some(&id) = whole.token_ids.get(token) {
                part.weights[i] = whole.weights[id as usize];
            }
        }
        for form in &mut part.forms {
            form.weight = form.tokens.iter().map(|&t| part.weights[t as usize]).sum();
        }
        part.whole = Some(whole.clone());
        part
    }

    /// The dictionary that decides a query token's weight and whether it may abbreviate: this
    /// index's own, or the whole snapshot's for a [subset](Index::subset).
    pub(crate) fn dictionary(&self) -> &Index {
        self.whole.as_deref().unwrap_or(self)
    }

    /// True when `token` (not itself in the dictionary) is a proper prefix of a dictionary token
    /// of a strong name, or is a single letter: it may stand for a longer name (an initial, a
    /// truncated given name).
    pub(crate) fn may_abbreviate(&self, token: &str) -> bool {
        let dictionary = self.dictionary();
        token.len() == 1
            || (token.len() >= 3
                && !dictionary.token_ids.contains_key(token)
                && dictionary
                    .prefixes
                    .contains_key(&hash_bytes(token.as_bytes())))
    }

    /// True when the dictionary token is used by a strong name (weak aliases are matched only
    /// exactly).
    pub(crate) fn in_strong(&self, t: TokenId) -> bool {
        !self.postings_of(t).is_empty()
    }

    /// The token lists a query name is compared as: its [`name_forms`], and for each form the
    /// forms in which two adjacent tokens are joined, or a token is split in two, where the
    /// result is made of dictionary tokens (compound names written as one word or two:
    /// "Abdul Rahman" / "Abdulrahman").
    ///
    /// A name in Arabic script also gets the forms joining a compound — two adjacent words of
    /// which the first is a particle (abd, abu, bin) or the second carries the article (Nur
    /// al-Din) — when the joined abjad key is a dictionary token's, with the article kept or left
    /// out: Latin spellings write the compounds of `Abd al-` with the article (Abdelrahman,
    /// Abdulrahman) or as a bare vowel (Abdurahman, Abdorahman). Other words are not joined:
    /// two names run together would meet unrelated one-word names on their consonants alone.
    ///
    /// A name with Han characters also gets its Korean reading ([`crate::text::korean_forms`])
    /// and its Japanese readings ([`Index::japanese_forms`]).
    ///
    /// The tokens that spell Korean syllables (of a name in Hangul, or of the Korean reading of
    /// one in Han characters) also get the syllables' other spellings this index knows as
    /// [`QueryForms::alternates`] (see [`Index::korean_parts`]).
    pub(crate) fn query_forms(&self, name: &str) -> QueryForms {
        let base = name_forms(name);
        let mut out = base.clone();
        let known = |t: &str| self.token_ids.get(t).is_some_and(|&id| self.in_strong(id));
        if crate::translit::is_arabic_script(name) {
            let known_key = |t: &str| {
                let k = abjad_key(t);
                k.len() >= 4 && self.abjad.contains_key(&hash_bytes(k.as_bytes()))
            };
            for form in &base {
                for i in 0..form.len().saturating_sub(1) {
                    let second = &form[i + 1];
                    let bare = second.strip_prefix("al").filter(|r| r.len() >= 2);
                    if bare.is_none() && !is_particle(&form[i]) {
                        continue;
                    }
                    for s in std::iter::once(second.as_str()).chain(bare) {
                        let joined = format!("{}{s}", form[i]);
                        if known_key(&joined) {
                            let mut f = form.clone();
                            f[i] = joined;
                            f.remove(i + 1);
                            push_new(&mut out, f);
                        }
                    }
                }
            }
        }
        for form in &base {
            for i in 0..form.len() {
                if i + 1 < form.len() {
                    let joined = format!("{}{}", form[i], form[i + 1]);
                    if known(&joined) {
                        let mut f = form.clone();
                        f[i] = joined;
                        f.remove(i + 1);
                        push_new(&mut out, f);
                    }
                }
                let t = &form[i];
                if t.len() >= 6 {
                    for k in 3..=t.len() - 3 {
                        if known(&t[..k]) && known(&t[k..]) {
                            let mut f = form.clone();
                            f[i] = t[k..].to_owned();
                            f.insert(i, t[..k].to_owned());
                            push_new(&mut out, f);
                            break;
                        }
                    }
                }
            }
        }
        let mut alternates = Vec::new();
        let mut weight_caps = Vec::new();
        if has_hangul(name) {
            let text: String = name.nfkc().collect();
            let parts = self.korean_parts(&[text]);
            for (fi, form) in out.iter().enumerate() {
                parts.alternates(fi, form, &mut alternates, &mut weight_caps);
            }
        }
        let readings_from = out.len();
        if name.chars().any(crate::han::is_han) {
            let text: String = name.nfkc().collect();
            let readings = crate::han::korean_readings(&text);
            let parts = self.korean_parts(&readings);
            // A reading in one spelling whose every token spells the same syllables as one
            // already kept in another is the same reading: its alternates make them equal (up
            // to near-equal tokens that are no spelling of the syllables).
            let mut seen: Vec<Vec<usize>> = Vec::new();
            for form in korean_reading_forms(&readings) {
                let syllables: Option<Vec<usize>> = form.iter().map(|t| parts.find(t)).collect();
                if let Some(syllables) = syllables {
                    if seen.contains(&syllables) {
                        continue;
                    }
                    seen.push(syllables);
                }
                if !out.contains(&form) {
                    parts.alternates(out.len(), &form, &mut alternates, &mut weight_caps);
                    out.push(form);
                }
            }
            for form in self.japanese_forms(name) {
                push_new(&mut out, form);
            }
        }
        QueryForms {
            forms: out,
            readings_from,
            alternates,
            weight_caps,
        }
    }

    /// The syllables of the Hangul `texts` (and each word's two-syllable given name written
    /// as one word) with their [`SyllableSpellings`] that are strong tokens: a query token
    /// spelling a syllable (in whichever spelling) gets the others as alternates, credited as
    /// the syllable itself, and weighs at most what the commonest of them weighs in the
    /// dictionary (the whole snapshot's for a [subset](Index::subset)). Only spellings the
    /// index has are kept, so the work is bounded by the syllables' spellings (at most 9 each,
    /// 64 for a joined given name), not by the ways of combining them in a name, which no query
    /// form spells out. Spellings of one letter (이 i) are not looked up: a list token of one
    /// letter is an initial, and weighs as one.
    fn korean_parts(&self, texts: &[String]) -> KoreanParts<'_> {
        let dictionary = self.dictionary();
        let known = |index: &Index, t: &str| {
            index
                .token_ids
                .get(t)
                .copied()
                .filter(|&id| index.in_strong(id))
        };
        let mut parts: Vec<(KoreanPart, Vec<TokenId>, f32)> = Vec::new();
        let mut buf = String::with_capacity(16);
        for text in texts {
            for word in korean_spellings(text) {
                let mut add = |part: KoreanPart| {
                    if parts.iter().any(|(p, _, _)| *p == part) {
                        return;
                    }
                    let mut ids: Vec<TokenId> = Vec::new();
                    let mut cap = f32::INFINITY;
                    let mut found = |b: &mut String| {
                        // A list token of one letter is an initial, not a syllable.
                        if b.len() < 2 {
                            return;
                        }
                        let own = known(self, b);
                        if let Some(id) = own
                            && !ids.contains(&id)
                        {
                            ids.push(id);
                        }
                        let whole = match &self.whole {
                            Some(_) => known(dictionary, b),
                            None => own,
                        };
                        if let Some(id) = whole {
                            cap = cap.min(dictionary.weights[id as usize]);
                        }
                    };
                    match part {
                        KoreanPart::One(s) => s.each(&mut buf, &mut found),
                        KoreanPart::Two(a, b) => a.each(&mut buf, &mut |first| {
                            // A first syllable of three letters or more that begins no strong
                            // token begins no joined spelling the index has (the dictionary's
                            // prefixes: a part's are some of them, and the cap is the whole's).
                            if first.len() < 3
                                || dictionary
                                    .prefixes
                                    .contains_key(&hash_bytes(first.as_bytes()))
                            {
                                b.each(first, &mut found);
                            }
                        }),
                    }
                    if cap.is_finite() {
                        parts.push((part, ids, cap));
                    }
                };
                for &s in &word {
                    add(KoreanPart::One(s));
                }
                if let [_, a, b] = word[..] {
                    add(KoreanPart::Two(a, b));
                }
            }
        }
        KoreanParts {
            parts,
            token_ids: &self.token_ids,
        }
    }

    /// The Japanese readings of a name written in Han characters that this dictionary can
    /// spell: each word (split at spaces and the middle dot) covered by runs of characters whose
    /// readings spell a strong list token ([`Kana::spans`]), every way up to [`MAX_JAPANESE`],
    /// fewest runs first; a word of other letters stays as it is. Empty unless every Han word is
    /// covered: a Han name meets only Latin names all of whose parts are among its readings, so
    /// readings cannot by themselves raise a partial match. Names of fewer than three Han
    /// characters are not read (see `han::long_enough`). The [`KanaKeys`] are built on the
    /// first call; names without Han characters never get here.
    pub(crate) fn japanese_forms(&self, name: &str) -> Vec<Vec<String>> {
        let text: String = name.nfkc().collect();
        if !crate::han::long_enough(&text) {
            return Vec::new();
        }
        let words: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || matches!(c, '·' | '・' | ','))
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() || words.len() > 4 {
            return Vec::new();
        }
        let kana = self.kana.get_or_init(|| self.kana_keys());
        let mut names: Vec<Vec<String>> = vec![Vec::new()];
        let mut any = false;
        for word in words {
            let options: Vec<Vec<String>> = match Kana::new(word) {
                Some(readings) => {
                    let spans = readings.spans(
                        |k| kana.keys.contains_key(k),
                        |k| kana.prefixes.contains(&hash_bytes(k.as_bytes())),
                    );
                    let mut covers: Vec<Vec<String>> = Vec::new();
                    cover(&spans, 0, &mut Vec::new(), &mut covers);
                    if covers.is_empty() {
                        return Vec::new();
                    }
                    any = true;
                    covers.sort_by_key(Vec::len);
                    covers.truncate(MAX_JAPANESE);
                    covers
                        .into_iter()
                        .map(|keys| {
                            keys.iter()
                                .map(|k| self.tokens[kana.keys[k.as_str()] as usize].to_string())
                                .collect()
                        })
                        .collect()
                }
                // A word with Han characters of which some have no Japanese reading: the name
                // is not read in Japanese at all (no mixing with the pinyin of the others).
                None if word.chars().any(crate::han::is_han) => return Vec::new(),
                None => match name_forms(word).into_iter().next() {
                    Some(form) => vec![form],
                    None => continue,
                },
            };
            let mut next = Vec::new();
            for n in &names {
                for o in &options {
                    if next.len() < MAX_JAPANESE {
                        next.push(n.iter().chain(o).cloned().collect());
                    }
                }
            }
            names = next;
        }
        if any { names } else { Vec::new() }
    }

    fn kana_keys(&self) -> KanaKeys {
        let mut keys: HashMap<Box<str>, TokenId, FixedState> = HashMap::with_hasher(hasher());
        let mut prefixes = std::collections::HashSet::with_hasher(hasher());
        for (id, token) in self.tokens.iter().enumerate() {
            let id = id as TokenId;
            if token.len() < 2
                || !token.bytes().all(|b| b.is_ascii_lowercase())
                || !self.in_strong(id)
            {
                continue;
            }
            let key = kana_key(token);
            for end in 1..=key.len() {
                prefixes.insert(hash_bytes(&key.as_bytes()[..end]));
            }
            keys.entry(key.into()).or_insert(id);
        }
        KanaKeys { keys, prefixes }
    }

    /// The snapshot's content hash (hex SHA-256 of the canonical encoding of its entities).
    pub fn snapshot_hash(&self) -> &str {
        &self.hash
    }

    /// The indexed entities, sorted by id.
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// The entity with the given id.
    pub fn entity(&self, id: &str) -> Option<&Entity> {
        self.entities
            .binary_search_by(|e| e.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.entities[i])
    }

    /// Number of names (all forms, weak ones included) in the index.
    pub fn form_count(&self) -> usize {
        self.forms.len()
    }

    /// Number of distinct tokens.
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }

    pub(crate) fn postings_of(&self, t: TokenId) -> &[u32] {
        let t = t as usize;
        &self.postings[self.post_start[t] as usize..self.post_start[t + 1] as usize]
    }

    /// Every dictionary token `t` with `token_similarity(query, t) > 0`, with that similarity;
    /// `arabic` when the query token was read from Arabic script. Abjad keys count when either
    /// side was read from Arabic script (see [`abjad_key`]).
    pub(crate) fn similar_tokens(&self, query: &str, arabic: bool, out: &mut Vec<(TokenId, f32)>) {
        out.clear();
        let q_skel = skeleton(query);
        let q_skel_hash = hash_bytes(q_skel.as_bytes());
        let q_nicks = nicknames(query);
        let q_abjad = abjad_key(query);
        let q_abjad_hash = hash_bytes(q_abjad.as_bytes());
        let check = |t: TokenId, out: &mut Vec<(TokenId, f32)>| {
            if out.iter().any(|&(u, _)| u == t) {
                return;
            }
            let token = &self.tokens[t as usize];
            let (h, len) = self.token_skeletons[t as usize];
            let same = if h == q_skel_hash && usize::from(len) == q_skel.len() {
                q_skel.len()
            } else {
                0
            };
            let (ah, alen) = self.token_abjad[t as usize];
            let same_abjad = if q_abjad.len() >= 2
                && (arabic || self.from_arabic[t as usize])
                && ah == q_abjad_hash
                && usize::from(alen) == q_abjad.len()
            {
                q_abjad.len()
            } else {
                0
            };
            let s = token_similarity(query, token, same, same_abjad, q_nicks);
            if s > 0.0 {
                out.push((t, s));
            }
        };
        for_each_deletion(query.as_bytes(), |h| {
            if let Some(&(a, b)) = self.deletions.get(&h) {
                for &t in &self.del_tokens[a as usize..b as usize] {
                    check(t, out);
                }
            }
        });
        if q_skel.len() >= 2
            && let Some(ts) = self.skeletons.get(&q_skel_hash)
        {
            for &t in ts {
                check(t, out);
            }
        }
        let table = if arabic {
            &self.abjad
        } else {
            &self.abjad_read
        };
        if q_abjad.len() >= 2
            && let Some(ts) = table.get(&q_abjad_hash)
        {
            for &t in ts {
                check(t, out);
            }
        }
        for nick in nicknames(query) {
            if let Some(&t) = self.token_ids.get(*nick)
                && self.in_strong(t)
            {
                check(t, out);
            }
        }
    }

    /// True when entity `e` may be what a query of `schema` looks for.
    pub(crate) fn schema_ok(&self, e: u32, schema: Option<Schema>) -> bool {
        schema.is_none_or(|s| self.entities[e as usize].schema.compatible_with(s))
    }
}

/// Every way to cover characters `at..` with the runs of `spans` (`spans[i]`: the runs starting
/// at character `i`, as `(end, key)`), appended to `out` as the runs' keys; at most
/// `4 * MAX_JAPANESE` ways.
fn cover(
    spans: &[Vec<(usize, String)>],
    at: usize,
    path: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    if at == spans.len() {
        out.push(path.clone());
        return;
    }
    for (end, key) in &spans[at] {
        if out.len() >= 4 * MAX_JAPANESE {
            return;
        }
        path.push(key.clone());
        cover(spans, *end, path, out);
        path.pop();
    }
}

/// The token lists a query name is compared as ([`Index::query_forms`]).
pub(crate) struct QueryForms {
    pub(crate) forms: Vec<Vec<String>>,
    /// Forms from this one on are readings of Han characters in another language.
    pub(crate) readings_from: usize,
    /// (form, token, list token): a list token that spells the same Korean syllable(s) as the
    /// form's token, in another of their spellings; it pairs with the token as if it were the
    /// same ([`Index::korean_parts`]).
    pub(crate) alternates: Vec<(usize, usize, TokenId)>,
    /// (form, token, weight): the token weighs at most this, the least weight of a spelling of
    /// its Korean syllable(s) in the dictionary (see [`Index::korean_parts`]).
    pub(crate) weight_caps: Vec<(usize, usize, f32)>,
}

/// The syllables of a Korean name with the spellings of each an index has
/// ([`Index::korean_parts`]).
struct KoreanParts<'a> {
    /// The syllable (or joined given name), its spellings among this index's strong tokens,
    /// and the least weight of one in the dictionary.
    parts: Vec<(KoreanPart, Vec<TokenId>, f32)>,
    token_ids: &'a HashMap<Box<str>, TokenId, FixedState>,
}

impl KoreanParts<'_> {
    /// The first part that `t` spells.
    fn find(&self, t: &str) -> Option<usize> {
        self.parts.iter().position(|(p, _, _)| p.spells(t))
    }

    /// The alternates and weight caps of the tokens of form `fi` ([`QueryForms`]).
    fn alternates(
        &self,
        fi: usize,
        form: &[String],
        alternates: &mut Vec<(usize, usize, TokenId)>,
        caps: &mut Vec<(usize, usize, f32)>,
    ) {
        if self.parts.is_empty() {
            return;
        }
        for (ti, t) in form.iter().enumerate() {
            let own = self.token_ids.get(t.as_str()).copied();
            for (part, ids, cap) in &self.parts {
                if part.spells(t) {
                    for &id in ids {
                        if Some(id) != own && !alternates.contains(&(fi, ti, id)) {
                            alternates.push((fi, ti, id));
                        }
                    }
                    caps.push((fi, ti, *cap));
                }
            }
        }
    }
}

/// One syllable of a Korean name, or the two syllables of a given name written as one word.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KoreanPart {
    One(SyllableSpellings),
    Two(SyllableSpellings, SyllableSpellings),
}

impl KoreanPart {
    /// True when `t` is one of the part's spellings.
    fn spells(&self, t: &str) -> bool {
        match self {
            KoreanPart::One(s) => s.spells(t),
            KoreanPart::Two(a, b) => a.strip(t, &mut |rest| b.spells(rest)),
        }
    }
}

fn push_new(forms: &mut Vec<Vec<String>>, form: Vec<String>) {
    if !forms.contains(&form) {
        forms.push(form);
    }
}

/// Weight of a token from its document frequency `df` among `n` forms: 1 for a token seen once,
/// falling towards 0.1 for the most common ones.
fn token_weight(df: f32, n: f32) -> f32 {
    let idf = (n / df).ln() / n.ln();
    0.1 + 0.9 * idf.clamp(0.0, 1.0)
}

//! Screening in reverse: which queries of a population can a (small) index reach at all?
//!
//! A list change is screened against a population by searching each person against an index of
//! the changed entities ([`Index::subset`]). Searching everyone costs what the population costs.
//! Screening in reverse turns this around: every query is reduced once, independently of any
//! list, to its [`Key`]s ([`query_keys`]); an index answers for each distinct key whether a query
//! carrying it may reach one of its entities ([`Index::reaches`]); only the queries with such a
//! key need the ordinary search, which then decides as it always does.
//!
//! ## Why the keys lose nothing
//!
//! [`Index::search`] (the cortina algorithm) puts an entity among its results only through one
//! of three doors:
//!
//! 1. a token of one of the query's forms whose similar tokens ([`Index::similar_tokens`]) are
//!    not empty, or which spells a Korean syllable another spelling of which is a dictionary
//!    token (`Index::korean_parts`, added to the token's similar tokens): the accumulation
//!    over postings, and a Korean or Japanese reading's walk of its rarest part, both start
//!    from a token's similar tokens;
//! 2. a query form equal, token for token, to a weak alias (so each of its tokens is in the
//!    dictionary);
//! 3. an identifier number in the index.
//!
//! The tokens of a query's forms ([`Index::query_forms`]) are those of the name's own forms
//! ([`name_forms`]), two adjacent ones joined (for a name in Arabic script also with the second's
//! article left out), a token split in two halves that are both dictionary tokens, and the
//! tokens of the Korean and Japanese readings of a name written in Han characters. All but the
//! split halves and the Japanese readings depend on the name alone: they are the [`Key::Token`]
//! keys. A split half is a dictionary token and a prefix of a name token, which
//! [`Index::reaches`] checks on that name token. The other spellings of a Hangul name's
//! syllables (and of its given names written as one word) are [`Key::Spelling`] keys, reached
//! when the index has the spelling as a strong token, which is when the search credits it.
//! The Japanese readings are spelt from the
//! index's own tokens, so they cannot be keyed in advance: a name long enough to be read in
//! Japanese carries [`Key::Reading`], which every index reaches (conservative: such a person is
//! always searched). So a query that the search can put any entity of an index in front of
//! carries a key that the index reaches, whatever the search's threshold, cutoff or limit; the
//! converse does not hold (a reached key is a candidate, not a hit). `tests/reverse.rs` checks
//! this against the search itself on generated names in several scripts.
//!
//! Facts (birth dates, countries, gender) only change the score of an entity already reached,
//! and a query's weights come from the dictionary of the whole snapshot: neither opens a door.
//! The keys are for the cortina algorithm; the OFAC-compatible one retrieves differently.

use std::hash::{BuildHasher, Hasher};

use unicode_normalization::UnicodeNormalization;

use crate::index::{Index, hash_bytes, normalize_id};
use crate::score::Query;
use crate::text::{abjad_key, korean_forms, name_forms};
use crate::translit::{has_hangul, is_arabic_script, korean_spellings};

/// The version of the key derivation: stored beside keys kept on disk, changed whenever
/// [`query_keys`] or the search's doors change, so that stale keys are rebuilt, not trusted.
/// ([`keys_fingerprint`] also changes by itself when the name normalisation does.)
pub const KEYS_VERSION: u32 = 2;

/// What a query may be reached by, whatever the lists (see the [module docs](self)).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// A token of one of the query's forms, from a name in a script other than Arabic.
    Token(String),
    /// The same from a name in Arabic script (similar tokens are looked up differently).
    ArabicToken(String),
    /// Two adjacent tokens of one of the query's forms, joined.
    Joined(String),
    /// The same from a name in Arabic script (joined also when the abjad keys meet).
    ArabicJoined(String),
    /// An identifier number, normalised ([`normalize_id`]).
    Id(String),
    /// A name written in Han characters that may be read in Japanese against the lists.
    Reading,
    /// A spelling of a syllable of a name in Hangul (or of a word's two-syllable given name
    /// written as one word) that the search credits only when a list token is exactly it.
    Spelling(String),
}

impl Key {
    /// The key as a string (a one-letter tag, a colon, the text): what is stored.
    pub fn encode(&self) -> String {
        match self {
            Key::Token(t) => format!("t:{t}"),
            Key::ArabicToken(t) => format!("a:{t}"),
            Key::Joined(t) => format!("j:{t}"),
            Key::ArabicJoined(t) => format!("b:{t}"),
            Key::Id(n) => format!("i:{n}"),
            Key::Reading => "r:".to_owned(),
            Key::Spelling(t) => format!("s:{t}"),
        }
    }

    /// The key an [`encode`](Key::encode)d string stands for.
    pub fn decode(s: &str) -> Option<Key> {
        let (tag, text) = s.split_once(':')?;
        match tag {
            "t" => Some(Key::Token(text.to_owned())),
            "a" => Some(Key::ArabicToken(text.to_owned())),
            "j" => Some(Key::Joined(text.to_owned())),
            "b" => Some(Key::ArabicJoined(text.to_owned())),
            "i" => Some(Key::Id(text.to_owned())),
            "r" if text.is_empty() => Some(Key::Reading),
            "s" => Some(Key::Spelling(text.to_owned())),
            _ => None,
        }
    }
}

/// The keys of a query, sorted and without repeats: every way [`Index::search`] may reach an
/// entity of any index from it goes through one of them (see the [module docs](self)).
pub fn query_keys(query: &Query) -> Vec<Key> {
    let mut keys = Vec::new();
    for name in &query.names {
        let arabic = is_arabic_script(name);
        let key = |t: String| {
            if arabic {
                Key::ArabicToken(t)
            } else {
                Key::Token(t)
            }
        };
        let joined = |t: String| {
            if arabic {
                Key::ArabicJoined(t)
            } else {
                Key::Joined(t)
            }
        };
        let han = name.chars().any(crate::han::is_han);
        let mut forms = name_forms(name);
        if han {
            forms.extend(korean_forms(name));
            let text: String = name.nfkc().collect();
            if crate::han::long_enough(&text) {
                keys.push(Key::Reading);
            }
        }
        if has_hangul(name) {
            // The other spellings of its syllables, which the search credits when the index has
            // them exactly (a name in Han characters read in Korean carries `Reading`).
            let text: String = name.nfkc().collect();
            let mut buf = String::new();
            let mut spelling = |b: &mut String| {
                // Spellings of one letter are not looked up (see `Index::korean_parts`).
                if b.len() >= 2 {
                    keys.push(Key::Spelling(b.clone()));
                }
            };
            for word in korean_spellings(&text) {
                for s in &word {
                    s.each(&mut buf, &mut spelling);
                }
                if let [_, a, b] = word[..] {
                    a.each(&mut buf, &mut |first| b.each(first, &mut spelling));
                }
            }
        }
        for form in &forms {
            for (i, t) in form.iter().enumerate() {
                keys.push(key(t.clone()));
                if let Some(next) = form.get(i + 1) {
                    keys.push(joined(format!("{t}{next}")));
                    if arabic && let Some(bare) = next.strip_prefix("al") {
                        keys.push(joined(format!("{t}{bare}")));
                    }
                }
            }
        }
    }
    for n in &query.id_numbers {
        let n = normalize_id(n);
        if n.len() >= 4 {
            keys.push(Key::Id(n));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// A digest of the keys of a fixed set of names in several scripts: it changes when the name
/// normalisation, the transliteration or the key derivation does, so that keys stored by an
/// earlier engine are not trusted by a later one even if [`KEYS_VERSION`] was not changed.
pub fn keys_fingerprint() -> u64 {
    const PROBES: [&str; 12] = [
        "Jose Juvenal VELANDIA",
        "al-Rashidi, Yusuf Abd al-Karim",
        "O'Brien-Smith, Mary Ann",
        "J. R. R. Tolkien",
        "Abdulrahman bin Ladin",
        "محمد عبد الرحمن",
        "Иванов Александр Петрович",
        "Κωνσταντίνος Παπαδόπουλος",
        "山田太郎",
        "金正恩",
        "김정은",
        "Nguyễn Văn Đức",
    ];
    let mut h = crate::index::hasher().build_hasher();
    h.write_u32(KEYS_VERSION);
    for name in PROBES {
        let query = Query::name(name);
        for key in query_keys(&query) {
            h.write(key.encode().as_bytes());
            h.write_u8(0);
        }
        h.write_u8(1);
    }
    h.finish()
}

impl Index {
    /// True when a query carrying `key` may reach an entity of this index, false when no query
    /// reaches one through it (see the [module docs](self)).
    pub fn reaches(&self, key: &Key) -> bool {
        let token = |t: &str, arabic: bool| {
            let mut sims = Vec::new();
            self.similar_tokens(t, arabic, &mut sims);
            !sims.is_empty()
                || self.token_ids.contains_key(t)
                || (t.len() >= 6
                    && (3..=t.len() - 3).any(|k| {
                        t.is_char_boundary(k)
                            && self
                                .token_ids
                                .get(&t[..k])
                                .is_some_and(|&id| self.in_strong(id))
                    }))
        };
        let known = |t: &str| self.token_ids.get(t).is_some_and(|&id| self.in_strong(id));
        match key {
            Key::Token(t) => token(t, false),
            Key::ArabicToken(t) => token(t, true),
            Key::Joined(t) => known(t),
            Key::ArabicJoined(t) => {
                let k = abjad_key(t);
                known(t) || (k.len() >= 4 && self.abjad.contains_key(&hash_bytes(k.as_bytes())))
            }
            Key::Id(n) => self.id_numbers.contains_key(n),
            Key::Reading => true,
            Key::Spelling(t) => known(t),
        }
    }
}

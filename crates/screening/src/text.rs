//! Names to comparable tokens: Unicode normalisation, transliteration, tokenisation, and the
//! phonetic skeleton used to match spelling variants.
//!
//! The pipeline for a name is:
//!
//! 1. NFKC, so that compatibility forms (full-width letters, ligatures) become plain letters.
//! 2. Transliteration to lower-case ASCII, script by script: Arabic and Hangul by rules of our
//!    own (see [`crate::translit`]), everything else through `any_ascii`. Han text is split into
//!    syllables; a Han or Hangul name of two or more syllables gets a second form with the given
//!    name's syllables joined ("xi jinping"), the usual way they are written in Latin script.
//! 3. Tokenisation on anything that is not a letter or digit; apostrophes inside words vanish
//!    ("Sa'ad" → "saad"), hyphens split ("Al-Qaida" → "al", "qaida").
//! 4. Honorifics and legal-form words (mr, sheikh, llc, ooo, gmbh...) are dropped, unless nothing
//!    else is left. "SURNAME, Given" order needs no handling: names are compared as token sets.
//! 5. Name particles (al, el, bin, abu, abd, de, van...) are kept as tokens, and a second form of the
//!    name joins each particle to the word that follows ("abd al rahman" → "abdalrahman"), since
//!    lists and applicants write them both ways.
//!
//! The skeleton ([`skeleton`]) folds a token to its consonant frame with the spelling rules that
//! make transliteration variants differ (kh/gh/th/dh/sh/ph digraphs, c/k/q, x/ks, z/s, doubled
//! letters, vowels and the semi-vowels w and y). Mohammed, Muhammad and Mohamed all fold to `mhmd`;
//! Arabic محمد transliterates to `mhmd` too. No table of particular names is involved.

use std::collections::HashMap;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

use crate::translit;

/// Words that say something about a person's or company's standing, not who they are.
const STOPWORDS: &[&str] = &[
    // Honorifics and titles.
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "prof",
    "sir",
    "dame",
    "lord",
    "lady",
    "sheikh",
    "shaikh",
    "sheik",
    "shaykh",
    "haji",
    "hajji",
    "mullah",
    "mulla",
    "maulana",
    "maulvi",
    "mawlawi",
    "imam",
    "sayyid",
    "sayed",
    "general",
    "gen",
    "colonel",
    "col",
    "major",
    "maj",
    "captain",
    "capt",
    "lieutenant",
    "lt",
    "sgt",
    "admiral",
    "brigadier",
    "commander",
    "president",
    "minister",
    "hon",
    "honorable",
    "rev",
    "reverend",
    "fr",
    "father",
    "jr",
    "sr",
    "ii",
    "iii",
    "iv",
    "esq",
    // Legal forms.
    "llc",
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "plc",
    "gmbh",
    "ag",
    "kg",
    "sa",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "ab",
    "as",
    "oy",
    "oyj",
    "ooo",
    "oao",
    "zao",
    "pao",
    "ao",
    "jsc",
    "ojsc",
    "cjsc",
    "pjsc",
    "tov",
    "pvt",
    "pte",
    "bhd",
    "sdn",
    "fze",
    "fzco",
    "fzc",
    "llp",
    "lp",
    "sal",
    "sae",
    "kft",
    "doo",
    "dd",
    "ltda",
    "cia",
    "eirl",
    "sl",
    "slu",
    "sapi",
    "cv",
    "snc",
    "aps",
    "sro",
    "the",
    "of",
    "and",
    "for",
];

/// Particles that are written both apart from and joined to the following word.
const PARTICLES: &[&str] = &[
    "al", "el", "ul", "ad", "ar", "as", "at", "an", "az", "ash", "bin", "ben", "ibn", "bint", "bn",
    "abn", "abu", "abou", "abd", "abdel", "abdul", "abdal", "de", "del", "della", "der", "den",
    "di", "da", "dos", "das", "du", "la", "le", "van", "von", "mac", "mc", "st", "san", "santa",
];

/// The nickname table: one line per formal name, `formal nick1 nick2 ...` (see
/// `nicknames.LICENSE.txt`: derived from the Apache-2.0 `nicknames` dataset, general data about
/// English given names, not about anyone on a list).
const NICKNAMES: &str = include_str!("nicknames.txt");

/// The nickname table read once: each name with the names it is directly related to (formal ↔
/// nickname), and for each nickname the number of formal names it stands for.
struct Nicknames {
    related: HashMap<&'static str, Vec<&'static str>>,
    formals: HashMap<&'static str, usize>,
}

fn nickname_table() -> &'static Nicknames {
    static TABLE: OnceLock<Nicknames> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut related: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        let mut formals: HashMap<&'static str, usize> = HashMap::new();
        for line in NICKNAMES.lines().filter(|l| !l.starts_with('#')) {
            let mut words = line.split_ascii_whitespace();
            let Some(formal) = words.next() else { continue };
            for nick in words {
                related.entry(formal).or_default().push(nick);
                related.entry(nick).or_default().push(formal);
                *formals.entry(nick).or_default() += 1;
            }
        }
        for v in related.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        Nicknames { related, formals }
    })
}

/// The names directly related to `token` as formal name and nickname (robert → bob, rob...;
/// bob → robert), from the nickname table.
pub fn nicknames(token: &str) -> &'static [&'static str] {
    nickname_table()
        .related
        .get(token)
        .map_or(&[], Vec::as_slice)
}

/// True when one token is a nickname of the other.
pub fn nickname_related(a: &str, b: &str) -> bool {
    a.len() >= 2 && b.len() >= 2 && nicknames(a).contains(&b)
}

/// How many formal names the nickname side of a related pair stands for (al: alan, albert,
/// alexander...; mike: michael): the more, the less the pair says. 0 when unrelated.
pub fn nickname_ambiguity(a: &str, b: &str) -> usize {
    if !nickname_related(a, b) {
        return 0;
    }
    let t = nickname_table();
    let fa = t.formals.get(a).copied().unwrap_or(0);
    let fb = t.formals.get(b).copied().unwrap_or(0);
    // The nickname is the side that is a nickname of the other (either may also be a formal
    // name of its own); take the more ambiguous reading.
    fa.max(fb).max(1)
}

/// True when the lower-case ASCII token is an honorific, a legal form or a function word.
pub fn is_stopword(token: &str) -> bool {
    STOPWORDS.contains(&token)
}

/// True when the lower-case ASCII token is a name particle (al, bin, abu, de, van...).
pub fn is_particle(token: &str) -> bool {
    PARTICLES.contains(&token)
}

/// The comparable forms of one name: lists of lower-case ASCII tokens. The first form is the
/// plain one; further forms join particles or Han/Hangul given names. Returns no forms for a name
/// with no letters or digits.
pub fn name_forms(name: &str) -> Vec<Vec<String>> {
    latin_forms(translit::to_latin_variants(name))
}

/// The forms of a name written in Han characters read in Korean
/// ([`translit::korean_reading_variants`]); none for a name without Han characters.
pub fn korean_forms(name: &str) -> Vec<Vec<String>> {
    latin_forms(translit::korean_reading_variants(name))
}

/// The forms of a name's Korean readings in Hangul ([`korean_forms`] of the name).
pub(crate) fn korean_reading_forms(readings: &[String]) -> Vec<Vec<String>> {
    latin_forms(translit::romanised_readings(readings))
}

/// The comparable forms of the Latin spellings of one name (see [`name_forms`]).
fn latin_forms(spellings: Vec<String>) -> Vec<Vec<String>> {
    let mut forms: Vec<Vec<String>> = Vec::with_capacity(2);
    for latin in spellings {
        let tokens = tokenize(&latin);
        let tokens = drop_stopwords(tokens);
        if tokens.is_empty() {
            continue;
        }
        let tokens: Vec<String> = tokens.into_iter().map(fold_final_y).collect();
        push_form(&mut forms, join_particles(&tokens));
        push_form(&mut forms, tokens);
    }
    // Keep the plain form first: it is what explanations show.
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms
}

fn push_form(forms: &mut Vec<Vec<String>>, form: Vec<String>) {
    if !form.is_empty() && !forms.contains(&form) {
        forms.push(form);
    }
}

/// NFKC-normalises and lower-cases `s` without transliterating it.
pub fn fold_case(s: &str) -> String {
    s.nfkc().flat_map(char::to_lowercase).collect()
}

/// Splits lower-case ASCII text into tokens of letters and digits.
pub fn tokenize(latin: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    for c in latin.chars() {
        if c.is_ascii_alphanumeric() {
            current.push(c.to_ascii_lowercase());
        } else if c == '.' && current.len() == 1 {
            // Initials in abbreviations join up: "S.A." → "sa", "C.V." → "cv".
        } else if c == '\'' || c == '`' || c == '\u{2019}' || c == '\u{02bf}' || c == '\u{02be}' {
            // Apostrophes and ayn/hamza marks inside a word: "Sa'ad" is one word.
        } else if !current.is_empty() {
            tokens.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    for t in &mut tokens {
        fold_ocr_digits(t);
    }
    tokens
}

/// In a word of letters, the digits that scanners and typists put for look-alike letters are
/// read as those letters (0 → o, 1 → l, 5 → s, 8 → b): "M0HAMMED" is "mohammed". Tokens that
/// are mostly digits (numbers in names of things) are left alone.
fn fold_ocr_digits(t: &mut String) {
    let digits = t.bytes().filter(u8::is_ascii_digit).count();
    if digits == 0 || digits * 2 >= t.len() {
        return;
    }
    if !t
        .bytes()
        .all(|b| b.is_ascii_lowercase() || matches!(b, b'0' | b'1' | b'5' | b'8'))
    {
        return;
    }
    *t = t
        .bytes()
        .map(|b| match b {
            b'0' => 'o',
            b'1' => 'l',
            b'5' => 's',
            b'8' => 'b',
            _ => char::from(b),
        })
        .collect();
}

/// A word-final y after another letter is written i as often as y (Aly / Ali, Dmitry / Dmitri):
/// fold it to i on both sides.
fn fold_final_y(mut t: String) -> String {
    if t.len() >= 3 && t.ends_with('y') {
        t.pop();
        t.push('i');
    }
    t
}

fn drop_stopwords(tokens: Vec<String>) -> Vec<String> {
    if tokens.iter().all(|t| is_stopword(t)) {
        return tokens;
    }
    tokens.into_iter().filter(|t| !is_stopword(t)).collect()
}

fn join_particles(tokens: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut pending = String::new();
    for (i, t) in tokens.iter().enumerate() {
        if is_particle(t) && i + 1 < tokens.len() {
            pending.push_str(t);
        } else if pending.is_empty() {
            out.push(t.clone());
        } else {
            pending.push_str(t);
            out.push(std::mem::take(&mut pending));
        }
    }
    if !pending.is_empty() {
        out.push(pending);
    }
    out
}

/// The consonant skeleton of a lower-case ASCII token (see the module docs).
pub fn skeleton(token: &str) -> String {
    let b = token.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied().unwrap_or(0);
        let (mapped, used): (&[u8], usize) = match (c, next) {
            (b'k', b'h') | (b'g', b'h') if i + 1 < b.len() => {
                (if c == b'k' { b"k" } else { b"g" }, 2)
            }
            (b's', b'h') | (b'c', b'h') | (b'z', b'h') => (b"s", 2),
            (b't', b'h') | (b't', b's') => (b"t", 2),
            (b'd', b'h') | (b'd', b'j') | (b'd', b'z') => (b"d", 2),
            (b'p', b'h') => (b"f", 2),
            (b'c', b'k') => (b"k", 2),
            (b'q', b'u') => (b"k", 2),
            (b'c', _) | (b'q', _) => (b"k", 1),
            (b'x', _) => (b"ks", 1),
            (b'z', _) => (b"s", 1),
            (b'v', _) => (b"v", 1),
            (b'j', _) => (b"j", 1),
            (b'a' | b'e' | b'i' | b'o' | b'u' | b'y' | b'w', _) => (b"", 1),
            // A word-final h is mostly silent or dropped in transliteration ("Abdullah", "Abdulla").
            (b'h', _) if i > 0 && i + 1 == b.len() => (b"", 1),
            _ => (std::slice::from_ref(&b[i]), 1),
        };
        for &m in mapped {
            if out.last() != Some(&m) {
                out.push(m);
            }
        }
        i += used;
    }
    // Only ASCII bytes are pushed, so this cannot fail; fall back to empty to stay panic-free.
    String::from_utf8(out).unwrap_or_default()
}

/// The *abjad key* of a Latin token: the consonants Arabic script would write for it, in classes
/// of the letters Latin spellings of one Arabic letter vary between. Arabic writes consonants and
/// long vowels only, and has no p, v or hard g, so a name read from Arabic script and a Latin
/// spelling of the same name agree on their consonants and little else:
///
/// - vowels (and y, w inside a word, which Arabic writes as the long vowels ي, و) are dropped; a
///   word-initial vowel is kept as one mark `@` (Arabic writes it: alef, ayn);
/// - letters Arabic does not have fall into the class of the letter it writes for them: p → b,
///   v → f, g → j (ج, or غ: gh → j), c → k or s, q → k, x → ks, and the digraphs become one
///   letter: kh, sh/ch/tch/tsh (تش), th → t, dh → d, ph → f, dj → j, zh → j;
/// - a doubled consonant is written once (Arabic leaves the doubling unwritten: Hassan / حسن), but
///   the same consonant twice with a vowel between is kept twice (Dawood / داود);
/// - a word-final h is dropped (Abdullah / Abdulla; the ta marbuta of Fatimah / Fatima).
///
/// The key is ASCII; tokens that are not lower-case ASCII letters give an empty key.
pub fn abjad_key(token: &str) -> String {
    let b = token.as_bytes();
    if b.is_empty() || !b.iter().all(u8::is_ascii_lowercase) {
        return String::new();
    }
    let vowel = |c: u8| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u');
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    // A vowel (or nothing) since the last consonant written: a repeated consonant after one is
    // a second consonant, not a doubling.
    let mut vowel_since = true;
    if vowel(b[0]) {
        out.push(b'@');
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let n = b.get(i + 1).copied().unwrap_or(0);
        let n2 = b.get(i + 2).copied().unwrap_or(0);
        let (mapped, used): (&[u8], usize) = match (c, n, n2) {
            (b't', b's' | b'c', b'h') => (b"S", 3),
            (b'k', b'h', _) => (b"x", 2),
            (b'g', b'h', _) | (b'd', b'j', _) | (b'z', b'h', _) => (b"j", 2),
            (b's' | b'c', b'h', _) => (b"S", 2),
            (b't', b'h', _) => (b"t", 2),
            (b'd', b'h', _) => (b"d", 2),
            (b'p', b'h', _) => (b"f", 2),
            (b'c', b'k', _) => (b"k", 2),
            (b'c', b'e' | b'i' | b'y', _) => (b"s", 1),
            (b'c' | b'q' | b'k', _, _) => (b"k", 1),
            (b'g' | b'j', _, _) => (b"j", 1),
            (b'p', _, _) => (b"b", 1),
            (b'v', _, _) => (b"f", 1),
            (b'x', _, _) => (b"ks", 1),
            (b'y' | b'w', _, _) if i == 0 => (std::slice::from_ref(&b[i]), 1),
            (b'a' | b'e' | b'i' | b'o' | b'u' | b'y' | b'w', _, _) => (b"", 1),
            (b'h', _, _) if i > 0 && i + 1 == b.len() => (b"", 1),
            _ => (std::slice::from_ref(&b[i]), 1),
        };
        if mapped.is_empty() {
            vowel_since = true;
        }
        for &m in mapped {
            if vowel_since || out.last() != Some(&m) {
                out.push(m);
            }
            vowel_since = false;
        }
        i += used;
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abjad_keys_agree_across_arabic_readings_and_latin_spellings() {
        let same = |a: &str, b: &str| {
            assert_eq!(abjad_key(a), abjad_key(b), "{a} / {b}");
        };
        // Short vowels unwritten, long ones read either way.
        same("hasan", "hassan");
        same("daud", "dawood");
        same("yusf", "youssef");
        same("amr", "omar");
        // Letters Arabic does not have.
        same("abghar", "apgar");
        same("hambtun", "hampton");
        same("rif", "reeve");
        same("tshildrik", "childeric");
        same("jali", "galli");
        same("abdullah", "abdulla");
        // What the key keeps apart.
        assert_ne!(abjad_key("ahmad"), abjad_key("hamad"));
        assert_ne!(abjad_key("karim"), abjad_key("kamil"));
        assert_ne!(abjad_key("samir"), abjad_key("zamir"));
        assert_eq!(abjad_key("dawood"), "dd");
        assert_eq!(abjad_key("omar"), "@mr");
        assert_eq!(abjad_key("Ab"), "");
    }

    fn first_form(name: &str) -> Vec<String> {
        name_forms(name).into_iter().next().unwrap_or_default()
    }

    #[test]
    fn tokenises_and_drops_titles_and_legal_forms() {
        assert_eq!(
            first_form("Mr. JOSÉ Juvenal VELANDIA"),
            ["jose", "juvenal", "velandia"]
        );
        assert_eq!(
            first_form("ANGLO-CARIBBEAN CO., LTD."),
            ["anglo", "caribbean"]
        );
        assert_eq!(first_form("Sa'ad Ra'd"), ["saad", "rad"]);
        assert_eq!(first_form("OOO"), ["ooo"]);
    }

    #[test]
    fn particles_get_a_joined_form() {
        let forms = name_forms("Abd al-Rahman Ali");
        assert!(forms.contains(&vec![
            "abd".into(),
            "al".into(),
            "rahman".into(),
            "ali".into()
        ]));
        assert!(forms.contains(&vec!["abdalrahman".into(), "ali".into()]));
    }

    #[test]
    fn skeleton_folds_transliteration_variants() {
        for (a, b) in [
            ("mohammed", "muhammad"),
            ("mohamed", "mhmd"),
            ("yusuf", "youssef"),
            ("alexander", "aleksandr"),
            ("khaled", "khalid"),
            ("abdullah", "abdallah"),
            ("hussein", "husayn"),
        ] {
            assert_eq!(skeleton(a), skeleton(b), "{a} / {b}");
        }
        assert_ne!(skeleton("smith"), skeleton("schmidt"));
    }

    #[test]
    fn ocr_digits_inside_words_read_as_letters() {
        assert_eq!(first_form("M0HAMMED A1I"), ["mohammed", "ali"]);
        // Numbers stay numbers.
        assert_eq!(first_form("Unit 1985"), ["unit", "1985"]);
    }

    #[test]
    fn nicknames_relate_both_ways_and_say_how_ambiguous() {
        assert!(nickname_related("robert", "bob"));
        assert!(nickname_related("bob", "robert"));
        assert!(!nickname_related("robert", "michael"));
        assert!(nickname_ambiguity("mike", "michael") >= 1);
        // "al" stands for many more formal names than "mike".
        assert!(nickname_ambiguity("al", "alexander") > nickname_ambiguity("mike", "michael"));
        assert_eq!(nickname_ambiguity("smith", "jones"), 0);
    }

    #[test]
    fn cross_script_names_reach_latin() {
        assert_eq!(first_form("Владимир Путин"), ["vladimir", "putin"]);
        assert!(name_forms("习近平").contains(&vec!["xi".into(), "jinping".into()]));
    }
}

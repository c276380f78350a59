//! Transliteration of names in any script to lower-case Latin ASCII.
//!
//! Three scripts get rules of our own, because a general-purpose transliterator does them poorly
//! for names:
//!
//! - **Arabic** (and the Persian and Urdu letters): Arabic script writes consonants and long vowels
//!   only, so the rules choose the reading that Latin spellings of names use: a word-initial ayn or
//!   alef is "a" (علي → ali, عبد → abd), waw and ya are "w"/"y" at the start of a word and "u"/"i"
//!   elsewhere, ta marbuta is "a", and short-vowel marks, when written, are read.
//! - **Hangul** is decomposed algorithmically into jamo and romanised three times: by the Revised
//!   Romanization (김정은 → gim jeong eun), by the spelling long seen in passports and the press
//!   (kim jong un), which also uses the conventional spellings of the common surnames (이 → lee,
//!   박 → park): general data about Korean names, not about particular people; and by today's
//!   passport usage, the conventional surname with a Revised given name (박근혜 → park geun hye).
//!   People chose their spelling syllable by syllable, though (Lee Myung-bak, Roh Moo-hyun,
//!   Chung Ju-yung), so each syllable also has its set of conventional spellings
//!   (`SyllableSpellings`: McCune–Reischauer's without marks and the popular ones, ㅓ u, ㅕ yu,
//!   ㅜ oo...), which the index credits as the syllable when a list token is one of them
//!   (`Index::korean_parts`): spelt out, the combinations would be too many forms.
//! - **Han** is romanised syllable by syllable (pinyin readings); a name of two or more syllables
//!   also gets the form with the given-name syllables joined (习近平 → xi jinping). Its Korean
//!   reading ([`korean_reading_variants`]: each character's Hangul syllable from Unihan, then the
//!   Hangul rules: 金正恩 → kim jong un) and its Japanese readings (matched against the list's
//!   tokens by the index, see the `han` module) are further query forms.
//!
//! Everything else (Latin with diacritics, Cyrillic, Greek, Hebrew, Thai, kana, ...) goes through
//! `any_ascii`.

use unicode_normalization::UnicodeNormalization;

pub use crate::han::is_han;

/// Transliterates `name` to one or more lower-case Latin spellings (the first is the main one).
pub fn to_latin_variants(name: &str) -> Vec<String> {
    let text: String = name.nfkc().collect();
    let has_hangul = text.chars().any(is_hangul);
    let has_han = text.chars().any(is_han);
    if !has_hangul && !has_han {
        let main = to_latin(&text, Style::Main);
        if text.chars().any(is_arabic) {
            return arabic_variants(&text, main);
        }
        if text.chars().any(is_greek) {
            // Greek names carry case endings (-os, -as, -is, -es) that Latin spellings often drop
            // (Alexandros / Alexander): a second form without the final s.
            let stem: Vec<&str> = main
                .split(' ')
                .map(|w| match w.strip_suffix('s') {
                    Some(stem) if stem.len() >= 3 && stem.ends_with(['o', 'a', 'i', 'e']) => stem,
                    _ => w,
                })
                .collect();
            let stem = stem.join(" ");
            if stem != main {
                return vec![main, stem];
            }
        }
        return vec![main];
    }
    let mut out = Vec::with_capacity(4);
    let styles: &[Style] = if has_hangul {
        &[Style::Main, Style::Popular, Style::Passport]
    } else {
        &[Style::Main, Style::Popular]
    };
    for &style in styles {
        for join in [false, true] {
            let s = east_asian(&text, style, join);
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// The spellings of a name written in Arabic script. Arabic writes consonants and long vowels,
/// and the article al- before a "sun letter" is pronounced as that letter doubled (عبد الرحمن:
/// Abd ar-Rahman, Abdurrahman). So besides the letter-by-letter reading there is the assimilated
/// reading, and for each its *consonantal* form (vowels dropped after each word's first letter,
/// particles and a leading al- kept), which is all the script says for certain: the consonantal
/// tokens are recognised as abjad readings by the scorer and credited on their consonant
/// skeleton.
fn arabic_variants(text: &str, main: String) -> Vec<String> {
    let mut out = vec![main];
    let assimilated = to_latin_assimilated(text);
    if !out.contains(&assimilated) {
        out.push(assimilated);
    }
    for i in 0..out.len() {
        let c = consonantal(&out[i]);
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// The consonantal form of a Latin reading (see [`arabic_variants`]).
fn consonantal(latin: &str) -> String {
    let strip = |w: &str| -> String {
        w.chars()
            .filter(|c| !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u'))
            .collect()
    };
    latin
        .split(' ')
        .map(|w| {
            if w.len() <= 3 || crate::text::is_particle(w) {
                return w.to_owned();
            }
            let (keep, rest) = if w.starts_with("al") {
                w.split_at(2)
            } else {
                w.split_at(w.chars().next().map_or(0, char::len_utf8))
            };
            format!("{keep}{}", strip(rest))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The Arabic letters before which the article's l is assimilated (the sun letters).
fn is_sun_letter(c: char) -> bool {
    matches!(
        c,
        'ت' | 'ث' | 'د' | 'ذ' | 'ر' | 'ز' | 'س' | 'ش' | 'ص' | 'ض' | 'ط' | 'ظ' | 'ن'
    )
}

/// Reads Arabic text with the article assimilated before sun letters (الرحمن → arrahman).
fn to_latin_assimilated(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let article_l = c == 'ل'
            && i >= 1
            && matches!(chars[i - 1], 'ا' | 'ٱ')
            && (i == 1 || !is_arabic_letter(chars[i - 2]))
            && chars.get(i + 1).copied().is_some_and(is_sun_letter);
        if article_l {
            continue;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if is_arabic(c) {
            arabic_char(&chars, i, &mut out);
        } else {
            out.push_str(&any_ascii::any_ascii_char(c).to_ascii_lowercase());
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Main,
    Popular,
    /// Hangul only: the conventional surname with the given name in the Revised Romanization,
    /// as South Korean passports mostly write names now (박근혜 → park geun hye).
    Passport,
}

/// Transliterates with the main rules of each script.
fn to_latin(text: &str, style: Style) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if is_arabic(c) {
            arabic_char(&chars, i, &mut out);
        } else if is_hangul(c) {
            hangul_syllable(c, style, false, &mut out);
        } else {
            out.push_str(&any_ascii::any_ascii_char(c).to_ascii_lowercase());
        }
    }
    out
}

/// Romanises text with Han or Hangul: each word's syllables separated by spaces, or (with `join`)
/// the first syllable (the surname) apart and the rest joined.
fn east_asian(text: &str, style: Style, join: bool) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for word in text.split(|c: char| c.is_whitespace() || c == '·' || c == '・') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        let syllables: Vec<char> = word.chars().collect();
        let east = syllables.iter().all(|&c| is_han(c) || is_hangul(c));
        if !east {
            out.push_str(&to_latin(word, style));
            continue;
        }
        for (i, &c) in syllables.iter().enumerate() {
            if i > 0 && !(join && i >= 2) {
                out.push(' ');
            }
            if is_hangul(c) {
                hangul_syllable(c, style, i == 0 && syllables.len() >= 2, &mut out);
            } else {
                out.push_str(&any_ascii::any_ascii_char(c).to_ascii_lowercase());
            }
        }
    }
    out
}

/// The Latin spellings of the Korean reading of a name written (partly) in Han characters: each
/// character read as its Hangul syllable (Unihan's `kHangul`), then romanised by
/// the Hangul rules (Revised and popular spellings, given names split and joined). Empty for a
/// name without Han characters.
pub fn korean_reading_variants(name: &str) -> Vec<String> {
    let text: String = name.nfkc().collect();
    if !text.chars().any(is_han) {
        return Vec::new();
    }
    romanised_readings(&crate::han::korean_readings(&text))
}

/// The Latin spellings of Korean readings in Hangul (see [`korean_reading_variants`]).
pub(crate) fn romanised_readings(readings: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for hangul in readings {
        for latin in to_latin_variants(hangul) {
            if !out.contains(&latin) {
                out.push(latin);
            }
        }
    }
    out
}

/// True when `name` has Hangul syllables.
pub(crate) fn has_hangul(name: &str) -> bool {
    name.chars().any(is_hangul)
}

/// The spellings of one Hangul syllable that Korean names are written in. Names are not
/// written in one romanisation: besides the Revised Romanization, South Koreans long wrote
/// their names (and the press still writes the well-known ones) in McCune–Reischauer without
/// its marks, or in spellings modelled on English, and chose per syllable (Chung Ju-yung: ㅓ
/// u, ㅜ u, ㅕ yu; Roh Moo-hyun: ㅜ oo). So a syllable has a set of spellings, the product of:
///
/// - its initial: the plain stops and ㅈ also unvoiced, as McCune–Reischauer writes them at
///   the start of a word (ㄱ g/k, ㄷ d/t, ㅂ b/p, ㅈ j/ch), ㅅ before ㅣ also sh;
/// - its vowel: ㅓ eo/o/u (Revised, McCune–Reischauer's ŏ, popular: Myung, Sung, Bum), ㅕ
///   yeo/yo/yu/you (Hyun, Young), ㅜ u/oo (Moo, Moon) and woo without an initial (Tae-woo),
///   ㅠ yu/yoo, ㅡ eu/u (MR's ŭ: Un), ㅢ
///   ui and, after a consonant, i/ee as it is said (Hee), or eui without one, ㅚ oe/oi;
/// - its final, as the Revised Romanization writes it;
///
/// and a surname's conventional spelling ([`korean_surname`]: 이 Lee, 박 Park). These are rules
/// about writing Korean, not about particular people.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct SyllableSpellings {
    initials: &'static [&'static str],
    vowels: &'static [&'static str],
    last: &'static str,
    surname: Option<&'static str>,
}

impl SyllableSpellings {
    /// The spellings of Hangul syllable `c` (read as a surname when `surname`); None for
    /// another character.
    pub(crate) fn of(c: char, surname: bool) -> Option<Self> {
        if !is_hangul(c) {
            return None;
        }
        let s = c as usize - 0xAC00;
        let (l, v, t) = (s / 588, (s % 588) / 28, s % 28);
        let initials: &'static [&'static str] = match l {
            0 => &["g", "k"],
            3 => &["d", "t"],
            7 => &["b", "p"],
            12 => &["j", "ch"],
            9 if v == 20 => &["s", "sh"],
            _ => std::slice::from_ref(&RR_INITIALS[l]),
        };
        let vowels: &'static [&'static str] = match v {
            4 => &["eo", "o", "u"],
            6 => &["yeo", "yo", "yu", "you"],
            11 => &["oe", "oi"],
            13 if l == 11 => &["u", "oo", "woo"],
            13 => &["u", "oo"],
            17 => &["yu", "yoo"],
            18 => &["eu", "u"],
            19 if l == 11 => &["ui", "eui"],
            19 => &["ui", "i", "ee"],
            _ => std::slice::from_ref(&RR_VOWELS[v]),
        };
        Some(SyllableSpellings {
            initials,
            vowels,
            last: FINALS[t],
            surname: if surname { korean_surname(c) } else { None },
        })
    }

    /// Calls `f` once per spelling with the spelling appended to `buf`, which it then
    /// restores (a spelling may come twice).
    pub(crate) fn each(&self, buf: &mut String, f: &mut dyn FnMut(&mut String)) {
        let base = buf.len();
        if let Some(s) = self.surname {
            buf.push_str(s);
            f(buf);
            buf.truncate(base);
        }
        for i in self.initials {
            for v in self.vowels {
                buf.push_str(i);
                buf.push_str(v);
                buf.push_str(self.last);
                f(buf);
                buf.truncate(base);
            }
        }
    }

    /// Calls `f` with what follows each spelling that `t` begins with, until `f` returns true;
    /// true when it did.
    pub(crate) fn strip(&self, t: &str, f: &mut dyn FnMut(&str) -> bool) -> bool {
        if let Some(r) = self.surname.and_then(|s| t.strip_prefix(s))
            && f(r)
        {
            return true;
        }
        for i in self.initials {
            let Some(r) = t.strip_prefix(i) else {
                continue;
            };
            for v in self.vowels {
                if let Some(r) = r.strip_prefix(v).and_then(|r| r.strip_prefix(self.last))
                    && f(r)
                {
                    return true;
                }
            }
        }
        false
    }

    /// True when `t` is one of the spellings.
    pub(crate) fn spells(&self, t: &str) -> bool {
        self.strip(t, &mut str::is_empty)
    }
}

/// The [`SyllableSpellings`] of each word of `text` written wholly in Hangul, word by word;
/// the first syllable of a word may be a surname (its conventional spelling is one more),
/// whether the word is the whole name or the surname written apart (영철 이).
pub(crate) fn korean_spellings(text: &str) -> Vec<Vec<SyllableSpellings>> {
    text.split(|c: char| c.is_whitespace() || c == '·' || c == '・')
        .filter_map(|word| {
            word.chars()
                .enumerate()
                .map(|(i, c)| SyllableSpellings::of(c, i == 0))
                .collect::<Option<Vec<_>>>()
                .filter(|w| !w.is_empty())
        })
        .collect()
}

/// True when `name` has letters in Arabic script (Arabic, Persian, Urdu).
pub fn is_arabic_script(name: &str) -> bool {
    name.chars().any(is_arabic)
}

fn is_greek(c: char) -> bool {
    matches!(c as u32, 0x0370..=0x03FF | 0x1F00..=0x1FFF)
}

fn is_hangul(c: char) -> bool {
    matches!(c as u32, 0xAC00..=0xD7A3)
}

fn is_arabic(c: char) -> bool {
    matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

static RR_INITIALS: [&str; 19] = [
    "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p",
    "h",
];
const POPULAR_INITIALS: [&str; 19] = [
    "k", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p",
    "h",
];
static RR_VOWELS: [&str; 21] = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
    "wi", "yu", "eu", "ui", "i",
];
const POPULAR_VOWELS: [&str; 21] = [
    "a", "ae", "ya", "yae", "o", "e", "yo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
    "wi", "yu", "u", "ui", "i",
];
const FINALS: [&str; 28] = [
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p",
    "t", "t", "ng", "t", "t", "k", "t", "p", "t",
];

/// The conventional Latin spelling of common Korean surnames (general name data).
fn korean_surname(c: char) -> Option<&'static str> {
    Some(match c {
        '김' => "kim",
        '이' => "lee",
        '박' => "park",
        '최' => "choi",
        '정' => "jung",
        '강' => "kang",
        '조' => "cho",
        '윤' => "yoon",
        '장' => "jang",
        '임' => "lim",
        '오' => "oh",
        '신' => "shin",
        '권' => "kwon",
        '안' => "ahn",
        '유' => "yoo",
        '노' => "roh",
        '문' => "moon",
        '심' => "shim",
        '우' => "woo",
        '류' => "ryu",
        _ => return None,
    })
}

fn hangul_syllable(c: char, style: Style, surname: bool, out: &mut String) {
    if style != Style::Main
        && surname
        && let Some(s) = korean_surname(c)
    {
        out.push_str(s);
        return;
    }
    let s = (c as u32).saturating_sub(0xAC00) as usize;
    let (l, v, t) = (s / 588, (s % 588) / 28, s % 28);
    let (initials, vowels) = match style {
        Style::Main | Style::Passport => (&RR_INITIALS, &RR_VOWELS),
        Style::Popular => (&POPULAR_INITIALS, &POPULAR_VOWELS),
    };
    out.push_str(initials.get(l).copied().unwrap_or(""));
    out.push_str(vowels.get(v).copied().unwrap_or(""));
    out.push_str(FINALS.get(t).copied().unwrap_or(""));
}

fn arabic_char(chars: &[char], i: usize, out: &mut String) {
    let c = chars[i];
    let word_start = i == 0 || !chars.get(i - 1).copied().is_some_and(is_arabic_letter);
    let s: &str = match c {
        // Alef and its forms: "a" ("i" for alef with hamza below).
        'ا' | 'أ' | 'آ' | 'ٱ' => "a",
        'إ' => "i",
        'ء' | 'ؤ' | 'ئ' => "",
        'ب' => "b",
        'ت' => "t",
        'ث' => "th",
        'ج' => "j",
        'ح' => "h",
        'خ' => "kh",
        'د' => "d",
        'ذ' => "dh",
        'ر' => "r",
        'ز' => "z",
        'س' => "s",
        'ش' => "sh",
        'ص' => "s",
        'ض' => "d",
        'ط' => "t",
        'ظ' => "z",
        'ع' => {
            if word_start {
                "a"
            } else {
                ""
            }
        }
        'غ' => "gh",
        'ف' => "f",
        'ق' => "q",
        'ك' | 'ک' => "k",
        'ل' => "l",
        'م' => "m",
        'ن' | 'ں' => "n",
        'ه' | 'ہ' | 'ھ' => "h",
        'ة' => "a",
        'و' => {
            if word_start {
                "w"
            } else {
                "u"
            }
        }
        'ي' | 'ی' | 'ى' | 'ے' => {
            if word_start {
                "y"
            } else if c == 'ى' {
                "a"
            } else {
                "i"
            }
        }
        'پ' => "p",
        'چ' => "ch",
        'ژ' => "zh",
        'گ' => "g",
        'ٹ' => "t",
        'ڈ' => "d",
        'ڑ' => "r",
        // Short vowels and tanween, when written.
        '\u{064E}' => "a",
        '\u{0650}' => "i",
        '\u{064F}' => "u",
        '\u{064B}'..='\u{064D}' | '\u{0651}' | '\u{0652}' | '\u{0670}' | '\u{0640}' => "",
        '\u{060C}' => ",",
        _ => {
            out.push_str(&any_ascii::any_ascii_char(c).to_ascii_lowercase());
            return;
        }
    };
    out.push_str(s);
}

fn is_arabic_letter(c: char) -> bool {
    is_arabic(c) && c.is_alphabetic()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_reads_like_latin_spellings_of_names() {
        assert_eq!(to_latin_variants("محمد علي"), ["mhmd ali"]);
        assert_eq!(to_latin_variants("عبد الله"), ["abd allh"]);
        // The assimilated article and the consonantal forms.
        let v = to_latin_variants("عبد الرحيم");
        assert_eq!(v, ["abd alrhim", "abd arhim", "abd alrhm", "abd arhm"]);
    }

    #[test]
    fn hangul_has_revised_and_popular_spellings() {
        let v = to_latin_variants("김정은");
        assert!(v.contains(&"gim jeong eun".to_owned()), "{v:?}");
        assert!(v.contains(&"kim jong un".to_owned()), "{v:?}");
        assert!(v.contains(&"kim jongun".to_owned()), "{v:?}");
    }

    #[test]
    fn han_syllables_are_split_and_given_names_joined() {
        let v = to_latin_variants("习近平");
        assert!(v.contains(&"xi jin ping".to_owned()), "{v:?}");
        assert!(v.contains(&"xi jinping".to_owned()), "{v:?}");
    }

    #[test]
    fn han_read_in_korean_gets_the_hangul_spellings() {
        let v = korean_reading_variants("金正恩");
        assert!(v.contains(&"kim jong un".to_owned()), "{v:?}");
        let v = korean_reading_variants("朴槿惠");
        assert!(v.contains(&"park geun hye".to_owned()), "{v:?}");
        assert!(v.contains(&"bak geun hye".to_owned()), "{v:?}");
        assert!(korean_reading_variants("김정은").is_empty());
    }

    #[test]
    fn korean_syllables_have_their_popular_spellings() {
        let all = |c: char, surname: bool| {
            let mut v = Vec::new();
            SyllableSpellings::of(c, surname)
                .unwrap()
                .each(&mut String::new(), &mut |b| v.push(b.clone()));
            v
        };
        // ㅕ: yeo, yo, yu, you; ㅂ b/p; ㅜ u/oo; ㅓ eo/o/u with ㅈ j/ch.
        for (c, s) in [
            ('명', "myung"),
            ('영', "young"),
            ('영', "yung"),
            ('무', "moo"),
        ] {
            assert!(all(c, false).contains(&s.to_owned()), "{c} {s}");
        }
        assert!(all('정', true).contains(&"chung".to_owned()));
        assert!(all('정', false).contains(&"jeong".to_owned()));
        assert!(all('희', false).contains(&"hee".to_owned()));
        // The conventional surname only for a surname.
        assert!(all('박', true).contains(&"park".to_owned()));
        assert!(!all('박', false).contains(&"park".to_owned()));
        // Every spelling is recognised, and nothing else.
        let s = SyllableSpellings::of('현', false).unwrap();
        for t in all('현', false) {
            assert!(s.spells(&t), "{t}");
        }
        for t in ["hyu", "hyunn", "hun", "kyun", ""] {
            assert!(!s.spells(t), "{t}");
        }
        assert!(SyllableSpellings::of('a', false).is_none());
        let words = korean_spellings("김 정은 x");
        assert_eq!(words.len(), 2);
        assert_eq!(words[1].len(), 2);
    }

    #[test]
    fn other_scripts_use_any_ascii() {
        assert_eq!(to_latin_variants("Владимир"), ["vladimir"]);
        assert_eq!(to_latin_variants("José Ñúñez"), ["jose nunez"]);
    }
}

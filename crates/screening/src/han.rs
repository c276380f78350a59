//! Korean and Japanese readings of Han characters, for names written in Han (hanja, kanji).
//!
//! Han characters are read differently in each language: 金正恩 is Jin Zhengen in Mandarin,
//! Kim Jong Un in Korean; 山田太郎 is Yamada Taro in Japanese. The readings of each character come
//! from the Unicode Han Database (Unihan, fields `kHangul`, `kJapaneseKun`, `kJapaneseOn`;
//! Unicode License), derived into `han_readings.txt` by `scripts/han_readings.py` with the
//! licence in `han_readings.LICENSE.txt`. This is general data about characters, not about
//! particular names.
//!
//! - **Korean**: a character has one syllable (sometimes two) in Hangul, so a name's Korean
//!   reading is spelled character by character ([`korean_readings`]); the Hangul is then
//!   romanised by the Hangul rules of [`crate::translit`] (Revised and popular spellings,
//!   conventional surnames, and each syllable's other conventional spellings when a list token
//!   is one of them: 李明博 → Lee Myung-bak). The initial-sound rule of South Korean usage is applied to a name's
//!   first syllable: an initial ㄹ reads ㅇ before i/y and ㄴ elsewhere, an initial ㄴ before i/y
//!   reads ㅇ (李 리 → 이 Lee, 盧 로 → 노 Roh).
//! - **Japanese**: a character has several readings and a name joins them in ways a character
//!   table cannot predict (山田 is yama + da). So the Japanese reading is not spelled out in
//!   advance: [`Kana::spans`] lists, for each run of one to three characters, the list tokens
//!   that one of the run's reading sequences spells, with the second and later characters of a
//!   run also voiced (rendaku: k→g, s→z, t→d, h→b) and long vowels compared loosely
//!   ([`kana_key`]: ou/oo/oh → o, uu → u, m before b/p → n); an adjective's kun reading also
//!   reads as its stem (高い takai → Taka-hashi). The index then makes query forms of
//!   the ways to cover a whole word with such runs (see `Index::query_forms`), so a Han name
//!   only meets Latin names every part of which is one of its readings.

use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("han_readings.txt");

/// One character's readings: Hangul syllables, and Japanese readings (kun, then on).
struct Readings {
    hangul: &'static str,
    japanese: Vec<&'static str>,
}

fn table() -> &'static HashMap<char, Readings> {
    static TABLE_MAP: OnceLock<HashMap<char, Readings>> = OnceLock::new();
    TABLE_MAP.get_or_init(|| {
        let mut map = HashMap::with_capacity(15_000);
        for line in TABLE.lines() {
            if line.starts_with('#') {
                continue;
            }
            let mut fields = line.split('\t');
            let (Some(c), Some(hangul), Some(japanese)) = (
                fields.next().and_then(|c| c.chars().next()),
                fields.next(),
                fields.next(),
            ) else {
                continue;
            };
            map.insert(
                c,
                Readings {
                    hangul,
                    japanese: japanese.split(' ').filter(|r| !r.is_empty()).collect(),
                },
            );
        }
        map
    })
}

/// True for a Han character (unified ideographs, extension A and B, compatibility ideographs).
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0xF900..=0xFAFF)
}

/// The ideographic iteration mark: the previous character again (佐々木 = 佐佐木).
const ITERATION: char = '々';

/// The fewest Han characters of a name read in Korean or Japanese.
const MIN_READ: usize = 3;

/// True when `name` has enough Han characters to be read in Korean or Japanese. Korean names are
/// nearly all of three syllables (a one-syllable surname, a two-syllable given name), Japanese
/// ones mostly of three or four characters, where two-character names are common in Chinese: a
/// shorter name is not read, or Chinese names would meet Korean and Japanese ones on a reading
/// of two syllables alone (柳秦 read in Japanese is Ryu Jin).
pub(crate) fn long_enough(name: &str) -> bool {
    name.chars()
        .filter(|&c| is_han(c) || c == ITERATION)
        .count()
        >= MIN_READ
}

/// Most Korean readings made of one name (characters with two readings multiply them).
const MAX_KOREAN: usize = 4;

/// The name with each Han character replaced by its Korean reading in Hangul: one or more
/// spellings (a character with two readings gives two), the first syllable of each word also
/// under the initial-sound rule. Empty when the name has no Han character with a Korean reading.
pub(crate) fn korean_readings(name: &str) -> Vec<String> {
    if !long_enough(name) {
        return Vec::new();
    }
    let table = table();
    let mut out: Vec<String> = vec![String::new()];
    let mut any = false;
    let mut word_start = true;
    let mut prev: Option<char> = None;
    for c in name.chars() {
        let c = if c == ITERATION { prev.unwrap_or(c) } else { c };
        let options: Vec<char> = if is_han(c) {
            // A Han character without a Korean reading: the name is not read in Korean (no
            // mixing with the pinyin of that character).
            let Some(r) = table.get(&c).filter(|r| !r.hangul.is_empty()) else {
                return Vec::new();
            };
            any = true;
            let mut v: Vec<char> = r.hangul.chars().collect();
            if word_start
                && let Some(first) = v.first().copied().and_then(initial_sound_rule)
                && !v.contains(&first)
            {
                v.push(first);
            }
            v
        } else {
            vec![c]
        };
        word_start = c.is_whitespace() || c == '·' || c == '・';
        prev = Some(c);
        let mut next = Vec::with_capacity(out.len() * options.len());
        for s in &out {
            for &o in &options {
                if next.len() < MAX_KOREAN {
                    let mut t = s.clone();
                    t.push(o);
                    next.push(t);
                }
            }
        }
        out = next;
    }
    if any { out } else { Vec::new() }
}

/// The South Korean initial-sound rule (두음법칙) for a word's first syllable: ㄹ before i/y
/// reads ㅇ, ㄹ elsewhere ㄴ, ㄴ before i/y ㅇ. None when the rule does not change it.
fn initial_sound_rule(syllable: char) -> Option<char> {
    let s = (syllable as u32)
        .checked_sub(0xAC00)
        .filter(|&s| s < 11_172)?;
    let (l, v, t) = (s / 588, (s % 588) / 28, s % 28);
    // Vowels i, ya, yae, yeo, ye, yo, yu: ㅣ ㅑ ㅒ ㅕ ㅖ ㅛ ㅠ.
    let iy = matches!(v, 20 | 2 | 3 | 6 | 7 | 12 | 17);
    let l = match (l, iy) {
        (5, true) | (2, true) => 11, // ㄹ/ㄴ → ㅇ
        (5, false) => 2,             // ㄹ → ㄴ
        _ => return None,
    };
    char::from_u32(0xAC00 + l * 588 + v * 28 + t)
}

/// A Latin spelling folded for comparing Japanese readings: lower-case letters with long vowels
/// written one way (ou, oo, oh before a consonant or at the end → o; uu → u) and the syllabic n
/// before b, p or m written n (Homma / Honma, Namba / Nanba).
pub(crate) fn kana_key(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let vowel = |x: Option<u8>| matches!(x, Some(b'a' | b'e' | b'i' | b'o' | b'u'));
        match (c, next) {
            (b'o', Some(b'u' | b'o')) | (b'u', Some(b'u')) => {
                out.push(c as char);
                i += 2;
                continue;
            }
            (b'o', Some(b'h')) if !vowel(b.get(i + 2).copied()) => {
                out.push('o');
                i += 2;
                continue;
            }
            (b'm', Some(b'b' | b'p' | b'm')) => out.push('n'),
            _ => out.push(c as char),
        }
        i += 1;
    }
    out
}

/// The stem of a kun reading that is an adjective (高い takai, 広い hiroi, 正しい tadashii), which
/// is what names use (Taka-hashi, Hiro-se, Tadashi): the reading without its final i, when a
/// vowel comes before it. Unihan writes kun readings whole, with their inflection.
fn adjective_stem(reading: &str) -> Option<&str> {
    let stem = reading.strip_suffix('i')?;
    (stem.len() >= 2 && stem.ends_with(['a', 'i', 'o', 'u'])).then_some(stem)
}

/// The reading with its first consonant voiced, as the second part of a compound often is
/// (rendaku: ta → da, ki → gi, sa → za, shi → ji, chi → ji, tsu → zu, ha → ba, fu → bu).
fn voiced(r: &str) -> Option<String> {
    let (from, to) = [
        ("sh", "j"),
        ("ch", "j"),
        ("ts", "z"),
        ("k", "g"),
        ("s", "z"),
        ("t", "d"),
        ("h", "b"),
        ("f", "b"),
    ]
    .into_iter()
    .find(|(from, _)| r.starts_with(from))?;
    Some(format!("{to}{}", &r[from.len()..]))
}

/// Most characters in one run of a Japanese name part (surnames and given names are mostly of
/// one to three characters).
const MAX_RUN: usize = 3;

/// Most reading sequences tried from one starting character (a bound on the work for a
/// character with many readings; the prefix check prunes most long before).
const MAX_TRIES: usize = 4_000;

/// The Japanese readings of one word of Han characters, matched against a set of Latin tokens.
pub(crate) struct Kana {
    /// Per character: its readings.
    chars: Vec<Vec<&'static str>>,
}

impl Kana {
    /// The readings of `word`; None unless every character is Han (or the iteration mark) with
    /// a Japanese reading.
    pub(crate) fn new(word: &str) -> Option<Kana> {
        let table = table();
        let mut chars = Vec::new();
        let mut prev: Option<char> = None;
        for c in word.chars() {
            let c = if c == ITERATION { prev? } else { c };
            if !is_han(c) {
                return None;
            }
            let r = table.get(&c)?;
            if r.japanese.is_empty() {
                return None;
            }
            let mut readings = r.japanese.clone();
            for &reading in &r.japanese {
                if let Some(stem) = adjective_stem(reading)
                    && !readings.contains(&stem)
                {
                    readings.push(stem);
                }
            }
            chars.push(readings);
            prev = Some(c);
        }
        (!chars.is_empty()).then_some(Kana { chars })
    }
    /// For each start character, the runs that spell a known key: `(end, key)` pairs, where
    /// `known(key)` says a token with that [`kana_key`] exists and `prefix(key)` that one starts
    /// with it.
    pub(crate) fn spans(
        &self,
        known: impl Fn(&str) -> bool,
        prefix: impl Fn(&str) -> bool,
    ) -> Vec<Vec<(usize, String)>> {
        let n = self.chars.len();
        let mut out = vec![Vec::new(); n];
        for (start, found) in out.iter_mut().enumerate() {
            let mut tries = 0;
            let mut stack: Vec<(usize, String)> = vec![(start, String::new())];
            while let Some((at, spelled)) = stack.pop() {
                if at >= n || at - start >= MAX_RUN {
                    continue;
                }
                for &r in &self.chars[at] {
                    let voiced_r = if at > start { voiced(r) } else { None };
                    for r in std::iter::once(r.to_owned()).chain(voiced_r) {
                        tries += 1;
                        if tries > MAX_TRIES {
                            break;
                        }
                        let s = format!("{spelled}{r}");
                        let key = kana_key(&s);
                        if key.len() >= 2 && known(&key) && !found.contains(&(at + 1, key.clone()))
                        {
                            found.push((at + 1, key.clone()));
                        }
                        if at + 1 < n && at + 1 - start < MAX_RUN && prefix(&key) {
                            stack.push((at + 1, s));
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_readings_spell_each_character_in_hangul() {
        assert_eq!(korean_readings("金正恩"), ["금정은", "김정은"]);
        assert_eq!(korean_readings("朴槿惠"), ["박근혜"]);
        // The initial-sound rule on a surname: 李 리 → 이, 盧 로 → 노.
        assert!(korean_readings("李明博").contains(&"이명박".to_owned()));
        assert!(korean_readings("盧武鉉").contains(&"노무현".to_owned()));
        assert!(korean_readings("Kim").is_empty());
    }

    #[test]
    fn kana_keys_fold_long_vowels_and_syllabic_n() {
        assert_eq!(kana_key("tarou"), "taro");
        assert_eq!(kana_key("taroh"), "taro");
        assert_eq!(kana_key("taroo"), "taro");
        assert_eq!(kana_key("yuuki"), "yuki");
        assert_eq!(kana_key("homma"), "honma");
        assert_eq!(kana_key("ohashi"), "ohashi");
        assert_eq!(kana_key("ohno"), "ono");
        assert_eq!(voiced("ta").as_deref(), Some("da"));
        assert_eq!(voiced("shima").as_deref(), Some("jima"));
        assert_eq!(voiced("naka"), None);
        assert_eq!(adjective_stem("takai"), Some("taka"));
        assert_eq!(adjective_stem("tadashii"), Some("tadashi"));
        assert_eq!(adjective_stem("megumi"), None);
        assert_eq!(adjective_stem("ichi"), None);
    }

    #[test]
    fn japanese_runs_spell_list_tokens_with_voicing() {
        let tokens = ["yamada", "taro", "tanaka", "hanako"];
        let keys: Vec<String> = tokens.iter().map(|t| kana_key(t)).collect();
        let known = |k: &str| keys.iter().any(|t| t == k);
        let prefix = |k: &str| keys.iter().any(|t| t.starts_with(k));
        let kana = Kana::new("山田太郎").expect("readings");
        let spans = kana.spans(known, prefix);
        assert!(spans[0].contains(&(2, "yamada".to_owned())), "{spans:?}");
        assert!(spans[2].contains(&(4, "taro".to_owned())), "{spans:?}");
        assert!(Kana::new("山田 太郎").is_none(), "one word at a time");
        assert!(Kana::new("yamada").is_none());
    }
}

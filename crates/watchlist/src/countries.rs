//! Country names and codes to ISO 3166-1 alpha-2 codes.
//!
//! Lists spell countries in many ways: ISO alpha-2 or alpha-3 codes, short English names
//! ("Russia"), formal names ("Russian Federation"), inverted names ("Korea, North"), names with
//! diacritics or without ("Türkiye", "Cote d Ivoire") and demonyms used as nationalities
//! ("Iranian"). [`to_code`] maps all of these to one lower-case alpha-2 code; [`name`] gives the
//! English short name of a code. Kosovo is included with the user-assigned code `xk`, as most
//! lists do. Historic countries (Soviet Union, Yugoslavia) are deliberately not mapped, since
//! they have no single successor.

use std::collections::HashMap;
use std::sync::LazyLock;

/// One country: alpha-2 code, alpha-3 code, English short name, other names and demonyms.
type Country = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

/// ISO 3166-1 (plus Kosovo), with the alternative spellings lists use.
const COUNTRIES: &[Country] = &[
    ("ad", "and", "Andorra", &[]),
    (
        "ae",
        "are",
        "United Arab Emirates",
        &["UAE", "U.A.E.", "Emirates", "Emirati"],
    ),
    (
        "af",
        "afg",
        "Afghanistan",
        &["Afghan", "Islamic Emirate of Afghanistan"],
    ),
    ("ag", "atg", "Antigua and Barbuda", &["Antiguan"]),
    ("ai", "aia", "Anguilla", &[]),
    ("al", "alb", "Albania", &["Albanian"]),
    ("am", "arm", "Armenia", &["Armenian"]),
    ("ao", "ago", "Angola", &["Angolan"]),
    ("aq", "ata", "Antarctica", &[]),
    ("ar", "arg", "Argentina", &["Argentinian", "Argentine"]),
    ("as", "asm", "American Samoa", &[]),
    ("at", "aut", "Austria", &["Austrian"]),
    ("au", "aus", "Australia", &["Australian"]),
    ("aw", "abw", "Aruba", &[]),
    ("ax", "ala", "Åland Islands", &[]),
    ("az", "aze", "Azerbaijan", &["Azerbaijani", "Azeri"]),
    (
        "ba",
        "bih",
        "Bosnia and Herzegovina",
        &["Bosnia-Herzegovina", "Bosnia", "Bosnian"],
    ),
    ("bb", "brb", "Barbados", &[]),
    ("bd", "bgd", "Bangladesh", &["Bangladeshi"]),
    ("be", "bel", "Belgium", &["Belgian"]),
    ("bf", "bfa", "Burkina Faso", &["Burkinabe"]),
    ("bg", "bgr", "Bulgaria", &["Bulgarian"]),
    ("bh", "bhr", "Bahrain", &["Bahraini"]),
    ("bi", "bdi", "Burundi", &["Burundian"]),
    ("bj", "ben", "Benin", &["Beninese"]),
    ("bl", "blm", "Saint Barthélemy", &[]),
    ("bm", "bmu", "Bermuda", &[]),
    ("bn", "brn", "Brunei Darussalam", &["Brunei"]),
    (
        "bo",
        "bol",
        "Bolivia",
        &["Plurinational State of Bolivia", "Bolivian"],
    ),
    (
        "bq",
        "bes",
        "Bonaire, Sint Eustatius and Saba",
        &["Caribbean Netherlands"],
    ),
    ("br", "bra", "Brazil", &["Brazilian"]),
    ("bs", "bhs", "Bahamas", &["Bahamian"]),
    ("bt", "btn", "Bhutan", &[]),
    ("bv", "bvt", "Bouvet Island", &[]),
    ("bw", "bwa", "Botswana", &[]),
    ("by", "blr", "Belarus", &["Belarusian", "Byelorussia"]),
    ("bz", "blz", "Belize", &[]),
    ("ca", "can", "Canada", &["Canadian"]),
    ("cc", "cck", "Cocos (Keeling) Islands", &["Cocos Islands"]),
    (
        "cd",
        "cod",
        "Congo, Democratic Republic of the",
        &[
            "Democratic Republic of Congo",
            "DR Congo",
            "DRC",
            "Congo-Kinshasa",
            "Congo (Kinshasa)",
            "Zaire",
        ],
    ),
    ("cf", "caf", "Central African Republic", &["CAR"]),
    (
        "cg",
        "cog",
        "Congo",
        &[
            "Republic of the Congo",
            "Congo, Republic of the",
            "Congo-Brazzaville",
            "Congo (Brazzaville)",
        ],
    ),
    ("ch", "che", "Switzerland", &["Swiss"]),
    (
        "ci",
        "civ",
        "Côte d'Ivoire",
        &["Cote d'Ivoire", "Ivory Coast", "Ivorian"],
    ),
    ("ck", "cok", "Cook Islands", &[]),
    ("cl", "chl", "Chile", &["Chilean"]),
    ("cm", "cmr", "Cameroon", &["Cameroonian"]),
    (
        "cn",
        "chn",
        "China",
        &["People's Republic of China", "PRC", "Chinese"],
    ),
    ("co", "col", "Colombia", &["Colombian"]),
    ("cr", "cri", "Costa Rica", &["Costa Rican"]),
    ("cu", "cub", "Cuba", &["Cuban"]),
    ("cv", "cpv", "Cabo Verde", &["Cape Verde"]),
    ("cw", "cuw", "Curaçao", &[]),
    ("cx", "cxr", "Christmas Island", &[]),
    ("cy", "cyp", "Cyprus", &["Cypriot"]),
    ("cz", "cze", "Czechia", &["Czech Republic", "Czech"]),
    (
        "de",
        "deu",
        "Germany",
        &["Federal Republic of Germany", "German"],
    ),
    ("dj", "dji", "Djibouti", &[]),
    ("dk", "dnk", "Denmark", &["Danish"]),
    ("dm", "dma", "Dominica", &[]),
    ("do", "dom", "Dominican Republic", &["Dominican"]),
    ("dz", "dza", "Algeria", &["Algerian"]),
    ("ec", "ecu", "Ecuador", &["Ecuadorian"]),
    ("ee", "est", "Estonia", &["Estonian"]),
    (
        "eg",
        "egy",
        "Egypt",
        &["Egyptian", "Arab Republic of Egypt"],
    ),
    ("eh", "esh", "Western Sahara", &[]),
    ("er", "eri", "Eritrea", &["Eritrean"]),
    ("es", "esp", "Spain", &["Spanish"]),
    ("et", "eth", "Ethiopia", &["Ethiopian"]),
    ("fi", "fin", "Finland", &["Finnish"]),
    ("fj", "fji", "Fiji", &[]),
    (
        "fk",
        "flk",
        "Falkland Islands",
        &["Falkland Islands (Malvinas)"],
    ),
    (
        "fm",
        "fsm",
        "Micronesia",
        &[
            "Micronesia, Federated States of",
            "Federated States of Micronesia",
        ],
    ),
    ("fo", "fro", "Faroe Islands", &[]),
    ("fr", "fra", "France", &["French"]),
    ("ga", "gab", "Gabon", &["Gabonese"]),
    (
        "gb",
        "gbr",
        "United Kingdom",
        &[
            "United Kingdom of Great Britain and Northern Ireland",
            "UK",
            "U.K.",
            "Great Britain",
            "Britain",
            "England",
            "Scotland",
            "Wales",
            "Northern Ireland",
            "British",
        ],
    ),
    ("gd", "grd", "Grenada", &[]),
    ("ge", "geo", "Georgia", &["Georgian"]),
    ("gf", "guf", "French Guiana", &[]),
    ("gg", "ggy", "Guernsey", &[]),
    ("gh", "gha", "Ghana", &["Ghanaian"]),
    ("gi", "gib", "Gibraltar", &[]),
    ("gl", "grl", "Greenland", &[]),
    ("gm", "gmb", "Gambia", &["Gambian"]),
    ("gn", "gin", "Guinea", &["Guinean"]),
    ("gp", "glp", "Guadeloupe", &[]),
    ("gq", "gnq", "Equatorial Guinea", &[]),
    ("gr", "grc", "Greece", &["Greek"]),
    (
        "gs",
        "sgs",
        "South Georgia and the South Sandwich Islands",
        &[],
    ),
    ("gt", "gtm", "Guatemala", &["Guatemalan"]),
    ("gu", "gum", "Guam", &[]),
    ("gw", "gnb", "Guinea-Bissau", &[]),
    ("gy", "guy", "Guyana", &["Guyanese"]),
    (
        "hk",
        "hkg",
        "Hong Kong",
        &[
            "Hong Kong SAR",
            "China, Hong Kong Special Administrative Region",
            "Hong Kong, China",
        ],
    ),
    ("hm", "hmd", "Heard Island and McDonald Islands", &[]),
    ("hn", "hnd", "Honduras", &["Honduran"]),
    ("hr", "hrv", "Croatia", &["Croatian"]),
    ("ht", "hti", "Haiti", &["Haitian"]),
    ("hu", "hun", "Hungary", &["Hungarian"]),
    ("id", "idn", "Indonesia", &["Indonesian"]),
    ("ie", "irl", "Ireland", &["Irish", "Republic of Ireland"]),
    ("il", "isr", "Israel", &["Israeli"]),
    ("im", "imn", "Isle of Man", &["Man, Isle of"]),
    ("in", "ind", "India", &["Indian"]),
    ("io", "iot", "British Indian Ocean Territory", &[]),
    ("iq", "irq", "Iraq", &["Iraqi"]),
    (
        "ir",
        "irn",
        "Iran",
        &[
            "Islamic Republic of Iran",
            "Iran, Islamic Republic of",
            "Iranian",
            "Persia",
        ],
    ),
    ("is", "isl", "Iceland", &["Icelandic"]),
    ("it", "ita", "Italy", &["Italian"]),
    ("je", "jey", "Jersey", &[]),
    ("jm", "jam", "Jamaica", &["Jamaican"]),
    ("jo", "jor", "Jordan", &["Jordanian"]),
    ("jp", "jpn", "Japan", &["Japanese"]),
    ("ke", "ken", "Kenya", &["Kenyan"]),
    ("kg", "kgz", "Kyrgyzstan", &["Kyrgyz Republic", "Kyrgyz"]),
    ("kh", "khm", "Cambodia", &["Cambodian"]),
    ("ki", "kir", "Kiribati", &[]),
    ("km", "com", "Comoros", &["Comorian"]),
    ("kn", "kna", "Saint Kitts and Nevis", &[]),
    (
        "kp",
        "prk",
        "North Korea",
        &[
            "Korea, North",
            "Democratic People's Republic of Korea",
            "Korea, Democratic People's Republic of",
            "DPRK",
            "North Korean",
        ],
    ),
    (
        "kr",
        "kor",
        "South Korea",
        &[
            "Korea, South",
            "Republic of Korea",
            "Korea, Republic of",
            "South Korean",
        ],
    ),
    ("kw", "kwt", "Kuwait", &["Kuwaiti"]),
    ("ky", "cym", "Cayman Islands", &[]),
    ("kz", "kaz", "Kazakhstan", &["Kazakh", "Kazakhstani"]),
    (
        "la",
        "lao",
        "Laos",
        &["Lao People's Democratic Republic", "Lao", "Laotian"],
    ),
    ("lb", "lbn", "Lebanon", &["Lebanese"]),
    ("lc", "lca", "Saint Lucia", &[]),
    ("li", "lie", "Liechtenstein", &[]),
    ("lk", "lka", "Sri Lanka", &["Sri Lankan"]),
    ("lr", "lbr", "Liberia", &["Liberian"]),
    ("ls", "lso", "Lesotho", &[]),
    ("lt", "ltu", "Lithuania", &["Lithuanian"]),
    ("lu", "lux", "Luxembourg", &[]),
    ("lv", "lva", "Latvia", &["Latvian"]),
    ("ly", "lby", "Libya", &["Libyan", "Libyan Arab Jamahiriya"]),
    ("ma", "mar", "Morocco", &["Moroccan"]),
    ("mc", "mco", "Monaco", &[]),
    (
        "md",
        "mda",
        "Moldova",
        &["Republic of Moldova", "Moldova, Republic of", "Moldovan"],
    ),
    ("me", "mne", "Montenegro", &["Montenegrin"]),
    ("mf", "maf", "Saint Martin", &["Saint Martin (French part)"]),
    ("mg", "mdg", "Madagascar", &[]),
    ("mh", "mhl", "Marshall Islands", &[]),
    (
        "mk",
        "mkd",
        "North Macedonia",
        &[
            "Macedonia",
            "Macedonia, The Former Yugoslav Republic of",
            "The former Yugoslav Republic of Macedonia",
            "Macedonian",
        ],
    ),
    ("ml", "mli", "Mali", &["Malian"]),
    ("mm", "mmr", "Myanmar", &["Burma", "Burmese"]),
    ("mn", "mng", "Mongolia", &["Mongolian"]),
    ("mo", "mac", "Macao", &["Macau"]),
    ("mp", "mnp", "Northern Mariana Islands", &[]),
    ("mq", "mtq", "Martinique", &[]),
    ("mr", "mrt", "Mauritania", &["Mauritanian"]),
    ("ms", "msr", "Montserrat", &[]),
    ("mt", "mlt", "Malta", &["Maltese"]),
    ("mu", "mus", "Mauritius", &[]),
    ("mv", "mdv", "Maldives", &["Maldivian"]),
    ("mw", "mwi", "Malawi", &[]),
    ("mx", "mex", "Mexico", &["Mexican"]),
    ("my", "mys", "Malaysia", &["Malaysian"]),
    ("mz", "moz", "Mozambique", &[]),
    ("na", "nam", "Namibia", &["Namibian"]),
    ("nc", "ncl", "New Caledonia", &[]),
    ("ne", "ner", "Niger", &["Nigerien"]),
    ("nf", "nfk", "Norfolk Island", &[]),
    ("ng", "nga", "Nigeria", &["Nigerian"]),
    ("ni", "nic", "Nicaragua", &["Nicaraguan"]),
    (
        "nl",
        "nld",
        "Netherlands",
        &["Holland", "Dutch", "Kingdom of the Netherlands"],
    ),
    ("no", "nor", "Norway", &["Norwegian"]),
    ("np", "npl", "Nepal", &["Nepalese"]),
    ("nr", "nru", "Nauru", &[]),
    ("nu", "niu", "Niue", &[]),
    ("nz", "nzl", "New Zealand", &[]),
    ("om", "omn", "Oman", &["Omani"]),
    ("pa", "pan", "Panama", &["Panamanian"]),
    ("pe", "per", "Peru", &["Peruvian"]),
    ("pf", "pyf", "French Polynesia", &[]),
    ("pg", "png", "Papua New Guinea", &[]),
    ("ph", "phl", "Philippines", &["Filipino"]),
    ("pk", "pak", "Pakistan", &["Pakistani"]),
    ("pl", "pol", "Poland", &["Polish"]),
    ("pm", "spm", "Saint Pierre and Miquelon", &[]),
    ("pn", "pcn", "Pitcairn", &["Pitcairn Islands"]),
    ("pr", "pri", "Puerto Rico", &[]),
    (
        "ps",
        "pse",
        "Palestine",
        &[
            "State of Palestine",
            "Palestine, State of",
            "Palestinian",
            "Palestinian Territories",
            "Palestinian Territory",
            "Occupied Palestinian Territory",
            "Palestinian Authority",
            "West Bank",
            "Gaza",
            "Gaza Strip",
            "West Bank and Gaza",
        ],
    ),
    ("pt", "prt", "Portugal", &["Portuguese"]),
    ("pw", "plw", "Palau", &[]),
    ("py", "pry", "Paraguay", &["Paraguayan"]),
    ("qa", "qat", "Qatar", &["Qatari"]),
    ("re", "reu", "Réunion", &[]),
    ("ro", "rou", "Romania", &["Romanian"]),
    ("rs", "srb", "Serbia", &["Serbian"]),
    ("ru", "rus", "Russia", &["Russian Federation", "Russian"]),
    ("rw", "rwa", "Rwanda", &["Rwandan"]),
    ("sa", "sau", "Saudi Arabia", &["Saudi", "Saudi Arabian"]),
    ("sb", "slb", "Solomon Islands", &[]),
    ("sc", "syc", "Seychelles", &[]),
    ("sd", "sdn", "Sudan", &["Sudanese"]),
    ("se", "swe", "Sweden", &["Swedish"]),
    ("sg", "sgp", "Singapore", &["Singaporean"]),
    (
        "sh",
        "shn",
        "Saint Helena",
        &["Saint Helena, Ascension and Tristan da Cunha"],
    ),
    ("si", "svn", "Slovenia", &["Slovenian"]),
    ("sj", "sjm", "Svalbard and Jan Mayen", &[]),
    ("sk", "svk", "Slovakia", &["Slovak Republic", "Slovak"]),
    ("sl", "sle", "Sierra Leone", &["Sierra Leonean"]),
    ("sm", "smr", "San Marino", &[]),
    ("sn", "sen", "Senegal", &["Senegalese"]),
    ("so", "som", "Somalia", &["Somali"]),
    ("sr", "sur", "Suriname", &["Surinamese"]),
    ("ss", "ssd", "South Sudan", &["South Sudanese"]),
    ("st", "stp", "São Tomé and Príncipe", &[]),
    ("sv", "slv", "El Salvador", &["Salvadoran"]),
    ("sx", "sxm", "Sint Maarten", &["Sint Maarten (Dutch part)"]),
    ("sy", "syr", "Syria", &["Syrian Arab Republic", "Syrian"]),
    ("sz", "swz", "Eswatini", &["Swaziland"]),
    ("tc", "tca", "Turks and Caicos Islands", &[]),
    ("td", "tcd", "Chad", &["Chadian"]),
    ("tf", "atf", "French Southern Territories", &[]),
    ("tg", "tgo", "Togo", &["Togolese"]),
    ("th", "tha", "Thailand", &["Thai"]),
    ("tj", "tjk", "Tajikistan", &["Tajik"]),
    ("tk", "tkl", "Tokelau", &[]),
    ("tl", "tls", "Timor-Leste", &["East Timor"]),
    ("tm", "tkm", "Turkmenistan", &["Turkmen"]),
    ("tn", "tun", "Tunisia", &["Tunisian"]),
    ("to", "ton", "Tonga", &[]),
    (
        "tr",
        "tur",
        "Türkiye",
        &["Turkey", "Turkish", "Republic of Turkiye"],
    ),
    ("tt", "tto", "Trinidad and Tobago", &[]),
    ("tv", "tuv", "Tuvalu", &[]),
    (
        "tw",
        "twn",
        "Taiwan",
        &[
            "Taiwan, Province of China",
            "Republic of China",
            "Taiwanese",
        ],
    ),
    (
        "tz",
        "tza",
        "Tanzania",
        &[
            "United Republic of Tanzania",
            "Tanzania, United Republic of",
            "Tanzanian",
        ],
    ),
    ("ua", "ukr", "Ukraine", &["Ukrainian"]),
    ("ug", "uga", "Uganda", &["Ugandan"]),
    ("um", "umi", "United States Minor Outlying Islands", &[]),
    (
        "us",
        "usa",
        "United States",
        &[
            "United States of America",
            "US",
            "U.S.",
            "U.S.A.",
            "America",
            "American",
        ],
    ),
    ("uy", "ury", "Uruguay", &["Uruguayan"]),
    ("uz", "uzb", "Uzbekistan", &["Uzbek"]),
    ("va", "vat", "Holy See", &["Vatican", "Vatican City"]),
    ("vc", "vct", "Saint Vincent and the Grenadines", &[]),
    (
        "ve",
        "ven",
        "Venezuela",
        &[
            "Bolivarian Republic of Venezuela",
            "Venezuela, Bolivarian Republic of",
            "Venezuelan",
        ],
    ),
    (
        "vg",
        "vgb",
        "British Virgin Islands",
        &["Virgin Islands, British"],
    ),
    (
        "vi",
        "vir",
        "United States Virgin Islands",
        &["Virgin Islands, U.S.", "U.S. Virgin Islands"],
    ),
    ("vn", "vnm", "Viet Nam", &["Vietnam", "Vietnamese"]),
    ("vu", "vut", "Vanuatu", &[]),
    ("wf", "wlf", "Wallis and Futuna", &[]),
    ("ws", "wsm", "Samoa", &[]),
    ("xk", "xkx", "Kosovo", &["Kosovar"]),
    ("ye", "yem", "Yemen", &["Yemeni"]),
    ("yt", "myt", "Mayotte", &[]),
    ("za", "zaf", "South Africa", &["South African"]),
    ("zm", "zmb", "Zambia", &["Zambian"]),
    ("zw", "zwe", "Zimbabwe", &["Zimbabwean"]),
];

/// The lookup table from normalised spellings to alpha-2 codes, built on first use.
static INDEX: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for &(alpha2, alpha3, short, others) in COUNTRIES {
        map.entry(alpha2.to_owned()).or_insert(alpha2);
        map.entry(alpha3.to_owned()).or_insert(alpha2);
        for spelling in std::iter::once(&short).chain(others) {
            let key = normalize(spelling);
            if !key.is_empty() {
                map.entry(key).or_insert(alpha2);
            }
        }
    }
    map
});

/// The lower-case ISO 3166-1 alpha-2 code for a country code (alpha-2 or alpha-3), an English
/// country name or a demonym, when known.
///
/// Matching ignores case, punctuation, diacritics and the words "the", "and" and "of"; "St." is
/// read as "Saint". Inverted names ("Congo, Democratic Republic of the"), parenthesised
/// qualifiers ("Iran (Islamic Republic of)") and trailing sentences ("Cabo Verde. Previously Cape
/// Verde.") are understood.
pub fn to_code(s: &str) -> Option<&'static str> {
    let s = s.trim();
    if s.is_empty() || s.len() > 200 {
        return None;
    }
    if let Some(code) = lookup(s) {
        return Some(code);
    }
    // "Region: Crimea" and similar prefixes.
    let lower = s.to_lowercase();
    for prefix in ["region:", "country:"] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            return to_code(rest);
        }
    }
    // "Iran (Islamic Republic of)" → "Iran".
    if let Some(open) = s.find('(') {
        let without: String = s[..open].to_owned()
            + s[open..]
                .find(')')
                .map_or("", |close| &s[open + close + 1..]);
        if let Some(code) = lookup(&without) {
            return Some(code);
        }
    }
    // "Cabo Verde.  Previously Cape Verde." → "Cabo Verde".
    if let Some(dot) = s.find(". ")
        && let Some(code) = lookup(&s[..dot])
    {
        return Some(code);
    }
    None
}

/// Looks up one spelling as it is and, when it has one comma, with its two parts swapped.
fn lookup(s: &str) -> Option<&'static str> {
    if (2..=3).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphabetic())
        && let Some(code) = INDEX.get(&s.to_ascii_lowercase())
    {
        return Some(code);
    }
    let key = normalize(s);
    if key.is_empty() {
        return None;
    }
    if let Some(code) = INDEX.get(&key) {
        return Some(code);
    }
    let mut parts = s.split(',');
    if let (Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next()) {
        let swapped = normalize(&format!("{b} {a}"));
        return INDEX.get(&swapped).copied();
    }
    None
}

/// The English short name of a lower- or upper-case alpha-2 code, when known.
pub fn name(code: &str) -> Option<&'static str> {
    let code = code.trim();
    COUNTRIES
        .iter()
        .find(|(alpha2, _, _, _)| alpha2.eq_ignore_ascii_case(code))
        .map(|&(_, _, short, _)| short)
}

/// All known alpha-2 codes, in alphabetical order.
pub fn codes() -> impl Iterator<Item = &'static str> {
    COUNTRIES.iter().map(|&(alpha2, _, _, _)| alpha2)
}

/// The lookup key of a spelling: diacritics folded, lower case, letters and digits only, with
/// "st" read as "saint" and the words "the", "and" and "of" dropped.
fn normalize(s: &str) -> String {
    let mut folded = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match fold(c) {
            Some(ascii) => folded.push_str(ascii),
            None if c.is_alphanumeric() => folded.push(c),
            None if c == '&' => folded.push_str(" and "),
            None if c == '\'' || c == '\u{2019}' => {}
            None => folded.push(' '),
        }
    }
    let mut key = String::with_capacity(folded.len());
    for word in folded.split_whitespace() {
        match word {
            "the" | "and" | "of" => {}
            "st" => key.push_str("saint"),
            w => key.push_str(w),
        }
    }
    key
}

/// The ASCII letters for a lower-case Latin letter with a diacritic, when it is one.
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' | 'į' => "i",
        'ł' | 'ľ' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' => "r",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names() {
        assert_eq!(to_code("IT"), Some("it"));
        assert_eq!(to_code("ita"), Some("it"));
        assert_eq!(to_code("Italy"), Some("it"));
        assert_eq!(to_code("  RUS "), Some("ru"));
        assert_eq!(to_code("xk"), Some("xk"));
        assert_eq!(to_code("Kosovo"), Some("xk"));
        assert_eq!(name("IT"), Some("Italy"));
        assert_eq!(name("zz"), None);
        assert_eq!(to_code("zz"), None);
        assert_eq!(to_code(""), None);
        assert_eq!(to_code("Atlantis"), None);
    }

    #[test]
    fn sanction_list_spellings() {
        let cases = [
            ("Russia", "ru"),
            ("Russian Federation", "ru"),
            ("Iran", "ir"),
            ("Iran (Islamic Republic of)", "ir"),
            ("Korea, North", "kp"),
            ("North Korea", "kp"),
            ("Democratic People's Republic of Korea", "kp"),
            ("Korea, South", "kr"),
            ("Syria", "sy"),
            ("Syrian Arab Republic", "sy"),
            ("Burma", "mm"),
            ("Congo, Democratic Republic of the", "cd"),
            ("Democratic Republic of the Congo", "cd"),
            ("Congo, Republic of the", "cg"),
            ("Cote d'Ivoire", "ci"),
            ("Cote d Ivoire", "ci"),
            ("CÔTE D’IVOIRE", "ci"),
            ("Türkiye", "tr"),
            ("Turkey", "tr"),
            ("United Kingdom", "gb"),
            ("United Kingdom of Great Britain and Northern Ireland", "gb"),
            ("UK", "gb"),
            ("U.K.", "gb"),
            ("USA", "us"),
            ("United States", "us"),
            ("United States of America", "us"),
            ("West Bank", "ps"),
            ("Palestinian", "ps"),
            ("State of Palestine", "ps"),
            ("Bahamas, The", "bs"),
            ("The Gambia", "gm"),
            ("Man, Isle of", "im"),
            ("Macedonia, The Former Yugoslav Republic of", "mk"),
            ("Virgin Islands, British", "vg"),
            ("St. Kitts & Nevis", "kn"),
            ("St. Vincent and the Grenadines", "vc"),
            ("China, Hong Kong Special Administrative Region", "hk"),
            ("United Republic of Tanzania", "tz"),
            ("Viet Nam", "vn"),
            ("Curacao", "cw"),
            ("Cabo Verde.  Previously Cape Verde.", "cv"),
            ("Region: Gaza", "ps"),
            ("Czech Republic", "cz"),
        ];
        for (spelling, code) in cases {
            assert_eq!(to_code(spelling), Some(code), "{spelling}");
        }
    }

    #[test]
    fn demonyms() {
        let cases = [
            ("Afghan", "af"),
            ("Iranian", "ir"),
            ("Syrian", "sy"),
            ("Russian", "ru"),
            ("Colombian", "co"),
            ("Mexican", "mx"),
            ("Venezuelan", "ve"),
            ("Lebanese", "lb"),
            ("Iraqi", "iq"),
            ("Pakistani", "pk"),
            ("Yemeni", "ye"),
            ("Somali", "so"),
            ("Sudanese", "sd"),
            ("Chinese", "cn"),
            ("Cuban", "cu"),
            ("Emirati", "ae"),
            ("British", "gb"),
            ("American", "us"),
            ("Nigerian", "ng"),
            ("Nigerien", "ne"),
        ];
        for (spelling, code) in cases {
            assert_eq!(to_code(spelling), Some(code), "{spelling}");
        }
    }

    #[test]
    fn no_spelling_means_two_countries() {
        let mut seen: HashMap<String, &str> = HashMap::new();
        for &(alpha2, alpha3, short, others) in COUNTRIES {
            let mut keys = vec![alpha2.to_owned(), alpha3.to_owned()];
            keys.extend(std::iter::once(&short).chain(others).map(|s| normalize(s)));
            for key in keys {
                if let Some(previous) = seen.insert(key.clone(), alpha2) {
                    assert_eq!(previous, alpha2, "{key} is both {previous} and {alpha2}");
                }
            }
        }
        assert_eq!(codes().count(), 250);
        for &(alpha2, alpha3, short, _) in COUNTRIES {
            assert_eq!(to_code(alpha2), Some(alpha2));
            assert_eq!(to_code(alpha3), Some(alpha2), "{alpha3}");
            assert_eq!(to_code(short), Some(alpha2), "{short}");
            assert_eq!(alpha2.len(), 2);
            assert_eq!(alpha3.len(), 3);
        }
    }
}

//! ISO 639-1 language codes and language preference lists.

use std::fmt;

use crate::ValidationError;

/// Every ISO 639-1 code, sorted, so membership is a binary search.
const ISO_639_1: &[&str] = &[
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bi",
    "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da", "de",
    "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy",
    "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz", "ia",
    "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj", "kk",
    "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln", "lo",
    "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb", "nd",
    "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl",
    "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl",
    "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk",
    "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "wa",
    "wo", "xh", "yi", "yo", "za", "zh", "zu",
];

/// The languages the Hub's content is expected to be translated into.
pub const CONTENT_LANGUAGES: &[&str] = &["de", "en", "ar", "tr", "ru", "uk", "fa", "vi"];

/// The language content is written in when nothing else is said.
pub const DEFAULT_LANGUAGE: &str = "de";

/// A two-letter ISO 639-1 language code in lower case, e.g. `de`, `ar`, `uk`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LanguageCode([u8; 2]);

impl LanguageCode {
    /// Parses a code, accepting upper case and a region suffix (`de-AT` → `de`).
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let t = raw.trim();
        let primary = t
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if primary.len() == 2 && ISO_639_1.binary_search(&primary.as_str()).is_ok() {
            let b = primary.as_bytes();
            Ok(Self([b[0], b[1]]))
        } else {
            Err(ValidationError::new(
                "",
                "language_code",
                format!("is not an ISO 639-1 language code: {t:?}"),
            ))
        }
    }

    /// German, the language the network writes in.
    pub fn german() -> Self {
        Self(*b"de")
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters from the table above are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("de")
    }
}

impl fmt::Display for LanguageCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Languages a reader wants, best first; content falls back along this list, then to
/// the text's original language.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LanguagePreference(Vec<LanguageCode>);

impl LanguagePreference {
    /// From explicit codes; invalid ones are an error naming them.
    pub fn from_codes<S: AsRef<str>>(codes: &[S]) -> Result<Self, ValidationError> {
        let mut out = Vec::new();
        for (i, c) in codes.iter().enumerate() {
            let code = LanguageCode::parse(c.as_ref()).map_err(|e| e.within(&format!("[{i}]")))?;
            if !out.contains(&code) {
                out.push(code);
            }
        }
        Ok(Self(out))
    }

    /// From an HTTP `Accept-Language` header: sorted by q-value, unknown tags and `*` ignored.
    pub fn from_accept_language(header: &str) -> Self {
        let mut weighted: Vec<(u16, usize, LanguageCode)> = Vec::new();
        for (pos, part) in header.split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default().trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            if let Ok(code) = LanguageCode::parse(tag) {
                // q has at most three decimals; scale to an integer for a total order.
                weighted.push(((q.clamp(0.0, 1.0) * 1000.0) as u16, pos, code));
            }
        }
        weighted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut out: Vec<LanguageCode> = Vec::new();
        for (_, _, c) in weighted {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        Self(out)
    }

    /// The preferred languages, best first.
    pub fn codes(&self) -> &[LanguageCode] {
        &self.0
    }

    /// True when nothing was asked for.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The languages the network's services are offered in most, for data exchanged with
/// other directories: ISO 639-1 (what the Hub stores), ISO 639-3, the ISO 639-2
/// bibliographic code where it differs (empty otherwise), and the English name.
const NAMES: &[(&str, &str, &str, &str)] = &[
    ("am", "amh", "", "Amharic"),
    ("ar", "ara", "", "Arabic"),
    ("bg", "bul", "", "Bulgarian"),
    ("bs", "bos", "", "Bosnian"),
    ("cs", "ces", "cze", "Czech"),
    ("de", "deu", "ger", "German"),
    ("el", "ell", "gre", "Greek"),
    ("en", "eng", "", "English"),
    ("es", "spa", "", "Spanish"),
    ("fa", "fas", "per", "Persian"),
    ("fr", "fra", "fre", "French"),
    ("hi", "hin", "", "Hindi"),
    ("hr", "hrv", "", "Croatian"),
    ("hu", "hun", "", "Hungarian"),
    ("it", "ita", "", "Italian"),
    ("ku", "kur", "", "Kurdish"),
    ("pl", "pol", "", "Polish"),
    ("ps", "pus", "", "Pashto"),
    ("pt", "por", "", "Portuguese"),
    ("ro", "ron", "rum", "Romanian"),
    ("ru", "rus", "", "Russian"),
    ("so", "som", "", "Somali"),
    ("sq", "sqi", "alb", "Albanian"),
    ("sr", "srp", "", "Serbian"),
    ("ti", "tir", "", "Tigrinya"),
    ("tr", "tur", "", "Turkish"),
    ("uk", "ukr", "", "Ukrainian"),
    ("ur", "urd", "", "Urdu"),
    ("vi", "vie", "", "Vietnamese"),
    ("zh", "zho", "chi", "Chinese"),
];

/// The English name of a language code, where the table above has one.
pub fn english_name(code: &str) -> Option<&'static str> {
    NAMES.iter().find(|(c, ..)| *c == code).map(|(.., n)| *n)
}

/// The code of a language named in English (any case), where the table has it.
pub fn code_of_english_name(name: &str) -> Option<&'static str> {
    let name = name.trim();
    NAMES
        .iter()
        .find(|(.., n)| n.eq_ignore_ascii_case(name))
        .map(|(c, ..)| *c)
}

/// The two-letter code of a language code as other data writes it: ISO 639-1 as it
/// is, a tag with a region (`de-DE`, `pt_BR`), or ISO 639-3 / 639-2 (`deu`, `ger`)
/// where the table has it. `None`: not a code the Hub can store.
pub fn two_letter_code(raw: &str) -> Option<String> {
    let lower = raw.trim().to_ascii_lowercase();
    let primary = lower.split(['-', '_']).next().unwrap_or_default();
    match primary.len() {
        2 => LanguageCode::parse(primary)
            .ok()
            .map(|c| c.as_str().to_owned()),
        3 => NAMES
            .iter()
            .find(|(_, t, b, _)| *t == primary || (!b.is_empty() && *b == primary))
            .map(|(c, ..)| (*c).to_owned()),
        _ => None,
    }
}

/// The writing direction of a language code (`rtl` for Arabic and Farsi, the
/// right-to-left languages the network's readers write; `ltr` for every other),
/// as HTML's `dir` takes it. A region or script subtag is ignored (`ar-EG`).
pub fn direction(code: &str) -> &'static str {
    let primary = code.split(['-', '_']).next().unwrap_or_default();
    if primary.eq_ignore_ascii_case("ar") || primary.eq_ignore_ascii_case("fa") {
        "rtl"
    } else {
        "ltr"
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_from_other_directories() {
        for (raw, want) in [
            ("de", Some("de")),
            ("de-DE", Some("de")),
            ("pt_BR", Some("pt")),
            ("deu", Some("de")),
            ("GER", Some("de")),
            ("ara", Some("ar")),
            ("fas", Some("fa")),
            ("per", Some("fa")),
            ("tur", Some("tr")),
            ("xyz", None),
            ("", None),
            ("deutsch", None),
        ] {
            assert_eq!(two_letter_code(raw).as_deref(), want, "{raw}");
        }
        assert_eq!(code_of_english_name("turkish"), Some("tr"));
        assert_eq!(english_name("uk"), Some("Ukrainian"));
    }

    use super::*;

    #[test]
    fn right_to_left_for_arabic_and_farsi_only() {
        for (code, dir) in [
            ("ar", "rtl"),
            ("fa-IR", "rtl"),
            ("AR", "rtl"),
            ("de", "ltr"),
            ("tr", "ltr"),
            ("", "ltr"),
        ] {
            assert_eq!(direction(code), dir, "{code}");
        }
    }

    #[test]
    fn table_is_sorted() {
        assert!(ISO_639_1.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn parses_codes() {
        assert_eq!(LanguageCode::parse("AR").expect("valid").as_str(), "ar");
        assert_eq!(LanguageCode::parse("de-AT").expect("valid").as_str(), "de");
        assert!(LanguageCode::parse("xx").is_err());
        assert!(LanguageCode::parse("deu").is_err());
    }

    #[test]
    fn accept_language_orders_by_quality() {
        let p = LanguagePreference::from_accept_language("en;q=0.5, ar, tr;q=0.8, *;q=0.1, xx");
        let codes: Vec<_> = p.codes().iter().map(LanguageCode::as_str).collect();
        assert_eq!(codes, ["ar", "tr", "en"]);
    }
}

/// The languages the Hub's e-mails are written in: German for `de`, English for every
/// other preference (the network's lingua franca for those who do not read German).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailLanguage {
    /// German.
    De,
    /// English.
    En,
}

impl MailLanguage {
    /// German for `de`, English for everything else.
    pub fn of(code: &str) -> Self {
        if code.trim().eq_ignore_ascii_case("de") {
            MailLanguage::De
        } else {
            MailLanguage::En
        }
    }

    /// ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            MailLanguage::De => "de",
            MailLanguage::En => "en",
        }
    }

    /// The German or the English text.
    pub fn pick(self, de: &'static str, en: &'static str) -> &'static str {
        match self {
            MailLanguage::De => de,
            MailLanguage::En => en,
        }
    }
}

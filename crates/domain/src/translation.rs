//! Translations of human text fields and the fallback rule that picks one.

use crate::language::{LanguageCode, LanguagePreference};

/// One field's text in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    /// The language of `text`.
    pub language: LanguageCode,
    /// The translated text.
    pub text: String,
    /// True when a machine produced it (readers are told; humans may correct it).
    pub machine_translated: bool,
}

/// The text served for a field, and in which language it was served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedText<'a> {
    /// The chosen text.
    pub text: &'a str,
    /// Its language.
    pub language: LanguageCode,
    /// Whether it is a machine translation.
    pub machine_translated: bool,
}

/// Whether [`choose`] can serve anything but the original: only when the reader's
/// first language is another one. Otherwise the translations need not be read.
pub fn may_translate(original_language: LanguageCode, preference: &LanguagePreference) -> bool {
    preference
        .codes()
        .first()
        .is_some_and(|c| *c != original_language)
}

/// Picks the first preferred language that has a text: the original counts as a text
/// in its own language; when no preference matches, the original is served.
pub fn choose<'a>(
    original: &'a str,
    original_language: LanguageCode,
    translations: &'a [Translation],
    preference: &LanguagePreference,
) -> ServedText<'a> {
    for wanted in preference.codes() {
        if *wanted == original_language {
            break;
        }
        if let Some(t) = translations.iter().find(|t| t.language == *wanted) {
            return ServedText {
                text: &t.text,
                language: t.language,
                machine_translated: t.machine_translated,
            };
        }
    }
    ServedText {
        text: original,
        language: original_language,
        machine_translated: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translations_matter_only_when_the_first_language_differs() {
        let de = code("de");
        let prefs = |c: &[&str]| LanguagePreference::from_codes(c).expect("codes");
        assert!(!may_translate(de, &prefs(&["de", "en"])));
        assert!(may_translate(de, &prefs(&["ar", "de"])));
        assert!(!may_translate(de, &LanguagePreference::default()));
    }

    fn code(c: &str) -> LanguageCode {
        LanguageCode::parse(c).expect("valid")
    }

    #[test]
    fn falls_back_in_order_then_to_original() {
        let tr = vec![
            Translation {
                language: code("en"),
                text: "Migration counselling".into(),
                machine_translated: false,
            },
            Translation {
                language: code("tr"),
                text: "Göç danışmanlığı".into(),
                machine_translated: true,
            },
        ];
        let pref = LanguagePreference::from_codes(&["fa", "tr", "en"]).expect("valid");
        let served = choose("Migrationsberatung", code("de"), &tr, &pref);
        assert_eq!(served.language, code("tr"));
        assert!(served.machine_translated);

        let pref = LanguagePreference::from_codes(&["de", "en"]).expect("valid");
        assert_eq!(
            choose("Migrationsberatung", code("de"), &tr, &pref).text,
            "Migrationsberatung"
        );

        let pref = LanguagePreference::from_codes(&["vi"]).expect("valid");
        assert_eq!(
            choose("Migrationsberatung", code("de"), &tr, &pref).language,
            code("de")
        );
    }
}

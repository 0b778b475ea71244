//! URL-safe names of organisations.

use std::fmt;

use crate::ValidationError;

/// Lower-case ASCII letters, digits and single dashes, 2–80 characters, e.g. `sprachcafe-adlershof`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    /// Checks the slug rules.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        let ok = (2..=80).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::new(
                "",
                "slug_format",
                format!("must be 2–80 lower-case letters, digits and single dashes, got {s:?}"),
            ))
        }
    }

    /// Derives a slug from a display name: umlauts folded, other characters dashed.
    pub fn from_name(name: &str) -> Result<Self, ValidationError> {
        let folded = crate::text::fold(name);
        let mut out = String::with_capacity(folded.len());
        for c in folded.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        let trimmed: String = out.trim_end_matches('-').chars().take(80).collect();
        Self::parse(trimmed.trim_end_matches('-'))
    }

    /// The slug text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_rejects() {
        assert!(Slug::parse("sprachcafe-adlershof").is_ok());
        for bad in ["", "a", "Groß", "a--b", "-a", "a-", "mit leer"] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn from_name_folds_umlauts() {
        let s = Slug::from_name("Nachbarschaftshaus Köpenick e.V.").expect("valid");
        assert_eq!(s.as_str(), "nachbarschaftshaus-koepenick-e-v");
    }
}

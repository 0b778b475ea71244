//! Validation errors that name the field and the rule that failed.

use std::fmt;

/// One broken rule on one input field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Path of the field, e.g. `email` or `hours[2].closes`.
    pub field: String,
    /// Short, stable name of the rule, e.g. `email_format`, `required`, `max_length`.
    pub rule: &'static str,
    /// Human-readable explanation naming the bad value where that is safe.
    pub message: String,
}

/// All violations found in one input; never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    /// The violations, in the order they were found.
    pub violations: Vec<Violation>,
}

impl ValidationError {
    /// One violation of `rule` on `field`.
    pub fn new(field: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Self {
        Self {
            violations: vec![Violation {
                field: field.into(),
                rule,
                message: message.into(),
            }],
        }
    }

    /// The same violations, with every field path prefixed by `prefix.`.
    #[must_use]
    pub fn within(mut self, prefix: &str) -> Self {
        if prefix.is_empty() {
            return self;
        }
        for v in &mut self.violations {
            v.field = if v.field.is_empty() {
                prefix.to_owned()
            } else if v.field.starts_with('[') {
                format!("{prefix}{}", v.field)
            } else {
                format!("{prefix}.{}", v.field)
            };
        }
        self
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", v.field, v.message)?;
        }
        Ok(())
    }
}

/// Collects violations while checking a whole input, so the caller learns every
/// problem at once instead of one per round trip.
#[derive(Debug, Default)]
pub struct Checker {
    violations: Vec<Violation>,
}

impl Checker {
    /// A checker with nothing found yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the error of a failed parse, prefixing its fields with `field`.
    pub fn take<T>(&mut self, field: &str, result: Result<T, ValidationError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.violations.extend(e.within(field).violations);
                None
            }
        }
    }

    /// Records a violation when `ok` is false.
    pub fn check(&mut self, ok: bool, field: &str, rule: &'static str, message: impl Into<String>) {
        if !ok {
            self.violations.push(Violation {
                field: field.to_owned(),
                rule,
                message: message.into(),
            });
        }
    }

    /// `Ok(value)` when nothing was found, else every violation.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, ValidationError> {
        if self.violations.is_empty() {
            Ok(value())
        } else {
            Err(ValidationError {
                violations: self.violations,
            })
        }
    }
}

/// Trims `raw` and checks it is non-empty and at most `max` characters long.
pub fn required_text(raw: &str, max: usize) -> Result<String, ValidationError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(ValidationError::new("", "required", "must not be empty"));
    }
    optional_text(t, max).map(|s| s.unwrap_or_default())
}

/// Trims `raw`; empty becomes `None`; longer than `max` characters is an error.
pub fn optional_text(raw: &str, max: usize) -> Result<Option<String>, ValidationError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let n = t.chars().count();
    if n > max {
        return Err(ValidationError::new(
            "",
            "max_length",
            format!("must be at most {max} characters, got {n}"),
        ));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(ValidationError::new(
            "",
            "no_control_characters",
            "must not contain control characters",
        ));
    }
    Ok(Some(t.to_owned()))
}

/// The longest search text accepted.
pub const SEARCH_TEXT_MAX: usize = 200;

/// A search text: trimmed, at most [`SEARCH_TEXT_MAX`] characters, no control
/// characters; empty means no search.
pub fn search_text(raw: Option<&str>) -> Result<Option<String>, ValidationError> {
    match raw {
        None => Ok(None),
        Some(t) => optional_text(t, SEARCH_TEXT_MAX),
    }
}

/// A one-line text (a name, a title): as [`required_text`], and no line breaks or
/// tabs either — such a value may end up in an e-mail header or a calendar line.
pub fn single_line(raw: &str, max: usize) -> Result<String, ValidationError> {
    let t = required_text(raw, max)?;
    if t.contains(['\r', '\n', '\t']) {
        return Err(ValidationError::new(
            "",
            "single_line",
            "must be one line (no line breaks or tabs)",
        ));
    }
    Ok(t)
}

/// Checks that `raw` is an absolute `http` or `https` URL without spaces.
pub fn url(raw: &str) -> Result<String, ValidationError> {
    let t = raw.trim();
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"));
    let ok = matches!(rest, Some(r) if !r.is_empty() && !r.starts_with('/'))
        && !t.chars().any(char::is_whitespace)
        && t.len() <= 2000;
    if ok {
        Ok(t.to_owned())
    } else {
        Err(ValidationError::new(
            "",
            "url",
            format!("must be an absolute http(s) URL, got {t:?}"),
        ))
    }
}

/// Checks a phone number: digits, spaces and `+ - / ( )`, 5 to 40 characters.
pub fn phone(raw: &str) -> Result<String, ValidationError> {
    let t = raw.trim();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    let ok = (5..=40).contains(&t.len())
        && digits >= 4
        && t.chars()
            .all(|c| c.is_ascii_digit() || " +-/()".contains(c));
    if ok {
        Ok(t.to_owned())
    } else {
        Err(ValidationError::new(
            "",
            "phone",
            format!("must be a phone number of digits, spaces and + - / ( ), got {t:?}"),
        ))
    }
}

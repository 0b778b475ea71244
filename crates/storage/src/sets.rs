//! Sets of codes stored in one text column as `,a,b,`, so `LIKE '%,a,%'` finds members.

use netzwerk_domain::ValidationError;

/// Joins codes as `,a,b,` (empty set: `,`).
pub(crate) fn encode<'a>(codes: impl IntoIterator<Item = &'a str>) -> String {
    let mut s = String::from(",");
    for c in codes {
        s.push_str(c);
        s.push(',');
    }
    s
}

/// Splits `,a,b,` and parses every code.
pub(crate) fn decode<T>(
    column: &str,
    raw: &str,
    parse: impl Fn(&str) -> Result<T, ValidationError>,
) -> crate::Result<Vec<T>> {
    raw.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| crate::error::stored(column, parse(s)))
        .collect()
}

/// The `LIKE` pattern that finds `code` in an encoded set.
pub(crate) fn pattern(code: &str) -> String {
    format!("%,{code},%")
}

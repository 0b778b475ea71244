//! Text folding for search that behaves the same on every database backend.
//!
//! Both the stored search column and the query terms go through [`fold`], so the
//! database only ever compares lower-case ASCII-ish text with `LIKE`: `Köpenick`,
//! `KOEPENICK` and `Koepenick` all become `koepenick`.

/// Lower-cases and folds German umlauts and ß to their two-letter forms, strips other
/// Latin diacritics, and collapses every run of non-alphanumeric characters to one space.
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 8);
    let mut last_space = true;
    for c in input.chars().flat_map(char::to_lowercase) {
        let mapped: &str = match c {
            'ä' => "ae",
            'ö' => "oe",
            'ü' => "ue",
            'ß' => "ss",
            'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'ç' | 'ć' | 'č' => "c",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
            'ì' | 'í' | 'î' | 'ï' | 'ı' | 'ī' => "i",
            'ñ' | 'ń' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ø' | 'ō' | 'ő' => "o",
            'ù' | 'ú' | 'û' | 'ů' | 'ū' | 'ű' => "u",
            'ý' | 'ÿ' => "y",
            'ś' | 'š' | 'ş' | 'ș' => "s",
            'ź' | 'ż' | 'ž' => "z",
            'ł' => "l",
            'ğ' => "g",
            'ř' => "r",
            'ț' | 'ţ' => "t",
            'đ' | 'ď' => "d",
            _ => {
                if c.is_alphanumeric() {
                    out.push(c);
                    last_space = false;
                } else if !last_space {
                    out.push(' ');
                    last_space = true;
                }
                continue;
            }
        };
        out.push_str(mapped);
        last_space = false;
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// German suffixes removed from query terms, longest first. Matching is by substring,
/// so stripping the query is enough: `Beratungen` → `beratung` finds `Migrationsberatung`.
const SUFFIXES: &[&str] = &[
    "ungen", "innen", "heiten", "keiten", "en", "er", "es", "e", "n", "s",
];

/// Splits a search text into folded, lightly stemmed terms (at most 8, each at least
/// two characters), ready for substring matching against a [`fold`]ed column.
pub fn search_terms(query: &str) -> Vec<String> {
    fold(query)
        .split(' ')
        .filter(|t| t.chars().count() >= 2)
        .map(stem)
        .take(8)
        .collect()
}

fn stem(term: &str) -> String {
    for suffix in SUFFIXES {
        if let Some(base) = term.strip_suffix(suffix) {
            // Keep short words intact: "kurs" must not become "kur".
            if base.chars().count() >= 5 {
                let restored = if *suffix == "ungen" { "ung" } else { "" };
                return format!("{base}{restored}");
            }
        }
    }
    term.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_umlauts_and_case() {
        assert_eq!(fold("Köpenick"), fold("KOEPENICK"));
        assert_eq!(fold("Straße  am   Fluss!"), "strasse am fluss");
        assert_eq!(fold("Café Müggelheim"), "cafe mueggelheim");
        assert_eq!(fold("مرحبا"), "مرحبا");
    }

    #[test]
    fn stems_query_terms() {
        assert_eq!(search_terms("Beratungen"), ["beratung"]);
        assert_eq!(search_terms("beratung"), ["beratung"]);
        assert_eq!(search_terms("Deutschkurse"), ["deutschkurs"]);
        assert_eq!(
            search_terms("Kurs in Köpenick"),
            ["kurs", "in", "koepenick"]
        );
    }
}

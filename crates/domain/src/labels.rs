//! Human names of the directory's codes (event and service categories, topics, target
//! groups, legal forms) in German and English: the one table the partner pages, the
//! `/embed` configurator and the HSDS taxonomies read.

/// `(code, German, English)`.
const LABELS: &[(&str, &str, &str)] = &[
    (
        "intercultural_festival",
        "Interkulturelles Fest",
        "Intercultural festival",
    ),
    ("education", "Bildung", "Education"),
    ("discussion", "Diskussion", "Discussion"),
    ("presentation", "Vortrag", "Talk"),
    (
        "culture_tradition",
        "Kultur und Tradition",
        "Culture and tradition",
    ),
    (
        "against_discrimination",
        "Gegen Rassismus und Diskriminierung",
        "Against racism and discrimination",
    ),
    ("counselling_hours", "Sprechstunde", "Counselling hours"),
    ("network_meeting", "Netzwerktreffen", "Network meeting"),
    ("other", "Sonstiges", "Other"),
    ("counselling", "Beratung", "Counselling"),
    ("language_course", "Sprachkurs", "Language course"),
    (
        "childcare_youth",
        "Kinder und Jugend",
        "Childcare and youth work",
    ),
    ("legal_advice", "Rechtsberatung", "Legal advice"),
    ("health", "Gesundheit", "Health"),
    ("employment", "Arbeit", "Employment and training"),
    ("housing", "Wohnen", "Housing"),
    ("culture", "Kultur", "Culture"),
    ("leisure", "Freizeit", "Leisure"),
    ("integration", "Integration", "Integration"),
    ("migration", "Migration", "Migration"),
    ("children", "Kinder", "Children"),
    ("youth", "Jugendliche", "Young people"),
    ("language", "Sprache", "Language"),
    (
        "anti_discrimination",
        "Antidiskriminierung",
        "Anti-discrimination",
    ),
    ("democracy", "Demokratie", "Democracy"),
    ("participation", "Teilhabe", "Participation"),
    ("volunteering", "Ehrenamt", "Volunteering"),
    ("women", "Frauen", "Women"),
    ("seniors", "Ältere Menschen", "Older people"),
    ("sport", "Sport", "Sport"),
    ("everyone", "Alle", "Everyone"),
    ("refugees", "Geflüchtete", "Refugees"),
    ("newcomers", "Neu Angekommene", "Newly arrived people"),
    ("families", "Familien", "Families"),
    (
        "students",
        "Schüler:innen und Studierende",
        "Pupils and students",
    ),
    (
        "workers",
        "Arbeitnehmende und Arbeitsuchende",
        "Workers and job seekers",
    ),
];

/// The German name of a code; a code without one is given back as it is.
pub fn german(code: &str) -> &str {
    LABELS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or(code, |(_, de, _)| de)
}

/// The English name of a code; a code without one is given back as it is.
pub fn english(code: &str) -> &str {
    LABELS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or(code, |(_, _, en)| en)
}

/// The code whose German or English name is `name` (case and surrounding space do not
/// matter), for data that names a category instead of giving its code.
pub fn code_named(name: &str) -> Option<&'static str> {
    let name = name.trim();
    LABELS
        .iter()
        .find(|(c, de, en)| {
            c.eq_ignore_ascii_case(name)
                || de.to_lowercase() == name.to_lowercase()
                || en.eq_ignore_ascii_case(name)
        })
        .map(|(c, _, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventCategory;
    use crate::organisation::{TargetGroup, Topic};
    use crate::service::ServiceCategory;

    #[test]
    fn every_code_has_a_german_and_an_english_name() {
        let codes = EventCategory::ALL
            .iter()
            .map(|c| c.as_str())
            .chain(ServiceCategory::ALL.iter().map(|c| c.as_str()))
            .chain(Topic::ALL.iter().map(|c| c.as_str()))
            .chain(TargetGroup::ALL.iter().map(|c| c.as_str()));
        for code in codes {
            assert_ne!(german(code), code, "{code} has no German name");
            assert_ne!(english(code), code, "{code} has no English name");
            assert_eq!(code_named(german(code)), Some(code));
            assert_eq!(code_named(&english(code).to_uppercase()), Some(code));
        }
        assert_eq!(german("no_such_code"), "no_such_code");
        assert_eq!(code_named("Nothing like it"), None);
    }
}

//! Topics, region, eligible applicants and status from a call's text, by word stems
//! in German and English (compared after `domain::text::fold`, at word starts, so
//! "Jugendarbeit" is youth and "Zusammenarbeit" is not employment).

use netzwerk_domain::funding::{FundingRegion, FundingStatus};
use netzwerk_domain::organisation::{LegalStatus, Topic};
use netzwerk_domain::text::fold;

const TOPICS: &[(Topic, &[&str])] = &[
    (
        Topic::Integration,
        &[
            "integration",
            "inklusion",
            "zusammenleben",
            "ankommen",
            "willkommen",
            "inclusion",
            "cohesion",
        ],
    ),
    (
        Topic::Migration,
        &[
            "migra",
            "gefluecht",
            "fluecht",
            "refugee",
            "asyl",
            "asylum",
            "zugewandert",
            "zuwander",
            "newcomer",
            "eingewandert",
        ],
    ),
    (
        Topic::Children,
        &["kinder", "kita", "child", "grundschul", "fruehkindlich"],
    ),
    (
        Topic::Youth,
        &[
            "jugend",
            "youth",
            "young people",
            "junge menschen",
            "jungen menschen",
            "teenager",
        ],
    ),
    (
        Topic::Language,
        &[
            "sprach",
            "deutschkurs",
            "language",
            "dolmetsch",
            "mehrsprach",
            "alphabetis",
        ],
    ),
    (
        Topic::Education,
        &[
            "bildung",
            "education",
            "schule",
            "school",
            "lernen",
            "learning",
            "weiterbildung",
            "nachhilfe",
        ],
    ),
    (
        Topic::Culture,
        &[
            "kultur", "culture", "cultural", "kunst", "arts", "musik", "music", "theater",
            "theatre", "festival", "film",
        ],
    ),
    (
        Topic::AntiDiscrimination,
        &[
            "diskriminier",
            "antidiskriminier",
            "rassismus",
            "antirassis",
            "discriminat",
            "racism",
            "antiracis",
            "antisemitis",
            "antimuslim",
            "hate speech",
            "hassrede",
        ],
    ),
    (
        Topic::Democracy,
        &[
            "demokrat",
            "democra",
            "extremismus",
            "rechtsextrem",
            "extremism",
            "politische bildung",
            "civic education",
        ],
    ),
    (
        Topic::Participation,
        &[
            "partizipation",
            "teilhabe",
            "beteiligung",
            "participation",
            "mitbestimmung",
            "empowerment",
        ],
    ),
    (
        Topic::Volunteering,
        &[
            "ehrenamt",
            "freiwillig",
            "volunteer",
            "buergerschaftlich",
            "engagement",
        ],
    ),
    (
        Topic::Women,
        &[
            "frauen",
            "women",
            "maedchen",
            "girls",
            "gleichstellung",
            "gender",
        ],
    ),
    (
        Topic::Seniors,
        &[
            "senior",
            "aeltere",
            "older people",
            "alter menschen",
            "elderly",
        ],
    ),
    (
        Topic::Health,
        &[
            "gesundheit",
            "health",
            "pflege",
            "psychosozial",
            "mental",
            "praevention",
        ],
    ),
    (
        Topic::Employment,
        &[
            "arbeitsmarkt",
            "beschaeftigung",
            "employment",
            "jobs",
            "beruf",
            "ausbildung",
            "arbeitsuche",
            "qualifizierung",
        ],
    ),
    (Topic::Sport, &["sport", "bewegung", "fussball", "football"]),
];

/// Whether `stem` starts a word of `folded` (or equals a whole phrase in it).
fn has_stem(folded: &str, stem: &str) -> bool {
    let stem = fold(stem);
    folded
        .match_indices(&stem)
        .any(|(i, _)| i == 0 || folded[..i].ends_with(' '))
}

/// The topics a text is about, sorted.
pub fn topics(text: &str) -> Vec<Topic> {
    let folded = fold(text);
    TOPICS
        .iter()
        .filter(|(_, stems)| stems.iter().any(|s| has_stem(&folded, s)))
        .map(|(t, _)| *t)
        .collect()
}

/// The most local area a text names: the district, Berlin, Germany or the EU.
pub fn region(text: &str) -> Option<FundingRegion> {
    let folded = fold(text);
    let any = |stems: &[&str]| stems.iter().any(|s| has_stem(&folded, s));
    if any(&[
        "treptow koepenick",
        "treptow koepenicker",
        "bezirksamt treptow",
    ]) {
        Some(FundingRegion::TreptowKoepenick)
    } else if any(&["berlin", "senatsverwaltung", "land berlin", "berliner"]) {
        Some(FundingRegion::Berlin)
    } else if any(&[
        "bundesweit",
        "deutschlandweit",
        "bundesministerium",
        "bundesprogramm",
        "bundesamt",
        "bmfsfj",
        "bamf",
        "nationwide",
        "federal",
        "germany wide",
    ]) {
        Some(FundingRegion::Federal)
    } else if any(&[
        "europaeische union",
        "european union",
        "erasmus",
        "esf",
        "amif",
        "cerv",
        "eu programm",
        "eu programme",
        "eu funding",
    ]) {
        Some(FundingRegion::Eu)
    } else {
        None
    }
}

/// Whether `phrase` stands in `folded` as whole words.
fn has_phrase(folded: &str, phrase: &str) -> bool {
    let phrase = fold(phrase);
    folded.match_indices(&phrase).any(|(i, m)| {
        (i == 0 || folded[..i].ends_with(' '))
            && folded[i + m.len()..]
                .chars()
                .next()
                .is_none_or(|c| c == ' ')
    })
}

/// Words that say who may apply.
const ELIGIBILITY: &[&str] = &[
    "antragsberechtigt",
    "berechtigt",
    "bewerben koennen",
    "koennen sich bewerben",
    "koennen antraege stellen",
    "richtet sich an",
    "foerderfaehig sind",
    "gefoerdert werden",
    "eligible",
    "who can apply",
    "open to",
    "applicants",
    "may apply",
];

/// Legal forms a text names as eligible — only near a word that says who may apply
/// ("Antragsberechtigt sind gemeinnützige Vereine"), never from a passing mention
/// ("in Kooperation mit Schulen", "Vereinbarkeit von Familie und Beruf").
pub fn applicants(text: &str) -> Vec<LegalStatus> {
    let folded = fold(text);
    let cues: Vec<usize> = ELIGIBILITY
        .iter()
        .flat_map(|c| {
            let c = fold(c);
            folded
                .match_indices(&c)
                .map(|(i, m)| i + m.len())
                .collect::<Vec<_>>()
        })
        .collect();
    if cues.is_empty() {
        return Vec::new();
    }
    // The part of the text after each cue, up to 160 characters.
    let windows: Vec<&str> = cues
        .iter()
        .map(|start| {
            let mut end = (*start + 160).min(folded.len());
            while !folded.is_char_boundary(end) {
                end -= 1;
            }
            &folded[*start..end]
        })
        .collect();
    let any = |words: &[&str]| {
        words
            .iter()
            .any(|w| windows.iter().any(|win| has_phrase(win, w)))
    };
    let mut out = Vec::new();
    if any(&[
        "vereine",
        "verein",
        "vereinen",
        "e v",
        "eingetragene vereine",
        "associations",
        "non profit organisations",
        "non profit organizations",
        "gemeinnuetzige organisationen",
        "gemeinnuetzige traeger",
        "freie traeger",
    ]) {
        out.push(LegalStatus::RegisteredAssociation);
    }
    if any(&[
        "ggmbh",
        "gemeinnuetzige gmbh",
        "gemeinnuetzige gmbhs",
        "gemeinnuetzige organisationen",
        "gemeinnuetzige traeger",
        "non profit organisations",
        "non profit organizations",
        "freie traeger",
    ]) {
        out.push(LegalStatus::NonProfitCompany);
    }
    if any(&[
        "initiativen",
        "initiative",
        "nachbarschaftsinitiativen",
        "selbstorganisationen",
        "migrantenorganisationen",
        "migrantinnenorganisationen",
        "grassroots groups",
        "informal groups",
    ]) {
        out.push(LegalStatus::Initiative);
    }
    if any(&[
        "einzelpersonen",
        "privatpersonen",
        "individuals",
        "kuenstlerinnen und kuenstler",
    ]) {
        out.push(LegalStatus::Individual);
    }
    if any(&[
        "kommunen",
        "oeffentliche traeger",
        "public bodies",
        "public authorities",
        "schulen",
    ]) {
        out.push(LegalStatus::PublicBody);
    }
    if any(&["unternehmen", "companies", "firmen"]) {
        out.push(LegalStatus::Company);
    }
    out
}

/// Forecast, closed or open, by the phrases a call uses (dates are checked elsewhere).
pub fn status(text: &str) -> FundingStatus {
    let folded = fold(text);
    let any = |phrases: &[&str]| phrases.iter().any(|p| has_phrase(&folded, p));
    if any(&[
        "frist ist abgelaufen",
        "frist abgelaufen",
        "antragsfrist ist abgelaufen",
        "bewerbungsphase ist beendet",
        "bewerbungsphase ist abgeschlossen",
        "ausschreibung ist beendet",
        "ausschreibung ist abgeschlossen",
        "keine antraege mehr",
        "antraege sind nicht mehr moeglich",
        "call is closed",
        "call has closed",
        "applications are closed",
        "applications are now closed",
        "no longer accepting",
    ]) {
        FundingStatus::Closed
    } else if any(&[
        "vorankuendigung",
        "demnaechst",
        "in kuerze",
        "coming soon",
        "forecast",
        "will open",
        "wird geoeffnet",
        "startet am",
        "oeffnet am",
        "opens on",
    ]) {
        FundingStatus::Forecast
    } else {
        FundingStatus::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_by_word_start() {
        assert_eq!(
            topics("Förderprogramm für Jugendarbeit und Sprachförderung geflüchteter Kinder"),
            [
                Topic::Migration,
                Topic::Children,
                Topic::Youth,
                Topic::Language
            ]
        );
        assert!(!topics("Zusammenarbeit im Kiez").contains(&Topic::Employment));
        assert_eq!(
            topics("Antirassismus und Empowerment"),
            [Topic::AntiDiscrimination, Topic::Participation]
        );
    }

    #[test]
    fn regions_most_local_first() {
        assert_eq!(
            region("Bezirksamt Treptow-Köpenick, Land Berlin"),
            Some(FundingRegion::TreptowKoepenick)
        );
        assert_eq!(
            region("Senatsverwaltung für Integration"),
            Some(FundingRegion::Berlin)
        );
        assert_eq!(
            region("ein Bundesprogramm des BMFSFJ"),
            Some(FundingRegion::Federal)
        );
        assert_eq!(region("Erasmus+ Jugend"), Some(FundingRegion::Eu));
        assert_eq!(region("Stiftung fördert Projekte"), None);
    }

    #[test]
    fn applicants_and_status() {
        assert_eq!(
            applicants("Antragsberechtigt sind gemeinnützige Vereine und Initiativen."),
            [LegalStatus::RegisteredAssociation, LegalStatus::Initiative]
        );
        assert_eq!(
            status("Vorankündigung: Der Aufruf startet am 1. März"),
            FundingStatus::Forecast
        );
        assert_eq!(
            status("Die Antragsfrist ist abgelaufen."),
            FundingStatus::Closed
        );
        assert_eq!(status("Jetzt bewerben!"), FundingStatus::Open);
    }
}

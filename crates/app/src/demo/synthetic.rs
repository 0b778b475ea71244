//! A large synthetic network for benchmarks: reproducible from a seed, with the same
//! shape as real data (locations, hours, languages, translations).

use super::demo_fault;
use crate::error::{Error, Result};
use netzwerk_domain::event::{Event, EventCategory, EventInput};
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::location::{LOCALITIES, LocationInput};
use netzwerk_domain::organisation::{MembershipStatus, OrganisationInput, TargetGroup, Topic};
use netzwerk_domain::schedule::OpeningHoursInput;
use netzwerk_domain::service::{ServiceCategory, ServiceInput};
use netzwerk_domain::translation::Translation;
use netzwerk_storage::events::{self, EventSpan};
use netzwerk_storage::{locations, organisations, services};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const WORDS: &[&str] = &[
    "Migrationsberatung",
    "Sprachcafé",
    "Deutschkurs",
    "Jugendtreff",
    "Sozialberatung",
    "Familienzentrum",
    "Elterncafé",
    "Nachhilfe",
    "Rechtsberatung",
    "Gesundheitslotsen",
    "Bewerbungstraining",
    "Wohnungssuche",
    "Theatergruppe",
    "Nähwerkstatt",
    "Frauenfrühstück",
    "Hausaufgabenhilfe",
    "Asylverfahrensberatung",
    "Kochabend",
];
const LANGS: &[&str] = &["de", "ar", "tr", "ru", "uk", "fa", "vi", "en", "fr", "pl"];

/// Generates `organisations` organisations with `services_per_organisation` services
/// each (and one or two locations, hours, languages, an English translation) and
/// `events_per_organisation` events (a quarter of them weekly series), in batches of
/// one transaction each; `progress` is told how many organisations are done after
/// each batch.
pub fn generate(
    hub: &crate::Hub,
    organisations_total: usize,
    services_per_organisation: usize,
    events_per_organisation: usize,
    seed: u64,
    progress: &mut dyn FnMut(usize),
) -> Result<usize> {
    let db = hub.database();
    let mut rng = StdRng::seed_from_u64(seed);
    let english = LanguageCode::parse("en").map_err(|e| demo_fault(format!("{e}")))?;
    let mut done = 0;
    while done < organisations_total {
        let batch = (organisations_total - done).min(200);
        let plans: Vec<OrgPlan> = (0..batch)
            .map(|i| plan(&mut rng, done + i, services_per_organisation))
            .collect();
        let event_plans: Vec<Vec<(Event, EventSpan)>> = (0..batch)
            .map(|_| events_plan(&mut rng, events_per_organisation))
            .collect::<Result<_>>()?;
        db.run_blocking(|conn| {
            netzwerk_storage::atomically(conn, |conn| {
                for (p, evs) in plans.iter().zip(&event_plans) {
                    let org = p.org.validate().map_err(|e| demo_fault(format!("{e}")))?;
                    let rec = organisations::insert(conn, super::ACTOR, &org)?;
                    let fresh: Vec<events::NewEvent<'_>> = evs
                        .iter()
                        .map(|(event, span)| events::NewEvent {
                            event,
                            overrides: &[],
                            span: *span,
                        })
                        .collect();
                    events::insert_many(conn, super::ACTOR, rec.id, None, &fresh)?;
                    let mut location_ids = Vec::new();
                    for l in &p.locations {
                        let loc = l.validate().map_err(|e| demo_fault(format!("{e}")))?;
                        location_ids.push(locations::insert(conn, super::ACTOR, rec.id, &loc)?.id);
                    }
                    let mut made = Vec::with_capacity(p.services.len());
                    for (s, at_both) in &p.services {
                        let mut input = s.clone();
                        let count = if *at_both { 2 } else { 1 };
                        input.location_ids = location_ids
                            .iter()
                            .take(count)
                            .map(ToString::to_string)
                            .collect();
                        let (service, links) =
                            input.validate().map_err(|e| demo_fault(format!("{e}")))?;
                        let t = Translation {
                            language: english,
                            text: format!("{} (English)", service.name),
                            machine_translated: true,
                        };
                        made.push((service, links, [("name", t)]));
                    }
                    let fresh: Vec<services::NewService<'_>> = made
                        .iter()
                        .map(|(service, links, translations)| services::NewService {
                            service,
                            links,
                            translations,
                        })
                        .collect();
                    services::insert_many(conn, super::ACTOR, rec.id, &fresh)?;
                }
                Ok::<_, Error>(())
            })
        })
        .map_err(|e| {
            demo_fault(format!(
                "while generating organisations {}–{}: {e}",
                done + 1,
                done + batch
            ))
        })?;
        done += batch;
        progress(done);
    }
    Ok(done)
}

/// An organisation's events: one-off ones over the next year, and every fourth a
/// weekly series for half a year.
fn events_plan(rng: &mut StdRng, count: usize) -> Result<Vec<(Event, EventSpan)>> {
    let today = chrono::Utc::now().date_naive();
    (0..count)
        .map(|i| {
            let day = today + chrono::Duration::days(rng.gen_range(-30..330));
            let hour = rng.gen_range(9..19);
            let start = day
                .and_hms_opt(hour, 0, 0)
                .ok_or_else(|| demo_fault("bad synthetic time".to_owned()))?;
            let word = *pick(rng, WORDS);
            let input = EventInput {
                title: format!("{word} – Treffen {i}"),
                description: Some(format!("{word}: offenes Treffen für alle.")),
                category: Some(*pick(rng, EventCategory::ALL)),
                languages: vec![(*pick(rng, LANGS)).to_owned()],
                start: Some(start),
                end: Some(start + chrono::Duration::hours(2)),
                rule: (i % 4 == 0).then(|| "FREQ=WEEKLY;COUNT=26".to_owned()),
                ..EventInput::default()
            };
            let event = input.validate().map_err(|e| demo_fault(format!("{e}")))?;
            let (first_start, last_end) =
                netzwerk_calendar::span(&event, &[]).map_err(|e| demo_fault(format!("{e}")))?;
            Ok((
                event,
                EventSpan {
                    first_start,
                    last_end,
                },
            ))
        })
        .collect()
}

struct OrgPlan {
    org: OrganisationInput,
    locations: Vec<LocationInput>,
    /// Each service, and whether it is offered at both locations (when there are two).
    services: Vec<(ServiceInput, bool)>,
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

fn plan(rng: &mut StdRng, n: usize, services_per_organisation: usize) -> OrgPlan {
    let locality = *pick(rng, LOCALITIES);
    let word = *pick(rng, WORDS);
    let org = OrganisationInput {
        slug: Some(format!("synthetisch-{n:06}")),
        name: format!("{word} {locality} {n:06} e.V."),
        description: Some(format!(
            "Synthetischer Verein Nr. {n} für Benchmarks in {locality}."
        )),
        membership_status: Some(MembershipStatus::Member),
        topics: vec![*pick(rng, Topic::ALL)],
        target_groups: vec![*pick(rng, TargetGroup::ALL)],
        ..Default::default()
    };
    let location_count = rng.gen_range(1..=2);
    let locations = (0..location_count)
        .map(|i| LocationInput {
            name: format!("Standort {i} {locality}"),
            address: Some(format!("Musterstraße {}", rng.gen_range(1..200))),
            locality: Some(locality.to_owned()),
            postcode: Some("12555".into()),
            latitude: Some(52.38 + rng.gen_range(0.0..0.12)),
            longitude: Some(13.45 + rng.gen_range(0.0..0.30)),
            wheelchair_accessible: Some(rng.gen_bool(0.5)),
            ..Default::default()
        })
        .collect();
    let services = (0..services_per_organisation)
        .map(|i| {
            let name = *pick(rng, WORDS);
            let mut languages = vec!["de".to_owned()];
            for _ in 0..rng.gen_range(0..3) {
                languages.push((*pick(rng, LANGS)).to_owned());
            }
            let day = rng.gen_range(1..=5);
            let service = ServiceInput {
                name: format!("{name} {i}"),
                description: Some(format!("{name} in {locality}, offen für alle.")),
                category: Some(*pick(rng, ServiceCategory::ALL)),
                target_groups: vec![*pick(rng, TargetGroup::ALL)],
                languages,
                free: Some(rng.gen_bool(0.8)),
                opening_hours: vec![
                    OpeningHoursInput {
                        weekday: day,
                        opens: "09:00".into(),
                        closes: "12:00".into(),
                    },
                    OpeningHoursInput {
                        weekday: day + 2,
                        opens: "14:00".into(),
                        closes: "18:00".into(),
                    },
                ],
                ..Default::default()
            };
            (service, rng.gen_bool(0.3))
        })
        .collect();
    OrgPlan {
        org,
        locations,
        services,
    }
}

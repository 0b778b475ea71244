//! `services::insert_many` (bulk imports, the benchmark generator) must store exactly
//! what creating each service one by one stores: fields, links, hours, exceptions,
//! translations, time zone, facets and folded search text. The derived columns follow
//! later changes of a location, and the list filters agree on both backends.

mod common;

use chrono::NaiveDate;
use diesel::prelude::*;
use netzwerk_domain::ids::{LocationId, OrganisationId};
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::location::LocationInput;
use netzwerk_domain::organisation::{OrganisationInput, TargetGroup};
use netzwerk_domain::schedule::{OpeningHoursInput, ScheduleExceptionInput};
use netzwerk_domain::service::{ServiceCategory, ServiceInput};
use netzwerk_domain::translation::Translation;
use netzwerk_storage::schema::services as s;
use netzwerk_storage::services::{self, NewService, ServiceFilter};
use netzwerk_storage::{
    AnyConnection, Database, PoolSettings, StorageError, locations, organisations, translations,
};

fn organisation(conn: &mut AnyConnection, slug: &str) -> OrganisationId {
    let input = OrganisationInput {
        slug: Some(slug.to_owned()),
        name: format!("Verein {slug}"),
        ..Default::default()
    };
    let org = input.validate().expect("valid organisation");
    organisations::insert(conn, "test", &org)
        .expect("organisation")
        .id
}

fn location(conn: &mut AnyConnection, org: OrganisationId, tz: &str) -> String {
    let input = LocationInput {
        name: format!("Haus {tz}"),
        locality: Some("Köpenick".into()),
        timezone: Some(tz.into()),
        ..Default::default()
    };
    let loc = input.validate().expect("valid location");
    locations::insert(conn, "test", org, &loc)
        .expect("location")
        .id
        .to_string()
}

fn input(name: &str, locations: Vec<String>) -> ServiceInput {
    ServiceInput {
        name: name.to_owned(),
        description: Some("Beratung für Familien, offen für alle.".into()),
        category: Some(ServiceCategory::ALL[0]),
        target_groups: vec![TargetGroup::ALL[0], TargetGroup::ALL[1]],
        languages: vec!["de".into(), "ar".into(), "tr".into()],
        free: Some(false),
        fee_note: Some("5 €".into()),
        location_ids: locations,
        opening_hours: vec![
            OpeningHoursInput {
                weekday: 1,
                opens: "09:00".into(),
                closes: "12:00".into(),
            },
            OpeningHoursInput {
                weekday: 3,
                opens: "14:00".into(),
                closes: "18:30".into(),
            },
        ],
        exceptions: vec![ScheduleExceptionInput {
            date: NaiveDate::from_ymd_opt(2026, 12, 24),
            opens: None,
            closes: None,
            note: Some("Heiligabend".into()),
        }],
        ..Default::default()
    }
}

fn translation(code: &str, text: &str) -> Translation {
    Translation {
        language: LanguageCode::parse(code).expect("code"),
        text: text.to_owned(),
        machine_translated: code == "en",
    }
}

/// Everything stored about a service except its id and timestamps.
fn stored(conn: &mut AnyConnection, id: netzwerk_domain::ids::ServiceId) -> String {
    let rec = services::get(conn, id).expect("service");
    let links = services::links_of(conn, id).expect("links");
    let (tz, search, facets): (String, String, String) = s::table
        .find(id.to_string())
        .select((s::timezone, s::search_text, s::facets))
        .first(conn)
        .expect("row");
    let tr: std::collections::BTreeMap<String, Vec<Translation>> =
        translations::load(conn, &[id.to_string()])
            .expect("translations")
            .remove(&id.to_string())
            .unwrap_or_default()
            .into_iter()
            .collect();
    format!(
        "{:?}\n{:?}\n{tz}\n{search}\n{facets}\n{tr:?}",
        rec.value, links
    )
}

fn check(url: &str) {
    let db = Database::connect(url, &PoolSettings::default()).expect("connect");
    db.migrate().expect("migrate");
    db.run_blocking(|conn| {
        let org = organisation(conn, "bulk-verein");
        let berlin = location(conn, org, "Europe/Berlin");
        let istanbul = location(conn, org, "Europe/Istanbul");
        let translated = [
            ("name", translation("en", "Family counselling")),
            ("description", translation("tr", "Aileler için danışmanlık")),
        ];
        // One by one, as the API does it.
        let (service, links) = input("Familienberatung", vec![istanbul.clone(), berlin.clone()])
            .validate()
            .expect("valid");
        let single = services::insert(conn, "test", org, &service, &links).expect("insert");
        for (field, t) in &translated {
            services::set_translation(conn, &org.to_string(), &single.id.to_string(), field, t)
                .expect("translation");
        }
        // In bulk, the same service and a second one without locations. A repeated
        // field and language replaces the earlier translation, as set_translation does.
        let repeated = [
            ("name", translation("en", "Counselling (old)")),
            translated[0].clone(),
            translated[1].clone(),
        ];
        let (plain, plain_links) = input("Sprachcafé", Vec::new()).validate().expect("valid");
        let items = [
            NewService {
                service: &service,
                links: &links,
                translations: &repeated,
            },
            NewService {
                service: &plain,
                links: &plain_links,
                translations: &[],
            },
        ];
        let made =
            netzwerk_storage::transaction(conn, |c| services::insert_many(c, "test", org, &items))
                .expect("insert_many");
        assert_eq!(made.len(), 2);
        assert_eq!(stored(conn, single.id), stored(conn, made[0]));
        let (tz, search): (String, String) = s::table
            .find(made[0].to_string())
            .select((s::timezone, s::search_text))
            .first(conn)
            .expect("row");
        assert_eq!(tz, "Europe/Istanbul", "the first location's zone");
        assert!(search.contains("family counselling"), "{search}");
        let (tz, _): (String, String) = s::table
            .find(made[1].to_string())
            .select((s::timezone, s::search_text))
            .first(conn)
            .expect("row");
        assert_eq!(tz, "Europe/Berlin", "the default zone without a location");
        // The bulk rows are found by the list filters like the single ones.
        let found = services::list(
            conn,
            &ServiceFilter {
                text: Some("family counselling".into()),
                language: Some(LanguageCode::parse("ar").expect("code")),
                locality: Some("Koepenick".into()),
                ..Default::default()
            },
            0,
            10,
        )
        .expect("list");
        assert_eq!(found.total, 2, "the single and the bulk copy");
        let (facets,): (String,) = s::table
            .find(made[0].to_string())
            .select((s::facets,))
            .first(conn)
            .expect("row");
        assert_eq!(
            facets,
            "lang:ar lang:de lang:tr loc:koepenick tg:everyone tg:refugees"
        );

        // A location that moves to another locality takes its services along.
        let moved = LocationInput {
            name: "Haus Europe/Istanbul".into(),
            locality: Some("Alt-Treptow".into()),
            timezone: Some("Europe/Istanbul".into()),
            ..Default::default()
        }
        .validate()
        .expect("valid location");
        locations::update(
            conn,
            "test",
            LocationId::parse(&istanbul).expect("id"),
            &moved,
        )
        .expect("update");
        let in_locality = |conn: &mut AnyConnection, locality: &str| {
            services::list(
                conn,
                &ServiceFilter {
                    locality: Some(locality.into()),
                    language: Some(LanguageCode::parse("tr").expect("code")),
                    target_group: Some(TargetGroup::ALL[1]),
                    ..Default::default()
                },
                0,
                10,
            )
            .expect("list")
            .total
        };
        assert_eq!(in_locality(conn, "alt treptow"), 2, "the moved location");
        assert_eq!(in_locality(conn, "Köpenick"), 2, "the other location stays");
        assert_eq!(in_locality(conn, "Grünau"), 0);
        assert_eq!(in_locality(conn, "!!"), 0, "folds to nothing");

        // A location of another organisation is refused, naming the item and link,
        // and nothing of the batch is stored.
        let other = organisation(conn, "anderer-verein");
        let foreign = location(conn, other, "Europe/Berlin");
        let (bad, bad_links) = input("Fremd", vec![berlin.clone(), foreign])
            .validate()
            .expect("valid");
        let before: i64 = s::table.count().get_result(conn).expect("count");
        let err = netzwerk_storage::transaction(conn, |c| {
            services::insert_many(
                c,
                "test",
                org,
                &[
                    NewService {
                        service: &plain,
                        links: &plain_links,
                        translations: &[],
                    },
                    NewService {
                        service: &bad,
                        links: &bad_links,
                        translations: &[],
                    },
                ],
            )
        })
        .expect_err("foreign location");
        assert!(
            err.to_string().contains("[1].locationIds[1]"),
            "names the item and link: {err}"
        );
        let after: i64 = s::table.count().get_result(conn).expect("count");
        assert_eq!(before, after, "nothing of the batch is stored");
        Ok::<_, StorageError>(())
    })
    .expect("bulk checks");
}

#[test]
fn sqlite_bulk_services_equal_single_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    check(&format!(
        "sqlite://{}",
        dir.path().join("bulk.db").display()
    ));
}

#[test]
#[ignore = "PostgreSQL: set NETZWERK_TEST_POSTGRES_URL and run with -- --include-ignored"]
fn postgres_bulk_services_equal_single_ones() {
    common::on_fresh_postgres("nwt_bulk", check);
}

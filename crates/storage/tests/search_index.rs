//! The services' search index: before it is built a text search reads the stored
//! text; `maintain` builds it; every later write (insert, bulk insert, update,
//! translation, deletion, an organisation's new name) leaves exactly the postings a
//! fresh build would make; words no service uses any more are removed. Both backends.

mod common;

use diesel::prelude::*;
use netzwerk_domain::ids::{OrganisationId, ServiceId};
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::organisation::OrganisationInput;
use netzwerk_domain::service::{ServiceInput, ServiceLinks};
use netzwerk_domain::translation::Translation;
use netzwerk_storage::schema::{search_index_state, search_postings, search_words};
use netzwerk_storage::search::{self, Lookup, Maintained};
use netzwerk_storage::services::{self, NewService, ServiceFilter};
use netzwerk_storage::{AnyConnection, Database, PoolSettings, organisations};

fn organisation(conn: &mut AnyConnection, slug: &str, name: &str) -> OrganisationId {
    let org = OrganisationInput {
        slug: Some(slug.to_owned()),
        name: name.to_owned(),
        ..Default::default()
    }
    .validate()
    .expect("valid organisation");
    organisations::insert(conn, "test", &org)
        .expect("organisation")
        .id
}

fn service(name: &str, description: &str) -> (netzwerk_domain::service::Service, ServiceLinks) {
    ServiceInput {
        name: name.to_owned(),
        description: Some(description.to_owned()),
        ..Default::default()
    }
    .validate()
    .expect("valid service")
}

fn add(conn: &mut AnyConnection, org: OrganisationId, name: &str, description: &str) -> ServiceId {
    let (s, l) = service(name, description);
    services::insert(conn, "test", org, &s, &l)
        .expect("insert")
        .id
}

fn names(conn: &mut AnyConnection, text: &str) -> (Vec<String>, i64) {
    let page = services::list(
        conn,
        &ServiceFilter {
            text: Some(text.to_owned()),
            ..Default::default()
        },
        0,
        10,
    )
    .expect("list");
    (
        page.items
            .into_iter()
            .map(|s| s.record.value.name)
            .collect(),
        page.total,
    )
}

/// Every posting, sorted.
fn postings(conn: &mut AnyConnection) -> Vec<(String, String, String, i32, String)> {
    search_postings::table
        .select((
            search_postings::word,
            search_postings::service_id,
            search_postings::lang,
            search_postings::weight,
            search_postings::name,
        ))
        .order((
            search_postings::word,
            search_postings::service_id,
            search_postings::lang,
        ))
        .load(conn)
        .expect("postings")
}

fn translation(code: &str, text: &str) -> Translation {
    Translation {
        language: LanguageCode::parse(code).expect("code"),
        text: text.to_owned(),
        machine_translated: false,
    }
}

fn check(url: &str) {
    let db = Database::connect(url, &PoolSettings::default()).expect("connect");
    db.migrate().expect("migrate");
    db.run_blocking(|conn| {
        let org = organisation(conn, "suche", "Nachbarschaftsverein Köpenick");
        let family = add(conn, org, "Familienberatung", "Beratung für Familien");
        add(conn, org, "Migrationsberatung", "Für Zugewanderte");
        add(conn, org, "Sprachcafé", "Deutsch üben bei Kaffee");

        // Not built yet: the stored folded text, by name; no typo help.
        assert_eq!(
            search::lookup(conn, "beratung").expect("lookup"),
            Lookup::NotBuilt
        );
        assert_eq!(
            names(conn, "beratung"),
            (
                vec!["Familienberatung".into(), "Migrationsberatung".into()],
                2
            )
        );
        assert_eq!(names(conn, "Beratnug").1, 0);

        // Built: ranked (a whole word in the description beats nothing; both have
        // the word inside their names), typos found.
        assert_eq!(
            search::maintain(conn).expect("build"),
            Maintained::Built { services: 3 }
        );
        assert_eq!(names(conn, "beratung").1, 2);
        assert_eq!(
            names(conn, "Beratnug").0.first().map(String::as_str),
            Some("Familienberatung"),
            "the whole word `Beratung` in its description"
        );
        assert_eq!(names(conn, "Koepenick").1, 3, "the organisation's name");
        assert_eq!(names(conn, "Kaffee üben").0, vec!["Sprachcafé".to_owned()]);
        assert_eq!(names(conn, "Kaffee Beratung").1, 0, "every word must meet");
        assert_eq!(names(conn, " ,. ").1, 3, "no word: no text filter");

        // The ranking in memory is the ranking in the database, in any reader's
        // language, on any page.
        let memory = search::MemoryIndex::load(conn)
            .expect("load")
            .expect("built");
        assert!(memory.postings() > 10, "{}", memory.postings());
        let met = |conn: &mut AnyConnection, q: &str| match search::lookup(conn, q).expect("lookup")
        {
            Lookup::Met(m) => m,
            other => panic!("{q}: {other:?}"),
        };
        for q in [
            "beratung",
            "Beratnug",
            "Koepenick",
            "Kaffee üben",
            "für",
            "verein",
        ] {
            let m = met(conn, q);
            for lang in ["de", "tr"] {
                for (offset, limit) in [(0, 10), (1, 1), (2, 5), (9, 3)] {
                    assert_eq!(
                        memory.rank(&m, lang, offset, limit),
                        search::ranked(conn, &m, lang, None, offset, limit).expect("ranked"),
                        "{q} {lang} {offset}+{limit}"
                    );
                }
            }
        }

        // Writes after the build.
        let oid = org.to_string();
        let sid = family.to_string();
        services::set_translation(
            conn,
            &oid,
            &sid,
            "name",
            &translation("tr", "Aile danışmanlığı"),
        )
        .expect("translation");
        assert_eq!(
            names(conn, "danışmanlık").0,
            vec!["Familienberatung".to_owned()]
        );
        assert_ne!(
            met(conn, "beratung").changes,
            memory.changes(),
            "a write makes the postings in memory out of date"
        );
        let (renamed, links) = service("Familien- und Erziehungsberatung", "Beratung für Familien");
        services::update(conn, "test", family, &renamed, &links).expect("update");
        assert_eq!(names(conn, "Erziehung").1, 1);
        let other = organisation(conn, "zweite", "Elternhilfe Adlershof");
        let (bulk, bulk_links) = service("Elternkurs", "Kurse für Eltern");
        let tr = [("description", translation("ar", "دورات للآباء"))];
        let items = [NewService {
            service: &bulk,
            links: &bulk_links,
            translations: &tr,
        }];
        netzwerk_storage::transaction(conn, |c| services::insert_many(c, "test", other, &items))
            .expect("insert_many");
        assert_eq!(names(conn, "دورة").0, vec!["Elternkurs".to_owned()]);
        let gone = add(conn, other, "Zirkusprojekt", "Einrad und Jonglage");
        assert_eq!(names(conn, "Jonglage").1, 1);
        let before = met(conn, "beratung").changes;
        services::delete(conn, "test", gone).expect("delete");
        assert_eq!(names(conn, "Jonglage").1, 0);
        assert_ne!(
            met(conn, "beratung").changes,
            before,
            "a deletion counts too"
        );
        assert!(
            services::remove_translation(
                conn,
                &sid,
                "name",
                LanguageCode::parse("tr").expect("tr")
            )
            .expect("remove")
        );
        assert_eq!(names(conn, "danışmanlık").1, 0);

        // The postings the writes left are those a fresh build makes.
        let kept = postings(conn);
        diesel::delete(search_index_state::table)
            .execute(conn)
            .expect("forget the build");
        assert_eq!(
            search::maintain(conn).expect("rebuild"),
            Maintained::Built { services: 4 }
        );
        assert_eq!(postings(conn), kept);

        // Words no service uses any more are removed by the upkeep, not before.
        let zirkus = add(conn, other, "Zirkusprojekt", "Einrad und Jonglage");
        services::delete(conn, "test", zirkus).expect("delete");
        let has = |conn: &mut AnyConnection, w: &str| -> bool {
            search_words::table
                .filter(search_words::word.eq(w))
                .count()
                .get_result::<i64>(conn)
                .expect("count")
                > 0
        };
        assert!(has(conn, "jonglage"));
        assert_eq!(
            search::lookup(conn, "Jonglage").expect("lookup"),
            Lookup::NoMatch,
            "a word without postings meets nothing"
        );
        match search::maintain(conn).expect("tidy") {
            Maintained::Current { removed } => assert!(removed >= 3, "{removed}"),
            other => panic!("expected a tidy-up, got {other:?}"),
        }
        assert!(!has(conn, "jonglage"));
        assert_eq!(
            search::maintain(conn).expect("again"),
            Maintained::Current { removed: 0 }
        );

        // Hostile queries: long words, many words, odd scripts. Nothing panics, the
        // words beyond eight are ignored.
        let long = "x".repeat(5_000);
        assert_eq!(names(conn, &long).1, 0);
        let many = "beratung ".repeat(200);
        assert_eq!(names(conn, &many).1, 2);
        // A short key may meet thousands of words: more than SQLite's binds allow.
        let many_words = search::Met {
            terms: vec![
                (0..20_000)
                    .map(|i| (format!("w{i}"), netzwerk_domain::search::Match::Prefix))
                    .collect(),
            ],
            changes: 0,
        };
        assert_eq!(
            search::ranked(conn, &many_words, "de", None, 0, 10)
                .expect("ranked")
                .total,
            0
        );
        for odd in [
            "\u{200c}\u{0640}",
            "İı ё ґ",
            "🙂 beratung",
            "%_\\' OR 1=1 --",
        ] {
            let _ = names(conn, odd);
        }
        Ok::<_, netzwerk_storage::StorageError>(())
    })
    .expect("checks");
}

#[test]
fn sqlite_search_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    check(&format!(
        "sqlite://{}",
        dir.path().join("search.db").display()
    ));
}

#[test]
#[ignore = "PostgreSQL: set NETZWERK_TEST_POSTGRES_URL and run with -- --include-ignored"]
fn postgres_search_index() {
    common::on_fresh_postgres("nwt_search", check);
}

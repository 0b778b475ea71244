//! The search index of the services (migration 000021): its writes, its upkeep and
//! the ranked search over it. The keys and how a query meets them are
//! `netzwerk_domain::search`; this module stores and reads them the same way on both
//! backends.
//!
//! A search runs in two statements: the query's keys meet the index's words (whole, as
//! their start, inside them), and the postings of the words met give each service a
//! score, the exact number of matches and the asked-for page, best first. A key that
//! meets no word that way meets words within its typo budget (one more statement).

use std::collections::{BTreeMap, BTreeSet};

use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text};
use netzwerk_domain::search::{self as rules, Field, Match};

use crate::AnyConnection;
use crate::Result;
use crate::schema::{
    organisations, search_index_state, search_parts, search_postings, search_variants,
    search_words, services, translations,
};

/// Inserts rows, leaving out those already there (a writer in parallel added the same
/// word).
macro_rules! insert_ignoring {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            AnyConnection::Postgresql(c) => diesel::insert_into($table)
                .values($rows)
                .on_conflict_do_nothing()
                .execute(c),
            AnyConnection::Sqlite(c) => diesel::insert_or_ignore_into($table)
                .values($rows)
                .execute(c),
        }
    };
}

/// The version of the key rules (`netzwerk_domain::search`). Raise it whenever they
/// change: the Hub then builds the index again.
pub const INDEX_VERSION: i32 = 1;

/// The language the directory's own texts (and organisations' names) are written in.
pub const ORIGINAL_LANGUAGE: &str = "de";

/// Rows per insert statement (at most five columns: well inside SQLite's bind limit).
const CHUNK: usize = 2_000;

/// Services read per step when the index is built.
const BUILD_STEP: i64 = 500;

/// The texts of one service that its search index holds.
#[derive(Debug, Clone)]
pub struct ServiceTexts {
    /// The service's id.
    pub service_id: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its organisation's name.
    pub organisation: String,
    /// Its translations: field, language and text.
    pub translations: Vec<(String, String, String)>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = search_postings)]
struct Posting {
    word: String,
    service_id: String,
    lang: String,
    weight: i32,
    name: String,
}

/// The postings of one service: each key once per language, with its best field.
fn postings(t: &ServiceTexts) -> Vec<Posting> {
    let mut best: BTreeMap<(String, String), i32> = BTreeMap::new();
    let mut add = |text: &str, lang: &str, field: Field| {
        for key in rules::index_keys(text) {
            let w = best.entry((key, lang.to_owned())).or_insert(0);
            *w = (*w).max(field.weight());
        }
    };
    add(&t.name, ORIGINAL_LANGUAGE, Field::Name);
    if let Some(d) = &t.description {
        add(d, ORIGINAL_LANGUAGE, Field::Description);
    }
    add(&t.organisation, ORIGINAL_LANGUAGE, Field::Organisation);
    for (field, lang, text) in &t.translations {
        let f = if field == "name" {
            Field::Name
        } else {
            Field::Description
        };
        add(text, lang, f);
    }
    best.into_iter()
        .map(|((word, lang), weight)| Posting {
            word,
            service_id: t.service_id.clone(),
            lang,
            weight,
            name: t.name.clone(),
        })
        .collect()
}

/// Writers of postings count their change in the index's state (which makes them wait
/// for each other until their transactions end, and for a build or clean-up on
/// PostgreSQL); a build or clean-up locks the state exclusively (PostgreSQL), so that
/// a word is never taken away while a writer counts on it.
fn lock_state(conn: &mut AnyConnection, exclusive: bool) -> Result<()> {
    if exclusive {
        if let AnyConnection::Postgresql(c) = conn {
            diesel::sql_query("LOCK TABLE search_index_state IN EXCLUSIVE MODE").execute(c)?;
        }
    } else {
        diesel::update(search_index_state::table.find(1))
            .set(search_index_state::changes.eq(search_index_state::changes + 1))
            .execute(conn)?;
    }
    Ok(())
}

/// The texts of services, read from the database (translations by field, then
/// language).
pub(crate) fn texts_of(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<ServiceTexts>> {
    let rows: Vec<(String, String, Option<String>, String)> = services::table
        .inner_join(organisations::table)
        .filter(services::id.eq_any(ids))
        .select((
            services::id,
            services::name,
            services::description,
            organisations::name,
        ))
        .load(conn)?;
    let translated: Vec<(String, String, String, String)> = translations::table
        .filter(translations::entity_id.eq_any(ids))
        .order((translations::field, translations::language))
        .select((
            translations::entity_id,
            translations::field,
            translations::language,
            translations::text,
        ))
        .load(conn)?;
    let mut by_service: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    for (id, field, lang, text) in translated {
        by_service.entry(id).or_default().push((field, lang, text));
    }
    Ok(rows
        .into_iter()
        .map(
            |(service_id, name, description, organisation)| ServiceTexts {
                translations: by_service.remove(&service_id).unwrap_or_default(),
                service_id,
                name,
                description,
                organisation,
            },
        )
        .collect())
}

/// Writes the index of services again from their texts (inside the caller's
/// transaction): their postings are replaced, and new words are added with their
/// parts and typo variants.
pub(crate) fn index(conn: &mut AnyConnection, texts: &[ServiceTexts]) -> Result<()> {
    lock_state(conn, false)?;
    write_postings(conn, texts)
}

fn write_postings(conn: &mut AnyConnection, texts: &[ServiceTexts]) -> Result<()> {
    let ids: Vec<&str> = texts.iter().map(|t| t.service_id.as_str()).collect();
    for chunk in ids.chunks(CHUNK) {
        diesel::delete(search_postings::table.filter(search_postings::service_id.eq_any(chunk)))
            .execute(conn)?;
    }
    let rows: Vec<Posting> = texts.iter().flat_map(postings).collect();
    for chunk in rows.chunks(CHUNK) {
        crate::db::insert_all!(conn, search_postings::table, chunk)?;
    }
    let words: BTreeSet<&str> = rows.iter().map(|p| p.word.as_str()).collect();
    add_words(conn, &words.into_iter().collect::<Vec<_>>())
}

/// Adds the words not yet in the index, with their parts and typo variants.
fn add_words(conn: &mut AnyConnection, words: &[&str]) -> Result<()> {
    for chunk in words.chunks(CHUNK) {
        let known: BTreeSet<String> = search_words::table
            .filter(search_words::word.eq_any(chunk))
            .select(search_words::word)
            .load::<String>(conn)?
            .into_iter()
            .collect();
        let new: Vec<&str> = chunk
            .iter()
            .copied()
            .filter(|w| !known.contains(*w))
            .collect();
        if new.is_empty() {
            continue;
        }
        let word_rows: Vec<_> = new.iter().map(|w| search_words::word.eq(*w)).collect();
        insert_ignoring!(conn, search_words::table, &word_rows)?;
        let mut part_rows = Vec::new();
        let mut variant_rows = Vec::new();
        for w in &new {
            for p in rules::parts(w) {
                part_rows.push((search_parts::part.eq(p), search_parts::word.eq(*w)));
            }
            for v in rules::deletions(w) {
                variant_rows.push((search_variants::variant.eq(v), search_variants::word.eq(*w)));
            }
        }
        for c in part_rows.chunks(CHUNK) {
            insert_ignoring!(conn, search_parts::table, c)?;
        }
        for c in variant_rows.chunks(CHUNK) {
            insert_ignoring!(conn, search_variants::table, c)?;
        }
    }
    Ok(())
}

/// What [`maintain`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Maintained {
    /// The index was current; this many words no service uses any more were removed.
    Current {
        /// Words removed.
        removed: usize,
    },
    /// The index was built (first time, or the key rules changed) over this many
    /// services.
    Built {
        /// Services indexed.
        services: usize,
    },
}

/// Builds the index when it was never built or was built with other key rules;
/// otherwise removes the words no service uses any more. One transaction; on
/// PostgreSQL it excludes writers of services meanwhile.
pub fn maintain(conn: &mut AnyConnection) -> Result<Maintained> {
    conn.transaction(|conn| {
        lock_state(conn, true)?;
        let state: Option<(i32, i64)> = search_index_state::table
            .find(1)
            .select((search_index_state::version, search_index_state::changes))
            .first(conn)
            .optional()?;
        let (version, changes) = state.map_or((None, 0), |(v, c)| (Some(v), c));
        if version == Some(INDEX_VERSION) {
            let orphans = search_words::table.filter(not(exists(
                search_postings::table.filter(search_postings::word.eq(search_words::word)),
            )));
            let removed = diesel::delete(orphans).execute(conn)?;
            return Ok(Maintained::Current { removed });
        }
        match conn {
            AnyConnection::Postgresql(c) => {
                diesel::sql_query(
                    "TRUNCATE search_postings, search_parts, search_variants, search_words",
                )
                .execute(c)?;
            }
            AnyConnection::Sqlite(_) => {
                diesel::delete(search_postings::table).execute(conn)?;
                diesel::delete(search_parts::table).execute(conn)?;
                diesel::delete(search_variants::table).execute(conn)?;
                diesel::delete(search_words::table).execute(conn)?;
            }
        }
        let mut done = 0;
        let mut after = String::new();
        loop {
            let ids: Vec<String> = services::table
                .filter(services::id.gt(&after))
                .order(services::id)
                .limit(BUILD_STEP)
                .select(services::id)
                .load(conn)?;
            let Some(last) = ids.last() else { break };
            after = last.clone();
            let texts = texts_of(conn, &ids)?;
            write_postings(conn, &texts)?;
            done += ids.len();
        }
        diesel::delete(search_index_state::table).execute(conn)?;
        diesel::insert_into(search_index_state::table)
            .values((
                search_index_state::id.eq(1),
                search_index_state::version.eq(INDEX_VERSION),
                search_index_state::changes.eq(changes + 1),
                search_index_state::built_at.eq(crate::now()),
            ))
            .execute(conn)?;
        Ok(Maintained::Built { services: done })
    })
}

/// The words a query's keys met, per key (in the query's order): each word with how
/// it was met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Met {
    /// Per query key, the words it met and how.
    pub terms: Vec<Vec<(String, Match)>>,
    /// The index's count of changes when the words were met (see [`MemoryIndex`]).
    pub changes: i64,
}

impl Met {
    /// Every word met by the key at `term`.
    pub fn words_of(&self, term: usize) -> Vec<String> {
        self.terms
            .get(term)
            .map(|t| t.iter().map(|(w, _)| w.clone()).collect())
            .unwrap_or_default()
    }
}

/// How a query meets the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The index is not built for the current key rules (search the stored text).
    NotBuilt,
    /// The query has no key (only punctuation or one-letter words).
    NoTerms,
    /// Some key of the query meets no word, not even with typos: nothing matches.
    NoMatch,
    /// Every key met words.
    Met(Met),
}

#[derive(QueryableByName)]
struct MetRow {
    #[diesel(sql_type = BigInt)]
    term: i64,
    #[diesel(sql_type = Text)]
    word: String,
    #[diesel(sql_type = Integer)]
    quality: i32,
    #[diesel(sql_type = BigInt)]
    changes: i64,
}

const LOOKUP_PG: &str = "\
SELECT t.n AS term, w.word AS word, CASE WHEN w.word = t.k THEN 4 ELSE 3 END AS quality, \
CAST(0 AS BIGINT) AS changes FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(k, upper, n) \
JOIN search_words w ON w.word >= (t.k COLLATE \"C\") AND w.word < (t.upper COLLATE \"C\") \
WHERE EXISTS (SELECT 1 FROM search_postings p WHERE p.word = w.word) \
UNION ALL \
SELECT t.n, s.word, 2, 0 \
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(k, upper, n) \
JOIN search_parts s ON s.part >= (t.k COLLATE \"C\") AND s.part < (t.upper COLLATE \"C\") \
WHERE char_length(t.k) >= 3 AND EXISTS (SELECT 1 FROM search_postings p WHERE p.word = s.word) \
UNION ALL \
SELECT 0, '', version, changes FROM search_index_state WHERE id = 1";

/// SQLite: the same over the keys bound as `(?, ?, n)` rows.
fn lookup_sqlite(n: usize) -> String {
    let rows: Vec<String> = (1..=n).map(|i| format!("(?, ?, {i})")).collect();
    format!(
        "WITH t(k, upper, n) AS (VALUES {}) \
SELECT t.n AS term, w.word AS word, CASE WHEN w.word = t.k THEN 4 ELSE 3 END AS quality, \
0 AS changes FROM t JOIN search_words w ON w.word >= t.k AND w.word < t.upper \
WHERE EXISTS (SELECT 1 FROM search_postings p WHERE p.word = w.word) \
UNION ALL \
SELECT t.n, s.word, 2, 0 FROM t JOIN search_parts s ON s.part >= t.k AND s.part < t.upper \
WHERE length(t.k) >= 3 AND EXISTS (SELECT 1 FROM search_postings p WHERE p.word = s.word) \
UNION ALL \
SELECT 0, '', version, changes FROM search_index_state WHERE id = 1",
        rows.join(", ")
    )
}

/// Meets a query's keys with the index's words: whole, as their start, inside them;
/// a key that meets none of these is corrected to the nearest words within its typo
/// budget, which then meet words the same way (a typo in `beratung` still finds
/// `Migrationsberatung`), all as typo matches.
pub fn lookup(conn: &mut AnyConnection, query: &str) -> Result<Lookup> {
    let keys = rules::terms(query);
    if keys.is_empty() {
        return Ok(Lookup::NoTerms);
    }
    let Some((mut terms, changes)) = meet(conn, &keys)? else {
        return Ok(Lookup::NotBuilt);
    };
    for (key, met) in keys.iter().zip(terms.iter_mut()) {
        if !met.is_empty() {
            continue;
        }
        let corrected = typo_words(conn, key)?;
        if corrected.is_empty() {
            return Ok(Lookup::NoMatch);
        }
        for words in meet(conn, &corrected)?.map(|(t, _)| t).unwrap_or_default() {
            for (w, how) in words {
                let e = met.entry(w).or_insert(how.after_typo());
                *e = (*e).max(how.after_typo());
            }
        }
        if met.is_empty() {
            return Ok(Lookup::NoMatch);
        }
    }
    Ok(Lookup::Met(Met {
        terms: terms.into_iter().map(|t| t.into_iter().collect()).collect(),
        changes,
    }))
}

/// Per query key, the words it met and how.
type MetWords = Vec<BTreeMap<String, Match>>;

/// The words each key meets (whole, as their start, inside), in one statement; `None`
/// when the index is not built for the current key rules.
fn meet(conn: &mut AnyConnection, keys: &[String]) -> Result<Option<(MetWords, i64)>> {
    let uppers: Vec<String> = keys.iter().map(|k| rules::prefix_upper(k)).collect();
    let rows: Vec<MetRow> = match conn {
        AnyConnection::Postgresql(c) => diesel::sql_query(LOOKUP_PG)
            .bind::<Array<Text>, _>(keys)
            .bind::<Array<Text>, _>(&uppers)
            .load(c)?,
        AnyConnection::Sqlite(c) => {
            let mut q = diesel::sql_query(lookup_sqlite(keys.len())).into_boxed();
            for (k, u) in keys.iter().zip(&uppers) {
                q = q.bind::<Text, _>(k.clone()).bind::<Text, _>(u.clone());
            }
            q.load(c)?
        }
    };
    let mut built = false;
    let mut changes = 0;
    let mut terms: Vec<BTreeMap<String, Match>> = vec![BTreeMap::new(); keys.len()];
    for r in rows {
        if r.term == 0 {
            built = r.quality == INDEX_VERSION;
            changes = r.changes;
            continue;
        }
        let how = match r.quality {
            4 => Match::Whole,
            3 => Match::Prefix,
            _ => Match::Part,
        };
        if let Some(t) = usize::try_from(r.term - 1)
            .ok()
            .and_then(|i| terms.get_mut(i))
        {
            let e = t.entry(r.word).or_insert(how);
            *e = (*e).max(how);
        }
    }
    Ok(built.then_some((terms, changes)))
}

/// The words within the typo budget of a key, nearest first (only the nearest kept).
fn typo_words(conn: &mut AnyConnection, key: &str) -> Result<Vec<String>> {
    let variants: Vec<String> = rules::deletions(key).into_iter().collect();
    if variants.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<String> = search_variants::table
        .filter(search_variants::variant.eq_any(&variants))
        .filter(exists(
            search_postings::table.filter(search_postings::word.eq(search_variants::word)),
        ))
        .select(search_variants::word)
        .distinct()
        .load(conn)?;
    let mut scored: Vec<(usize, String)> = found
        .into_iter()
        .filter_map(|w| {
            let budget = rules::typo_budget(key.chars().count().min(w.chars().count()));
            rules::distance(key, &w, budget).map(|d| (d, w))
        })
        .filter(|(d, _)| *d > 0)
        .collect();
    let nearest = scored.iter().map(|(d, _)| *d).min();
    scored.retain(|(d, _)| Some(*d) == nearest);
    Ok(scored.into_iter().map(|(_, w)| w).collect())
}

/// A ranked page of services: their ids, best first, and how many matched in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ranked {
    /// The page's services, best first (equal scores by name, then id).
    pub ids: Vec<(String, i64)>,
    /// How many services matched.
    pub total: i64,
}

#[derive(QueryableByName)]
struct RankRow {
    #[diesel(sql_type = Text)]
    service_id: String,
    #[diesel(sql_type = BigInt)]
    score: i64,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// The scored matches: per service, the sum over the query's keys of its best
/// posting's field weight × how the word was met × 2 in the reader's language; only
/// services every key met. `q` binds (word, term, quality); `lang` the reader's
/// language; `terms` the number of keys; `only` an optional list of services.
fn hits_sql(q: &str, lang: &str, terms: &str, only: &str) -> String {
    format!(
        "per_term AS (SELECT p.service_id AS service_id, q.term AS term, \
MAX(p.weight * q.quality * CASE WHEN p.lang = {lang} THEN {f} ELSE 1 END) AS score, \
MIN(p.name) AS name FROM {q} JOIN search_postings p ON p.word = q.word WHERE {only} \
GROUP BY p.service_id, q.term), \
hits AS (SELECT service_id, CAST(SUM(score) AS BIGINT) AS score, MIN(name) AS name \
FROM per_term GROUP BY service_id HAVING COUNT(*) = {terms})",
        f = rules::READER_LANGUAGE_FACTOR,
    )
}

/// Ranks the services the met words lead to, in the reader's language `lang`, and
/// reads the page `[offset, offset + limit)` with the number of all matches; `only`
/// narrows to these services (other filters).
pub fn ranked(
    conn: &mut AnyConnection,
    met: &Met,
    lang: &str,
    only: Option<&[String]>,
    offset: i64,
    limit: i64,
) -> Result<Ranked> {
    let mut words = Vec::new();
    let mut term_of = Vec::new();
    let mut quality = Vec::new();
    for (i, t) in met.terms.iter().enumerate() {
        for (w, how) in t {
            words.push(w.clone());
            term_of.push(i32::try_from(i).unwrap_or(i32::MAX));
            quality.push(how.quality());
        }
    }
    let terms = i64::try_from(met.terms.len()).unwrap_or(i64::MAX);
    let only_ids: Option<Vec<String>> = only.map(<[String]>::to_vec);
    let page_tail = "SELECT service_id, score, COUNT(*) OVER () AS total FROM hits \
ORDER BY score DESC, name, service_id";
    // The total alone (a page past the end), in the page's row shape.
    let count_tail = "SELECT '' AS service_id, CAST(0 AS BIGINT) AS score, \
COUNT(*) AS total FROM hits";
    let run = |conn: &mut AnyConnection, tail: &str, paged: bool| -> Result<Vec<RankRow>> {
        Ok(match conn {
            AnyConnection::Postgresql(c) => {
                let q = "(SELECT word COLLATE \"C\" AS word, term, quality \
FROM unnest($1::text[], $2::int[], $3::int[]) AS u(word, term, quality)) AS q";
                let only = "($5::text[] IS NULL OR p.service_id = ANY($5::text[]))";
                let mut sql = format!("WITH {} {tail}", hits_sql(q, "$4", "$6", only));
                if paged {
                    sql.push_str(" LIMIT $7 OFFSET $8");
                }
                let base = diesel::sql_query(sql)
                    .bind::<Array<Text>, _>(&words)
                    .bind::<Array<Integer>, _>(&term_of)
                    .bind::<Array<Integer>, _>(&quality)
                    .bind::<Text, _>(lang)
                    .bind::<Nullable<Array<Text>>, _>(&only_ids)
                    .bind::<BigInt, _>(terms);
                if paged {
                    base.bind::<BigInt, _>(limit)
                        .bind::<BigInt, _>(offset)
                        .load(c)?
                } else {
                    base.load(c)?
                }
            }
            AnyConnection::Sqlite(c) => {
                // The met words as one JSON bind (a short key may meet thousands of
                // words; SQLite allows at most 32,766 binds).
                let q = "(SELECT json_extract(value, '$[0]') AS word, \
json_extract(value, '$[1]') AS term, json_extract(value, '$[2]') AS quality \
FROM json_each(?)) AS q";
                let only = if only_ids.is_some() {
                    "p.service_id IN (SELECT value FROM json_each(?))"
                } else {
                    "1 = 1"
                };
                let mut sql = format!("WITH {} {tail}", hits_sql(q, "?", "?", only));
                if paged {
                    sql.push_str(" LIMIT ? OFFSET ?");
                }
                let met_json: Vec<String> = words
                    .iter()
                    .zip(&term_of)
                    .zip(&quality)
                    .map(|((w, t), qu)| format!("[\"{}\",{t},{qu}]", json_escape(w)))
                    .collect();
                // Binds in the order of their places: the reader's language comes first.
                let mut b = diesel::sql_query(sql)
                    .into_boxed()
                    .bind::<Text, _>(lang.to_owned())
                    .bind::<Text, _>(format!("[{}]", met_json.join(",")));
                if let Some(ids) = &only_ids {
                    let json: Vec<String> = ids
                        .iter()
                        .map(|i| format!("\"{}\"", json_escape(i)))
                        .collect();
                    b = b.bind::<Text, _>(format!("[{}]", json.join(",")));
                }
                b = b.bind::<BigInt, _>(terms);
                if paged {
                    b.bind::<BigInt, _>(limit)
                        .bind::<BigInt, _>(offset)
                        .load(c)?
                } else {
                    b.load(c)?
                }
            }
        })
    };
    let page = if limit > 0 {
        run(conn, page_tail, true)?
    } else {
        Vec::new()
    };
    let total = match page.first() {
        Some(r) => r.total,
        None if offset == 0 && limit > 0 => 0,
        None => run(conn, count_tail, false)?.first().map_or(0, |r| r.total),
    };
    Ok(Ranked {
        ids: page.into_iter().map(|r| (r.service_id, r.score)).collect(),
        total,
    })
}

/// Escapes a string for a JSON string literal.
fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// The postings of the whole index in memory, for ranking a text search without
/// reading every posting of its words from the database: a search that matches much
/// of the directory (`beratung`) would otherwise aggregate tens of thousands of rows
/// per request. Valid only while the index's count of changes is the one it was read
/// at (each search's [`lookup`] reads the count); another replica's write moves the
/// count too. About 8 bytes per posting plus each service's id and name.
#[derive(Debug)]
pub struct MemoryIndex {
    changes: i64,
    /// Per service (by its number here): id and name.
    services: Vec<(String, String)>,
    /// The languages of the postings, by number.
    languages: Vec<String>,
    /// Per word: (service number, weight, language number).
    words: std::collections::HashMap<String, Vec<(u32, u8, u8)>>,
}

impl MemoryIndex {
    /// Reads the postings; `None` when the index is not built, or when they changed
    /// while being read (the caller tries again later).
    pub fn load(conn: &mut AnyConnection) -> Result<Option<Self>> {
        let state = |conn: &mut AnyConnection| -> Result<Option<i64>> {
            let v: Option<(i32, i64)> = search_index_state::table
                .find(1)
                .select((search_index_state::version, search_index_state::changes))
                .first(conn)
                .optional()?;
            Ok(v.and_then(|(version, changes)| (version == INDEX_VERSION).then_some(changes)))
        };
        let Some(changes) = state(conn)? else {
            return Ok(None);
        };
        let mut index = Self {
            changes,
            services: Vec::new(),
            languages: Vec::new(),
            words: std::collections::HashMap::new(),
        };
        // Read a step of services at a time, so that neither the driver's buffer nor
        // the rows as strings ever hold the whole index.
        let mut after = String::new();
        loop {
            let ids: Vec<String> = services::table
                .filter(services::id.gt(&after))
                .order(services::id)
                .limit(BUILD_STEP * 4)
                .select(services::id)
                .load(conn)?;
            let Some(last) = ids.last() else { break };
            after = last.clone();
            let rows: Vec<(String, String, String, i32, String)> = search_postings::table
                .filter(search_postings::service_id.eq_any(&ids))
                .select((
                    search_postings::service_id,
                    search_postings::word,
                    search_postings::lang,
                    search_postings::weight,
                    search_postings::name,
                ))
                .order(search_postings::service_id)
                .load(conn)?;
            index.add(rows);
        }
        if state(conn)? != Some(changes) {
            return Ok(None);
        }
        index.words.shrink_to_fit();
        for list in index.words.values_mut() {
            list.shrink_to_fit();
        }
        Ok(Some(index))
    }

    /// Adds postings, ordered by service, of services not yet in the index.
    fn add(&mut self, rows: Vec<(String, String, String, i32, String)>) {
        let index = self;
        for (service, word, lang, weight, name) in rows {
            if index.services.last().is_none_or(|(id, _)| *id != service) {
                index.services.push((service, name));
            }
            let number = u32::try_from(index.services.len() - 1).unwrap_or(u32::MAX);
            let language = match index.languages.iter().position(|l| *l == lang) {
                Some(i) => i,
                None => {
                    index.languages.push(lang);
                    index.languages.len() - 1
                }
            };
            index.words.entry(word).or_default().push((
                number,
                u8::try_from(weight).unwrap_or(u8::MAX),
                u8::try_from(language).unwrap_or(u8::MAX),
            ));
        }
    }

    /// The count of changes it was read at.
    pub fn changes(&self) -> i64 {
        self.changes
    }

    /// How many postings it holds.
    pub fn postings(&self) -> usize {
        self.words.values().map(Vec::len).sum()
    }

    /// Ranks as [`ranked`] does (without other filters), from memory.
    pub fn rank(&self, met: &Met, lang: &str, offset: i64, limit: i64) -> Ranked {
        let reader = self.languages.iter().position(|l| l == lang);
        let terms = met.terms.len().min(rules::MAX_TERMS);
        // Per service and key, the best score; zero where the key did not meet it.
        let mut best = vec![0i32; self.services.len() * terms];
        let mut touched: Vec<u32> = Vec::new();
        for (t, words) in met.terms.iter().take(terms).enumerate() {
            for (word, how) in words {
                let Some(list) = self.words.get(word) else {
                    continue;
                };
                for &(service, weight, language) in list {
                    let i = service as usize * terms + t;
                    let score = rules::score(
                        i32::from(weight),
                        *how,
                        Some(usize::from(language)) == reader,
                    );
                    if t == 0 && best[i] == 0 {
                        touched.push(service);
                    }
                    best[i] = best[i].max(score);
                }
            }
        }
        let mut hits: Vec<(i64, u32)> = touched
            .into_iter()
            .filter_map(|s| {
                let row = &best[s as usize * terms..(s as usize + 1) * terms];
                row.iter()
                    .all(|v| *v > 0)
                    .then(|| (row.iter().map(|v| i64::from(*v)).sum(), s))
            })
            .collect();
        let total = i64::try_from(hits.len()).unwrap_or(i64::MAX);
        let order = |a: &(i64, u32), b: &(i64, u32)| {
            let (na, nb) = (&self.services[a.1 as usize], &self.services[b.1 as usize]);
            b.0.cmp(&a.0)
                .then_with(|| na.1.as_bytes().cmp(nb.1.as_bytes()))
                .then_with(|| na.0.cmp(&nb.0))
        };
        let start = usize::try_from(offset.max(0)).unwrap_or(usize::MAX);
        let take = usize::try_from(limit.max(0)).unwrap_or(0);
        let end = start.saturating_add(take).min(hits.len());
        if start >= end {
            return Ranked {
                ids: Vec::new(),
                total,
            };
        }
        if end < hits.len() {
            hits.select_nth_unstable_by(end - 1, order);
            hits.truncate(end);
        }
        hits.sort_unstable_by(order);
        Ranked {
            ids: hits[start..end]
                .iter()
                .map(|(score, s)| (self.services[*s as usize].0.clone(), *score))
                .collect(),
            total,
        }
    }
}

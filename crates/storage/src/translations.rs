//! Translations of human text fields, for any entity.

use std::collections::HashMap;

use diesel::prelude::*;
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::translation::Translation;

use crate::error::stored;
use crate::schema::translations;
use crate::{AnyConnection, Result};

/// The translations of one entity, by field name (sorted), each field's by language.
pub type FieldTranslations = std::collections::BTreeMap<String, Vec<Translation>>;

/// Sets (inserts or replaces) the translation of `field` of an entity into `language`.
pub fn set(
    conn: &mut AnyConnection,
    organisation_id: &str,
    entity_id: &str,
    field: &str,
    translation: &Translation,
) -> Result<()> {
    conn.transaction(|conn| {
        remove(conn, entity_id, field, translation.language)?;
        diesel::insert_into(translations::table)
            .values((
                translations::entity_id.eq(entity_id),
                translations::field.eq(field),
                translations::language.eq(translation.language.as_str()),
                translations::organisation_id.eq(organisation_id),
                translations::text.eq(&translation.text),
                translations::machine_translated.eq(translation.machine_translated),
                translations::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Removes one translation; true when there was one.
pub fn remove(
    conn: &mut AnyConnection,
    entity_id: &str,
    field: &str,
    language: LanguageCode,
) -> Result<bool> {
    let n = diesel::delete(
        translations::table
            .filter(translations::entity_id.eq(entity_id))
            .filter(translations::field.eq(field))
            .filter(translations::language.eq(language.as_str())),
    )
    .execute(conn)?;
    Ok(n > 0)
}

/// Removes every translation of an entity (when it is deleted).
pub fn remove_all(conn: &mut AnyConnection, entity_id: &str) -> Result<()> {
    diesel::delete(translations::table.filter(translations::entity_id.eq(entity_id)))
        .execute(conn)?;
    Ok(())
}

/// Loads the translations of many entities in one statement.
pub fn load(
    conn: &mut AnyConnection,
    entity_ids: &[String],
) -> Result<HashMap<String, FieldTranslations>> {
    let rows: Vec<(String, String, String, String, bool)> = translations::table
        .filter(translations::entity_id.eq_any(entity_ids))
        .order((
            translations::entity_id,
            translations::field,
            translations::language,
        ))
        .select((
            translations::entity_id,
            translations::field,
            translations::language,
            translations::text,
            translations::machine_translated,
        ))
        .load(conn)?;
    let mut out: HashMap<String, FieldTranslations> = HashMap::new();
    for (entity, field, language, text, machine_translated) in rows {
        let language = stored("translations.language", LanguageCode::parse(&language))?;
        out.entry(entity)
            .or_default()
            .entry(field)
            .or_default()
            .push(Translation {
                language,
                text,
                machine_translated,
            });
    }
    Ok(out)
}

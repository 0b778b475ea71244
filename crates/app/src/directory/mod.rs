//! The directory's use cases: organisations, their locations, services and contacts
//! changed (here) and read (`read`).

pub mod read;

use netzwerk_domain::ValidationError;
use netzwerk_domain::access::Actor;
use netzwerk_domain::contact::ContactInput;
use netzwerk_domain::ids::{ContactId, EventId, LocationId, NewsId, OrganisationId, ServiceId};
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::location::LocationInput;
use netzwerk_domain::organisation::OrganisationInput;
use netzwerk_domain::service::ServiceInput;
use netzwerk_domain::slug::Slug;
use netzwerk_domain::translation::Translation;
use netzwerk_storage::{AnyConnection, contacts, locations, organisations, services, translations};

pub use netzwerk_storage::contacts::ContactRecord;
pub use netzwerk_storage::locations::LocationRecord;
pub use netzwerk_storage::organisations::OrganisationRecord;
pub use netzwerk_storage::search::Maintained as SearchMaintained;
pub use netzwerk_storage::services::ServiceRecord;

use crate::Hub;
use crate::error::{Error, Result};

/// How a command names an organisation: by id (the API) or by slug (the command line,
/// links). Either way the use case finds it or answers `NotFound`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrganisationKey {
    /// By id.
    Id(OrganisationId),
    /// By slug, as typed (checked when resolved).
    Slug(String),
    /// By id or slug, whichever it parses as.
    IdOrSlug(String),
}

impl OrganisationKey {
    /// The organisation's id; `NotFound` names what was asked for.
    pub async fn resolve(&self, hub: &Hub) -> Result<OrganisationId> {
        let key = self.clone();
        hub.read(move |c| key.resolve_in(c)).await
    }

    /// The same, on a connection (inside a use case's transaction).
    pub(crate) fn resolve_in(&self, conn: &mut AnyConnection) -> Result<OrganisationId> {
        let by_slug = |conn: &mut AnyConnection, raw: &str| -> Result<OrganisationId> {
            let slug = Slug::parse(raw).map_err(|e| e.within("organisation"))?;
            organisations::find_id_by_slug(conn, &slug)?
                .ok_or_else(|| Error::NotFound(format!("the organisation with the slug {slug}")))
        };
        match self {
            OrganisationKey::Id(id) => Ok(organisations::get(conn, *id)?.id),
            OrganisationKey::Slug(raw) => by_slug(conn, raw),
            OrganisationKey::IdOrSlug(raw) => match OrganisationId::parse(raw) {
                Ok(id) => Ok(organisations::get(conn, id)?.id),
                Err(_) => by_slug(conn, raw).map_err(|e| match e {
                    Error::Invalid(_) => Error::NotFound(format!("organisation {raw:?}")),
                    other => other,
                }),
            },
        }
    }
}

/// How an update changes the stored value: the adapter's patch, applied to the value
/// as read in the use case's transaction, given as unvalidated input (`…Input::of`;
/// absent fields keep, cleared ones clear).
pub type Patch<I> = Box<dyn FnOnce(I) -> I + Send>;

/// Admits a new organisation (coordinator).
pub async fn create_organisation(
    hub: &Hub,
    actor: Actor,
    input: OrganisationInput,
) -> Result<OrganisationRecord> {
    actor.may_administer()?;
    let org = input.validate()?;
    hub.transact(move |c| {
        actor.may_administer()?;
        Ok(organisations::insert(c, &actor.label(), &org)?)
    })
    .await
}

/// Changes an organisation (its editors, the coordinator). A change of its
/// membership (status or date) is the coordinator's only: the patched value is
/// compared with the stored one inside the transaction, whatever the adapter sent.
pub async fn update_organisation(
    hub: &Hub,
    actor: Actor,
    id: OrganisationId,
    patch: Patch<OrganisationInput>,
) -> Result<OrganisationRecord> {
    actor.may_edit(id)?;
    hub.transact(move |c| {
        let current = organisations::get(c, id)?;
        let org = patch(OrganisationInput::of(&current.value)).validate()?;
        if org.membership_status != current.value.membership_status
            || org.member_since != current.value.member_since
        {
            actor.may_administer()?;
        }
        Ok(organisations::update(c, &actor.label(), id, &org)?)
    })
    .await
}

/// Removes an organisation with everything that belongs to it (coordinator).
pub async fn delete_organisation(hub: &Hub, actor: Actor, id: OrganisationId) -> Result<()> {
    actor.may_administer()?;
    hub.transact(move |c| {
        actor.may_administer()?;
        Ok(organisations::delete(c, &actor.label(), id)?)
    })
    .await
}

/// Adds a location to an organisation (its editors, the coordinator).
pub async fn create_location(
    hub: &Hub,
    actor: Actor,
    organisation: OrganisationId,
    input: LocationInput,
) -> Result<LocationRecord> {
    actor.may_edit(organisation)?;
    let loc = input.validate()?;
    hub.transact(move |c| {
        organisations::get(c, organisation)?;
        Ok(locations::insert(c, &actor.label(), organisation, &loc)?)
    })
    .await
}

/// Changes a location (its organisation's editors, the coordinator).
pub async fn update_location(
    hub: &Hub,
    actor: Actor,
    id: LocationId,
    patch: Patch<LocationInput>,
) -> Result<LocationRecord> {
    actor.must_be_signed_in()?;
    hub.transact(move |c| {
        let current = locations::get(c, id)?;
        actor.may_edit(current.organisation_id)?;
        let loc = patch(LocationInput::of(&current.value)).validate()?;
        Ok(locations::update(c, &actor.label(), id, &loc)?)
    })
    .await
}

/// Removes a location; its services stay, without it.
pub async fn delete_location(hub: &Hub, actor: Actor, id: LocationId) -> Result<()> {
    actor.must_be_signed_in()?;
    hub.transact(move |c| {
        actor.may_edit(locations::get(c, id)?.organisation_id)?;
        Ok(locations::delete(c, &actor.label(), id)?)
    })
    .await
}

/// Adds a service (offer) to an organisation (its editors, the coordinator).
pub async fn create_service(
    hub: &Hub,
    actor: Actor,
    organisation: OrganisationId,
    input: ServiceInput,
) -> Result<ServiceRecord> {
    actor.may_edit(organisation)?;
    let (service, links) = input.validate()?;
    hub.transact(move |c| {
        organisations::get(c, organisation)?;
        Ok(services::insert(
            c,
            &actor.label(),
            organisation,
            &service,
            &links,
        )?)
    })
    .await
}

/// Changes a service; lists given replace the stored ones.
pub async fn update_service(
    hub: &Hub,
    actor: Actor,
    id: ServiceId,
    patch: Patch<ServiceInput>,
) -> Result<ServiceRecord> {
    actor.must_be_signed_in()?;
    hub.transact(move |c| {
        let current = services::get(c, id)?;
        actor.may_edit(current.organisation_id)?;
        let links = services::links_of(c, id)?;
        let (service, links) = patch(ServiceInput::of(&current.value, &links)).validate()?;
        Ok(services::update(c, &actor.label(), id, &service, &links)?)
    })
    .await
}

/// Removes a service.
pub async fn delete_service(hub: &Hub, actor: Actor, id: ServiceId) -> Result<()> {
    actor.must_be_signed_in()?;
    hub.transact(move |c| {
        actor.may_edit(services::get(c, id)?.organisation_id)?;
        Ok(services::delete(c, &actor.label(), id)?)
    })
    .await
}

/// Adds a contact person to an organisation (its editors, the coordinator).
pub async fn create_contact(
    hub: &Hub,
    actor: Actor,
    organisation: OrganisationId,
    input: ContactInput,
) -> Result<read::ContactView> {
    actor.may_edit(organisation)?;
    let contact = input.validate()?;
    let rec = hub
        .transact(move |c| {
            organisations::get(c, organisation)?;
            Ok(contacts::insert(c, &actor.label(), organisation, &contact)?)
        })
        .await?;
    Ok(read::contact_view(actor, rec))
}

/// Changes a contact person.
pub async fn update_contact(
    hub: &Hub,
    actor: Actor,
    id: ContactId,
    patch: Patch<ContactInput>,
) -> Result<read::ContactView> {
    actor.must_be_signed_in()?;
    let rec = hub
        .transact(move |c| {
            let current = contacts::get(c, id)?;
            actor.may_edit(current.organisation_id)?;
            let contact = patch(ContactInput::of(&current.value)).validate()?;
            Ok(contacts::update(c, &actor.label(), id, &contact)?)
        })
        .await?;
    Ok(read::contact_view(actor, rec))
}

/// Removes a contact person.
pub async fn delete_contact(hub: &Hub, actor: Actor, id: ContactId) -> Result<()> {
    actor.must_be_signed_in()?;
    hub.transact(move |c| {
        actor.may_edit(contacts::get(c, id)?.organisation_id)?;
        Ok(contacts::delete(c, &actor.label(), id)?)
    })
    .await
}

/// Entities whose human text fields can be translated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Translatable {
    /// `description`.
    Organisation,
    /// `accessibilityNote`, `transportHint`.
    Location,
    /// `name`, `description`, `feeNote`, `eligibility`, `applicationProcess`.
    Service,
    /// `role`.
    Contact,
    /// `title`, `description`.
    Event,
    /// `title`, `body`.
    News,
}

impl Translatable {
    /// The fields that may carry translations.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Translatable::Organisation => &["description"],
            Translatable::Location => &["accessibilityNote", "transportHint"],
            Translatable::Service => &[
                "name",
                "description",
                "feeNote",
                "eligibility",
                "applicationProcess",
            ],
            Translatable::Contact => &["role"],
            Translatable::Event => &["title", "description"],
            Translatable::News => &["title", "body"],
        }
    }
}

/// One field of one entity in one language.
#[derive(Debug, Clone)]
pub struct TranslationTarget {
    /// The kind of entity.
    pub kind: Translatable,
    /// Its id.
    pub entity: String,
    /// The field (one of `kind.fields()`).
    pub field: String,
    /// ISO 639-1.
    pub language: String,
}

impl TranslationTarget {
    /// The entity id, field and language checked, each named when wrong.
    fn check(&self) -> Result<(String, LanguageCode)> {
        let entity = match self.kind {
            Translatable::Organisation => {
                OrganisationId::parse(&self.entity).map(|i| i.to_string())
            }
            Translatable::Location => LocationId::parse(&self.entity).map(|i| i.to_string()),
            Translatable::Service => ServiceId::parse(&self.entity).map(|i| i.to_string()),
            Translatable::Contact => ContactId::parse(&self.entity).map(|i| i.to_string()),
            Translatable::Event => EventId::parse(&self.entity).map(|i| i.to_string()),
            Translatable::News => NewsId::parse(&self.entity).map(|i| i.to_string()),
        }
        .map_err(|e| e.within("entityId"))?;
        if !self.kind.fields().contains(&self.field.as_str()) {
            return Err(ValidationError::new(
                "field",
                "one_of",
                format!(
                    "{:?} has no translatable field {:?}; use one of {}",
                    self.kind,
                    self.field,
                    self.kind.fields().join(", ")
                ),
            )
            .into());
        }
        let language = LanguageCode::parse(&self.language).map_err(|e| e.within("language"))?;
        Ok((entity, language))
    }

    /// The organisation the entity belongs to.
    fn owner(&self, conn: &mut AnyConnection, entity: &str) -> Result<OrganisationId> {
        let bad = |e: ValidationError| Error::Invalid(e.within("entityId"));
        Ok(match self.kind {
            Translatable::Organisation => {
                organisations::get(conn, OrganisationId::parse(entity).map_err(bad)?)?
                    .organisation_id
            }
            Translatable::Location => {
                locations::get(conn, LocationId::parse(entity).map_err(bad)?)?.organisation_id
            }
            Translatable::Service => {
                services::get(conn, ServiceId::parse(entity).map_err(bad)?)?.organisation_id
            }
            Translatable::Contact => {
                contacts::get(conn, ContactId::parse(entity).map_err(bad)?)?.organisation_id
            }
            Translatable::Event => {
                netzwerk_storage::events::get(conn, EventId::parse(entity).map_err(bad)?)?
                    .organisation_id
            }
            Translatable::News => {
                netzwerk_storage::news::get(conn, NewsId::parse(entity).map_err(bad)?)?
                    .organisation_id
            }
        })
    }
}

/// Sets the translation of one field into one language, replacing an earlier one (the
/// entity's organisation's editors, the coordinator).
pub async fn set_translation(
    hub: &Hub,
    actor: Actor,
    target: TranslationTarget,
    text: &str,
    machine_translated: bool,
) -> Result<Translation> {
    actor.must_be_signed_in()?;
    let (entity, language) = target.check()?;
    let text = netzwerk_domain::error::required_text(text, netzwerk_domain::organisation::TEXT_MAX)
        .map_err(|e| e.within("input.text"))?;
    let t = Translation {
        language,
        text,
        machine_translated,
    };
    let stored = t.clone();
    let news_at_once = hub.settings().news_at_once;
    hub.transact(move |c| {
        let org = target.owner(c, &entity)?;
        actor.may_edit(org)?;
        if target.kind == Translatable::News {
            // A translation is new text: like any change by an editor, it sends the
            // item back to review (the coordinator's keeps its status).
            crate::news::after_change(c, actor, &entity, news_at_once)?;
        }
        if target.kind == Translatable::Service {
            services::set_translation(c, &org.to_string(), &entity, &target.field, &t)?;
        } else {
            translations::set(c, &org.to_string(), &entity, &target.field, &t)?;
        }
        Ok(())
    })
    .await?;
    Ok(stored)
}

/// Removes the translation of one field into one language; false when there was none.
pub async fn remove_translation(
    hub: &Hub,
    actor: Actor,
    target: TranslationTarget,
) -> Result<bool> {
    actor.must_be_signed_in()?;
    let (entity, language) = target.check()?;
    hub.transact(move |c| {
        actor.may_edit(target.owner(c, &entity)?)?;
        Ok(if target.kind == Translatable::Service {
            services::remove_translation(c, &entity, &target.field, language)?
        } else {
            translations::remove(c, &entity, &target.field, language)?
        })
    })
    .await
}

/// Builds the services' search index when it was never built or its key rules
/// changed, else removes words no service uses any more. What `migrate` and `serve`
/// run at start and the hourly job runs; replicas take turns.
pub async fn maintain_search_index(hub: &Hub) -> Result<SearchMaintained> {
    hub.transact(|c| Ok(netzwerk_storage::search::maintain(c)?))
        .await
}

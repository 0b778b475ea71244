//! The write side. Every permission check goes through `netzwerk_domain::access`;
//! every input is validated by the domain before anything is written; every write is
//! one transaction in storage.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use netzwerk_domain::ValidationError;
use netzwerk_domain::access::Actor;
use netzwerk_domain::contact::ContactInput as DContactInput;
use netzwerk_domain::ids::{ContactId, LocationId, OrganisationId, ServiceId};
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::location::LocationInput as DLocationInput;
use netzwerk_domain::organisation::OrganisationInput as DOrganisationInput;
use netzwerk_domain::service::ServiceInput as DServiceInput;
use netzwerk_domain::translation::Translation;
use netzwerk_storage::{
    AnyConnection, StorageError, contacts, locations, organisations, services, translations,
};

use super::SchemaSettings;
use super::context::{actor, parse_id, prefs, viewer};
use super::enums::TranslatableEntity;
use super::error::{ApiResult, Code, coded, denied, storage, validation};
use super::inputs::{
    ContactInput, LocationInput, OrganisationInput, ServiceInput, TranslationInput, contact_base,
    location_base, organisation_base, service_base,
};
use super::objects::{Contact, Location, Organisation, Service, TranslationEntry};
use super::query::{Me, db};

/// Changes to the directory and sign-in.
#[derive(Default)]
pub struct DirectoryMutation;

/// A new session.
#[derive(SimpleObject)]
pub struct LoginPayload {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
    /// The account.
    pub user: Me,
}

/// What was deleted.
#[derive(SimpleObject)]
pub struct DeletePayload {
    /// The id of the deleted entity.
    pub id: ID,
}

/// The change log's name for the actor.
pub(crate) fn label(actor: Actor) -> String {
    actor.label()
}

pub(crate) fn check(ok: Result<(), netzwerk_domain::access::Denied>) -> ApiResult<()> {
    ok.map_err(denied)
}

pub(crate) fn valid<T>(r: Result<T, ValidationError>) -> ApiResult<T> {
    r.map_err(|e| validation(&e))
}

/// Anonymous callers learn nothing about what exists: they are told to sign in first.
pub(crate) fn must_sign_in(ctx: &Context<'_>) -> ApiResult<Actor> {
    let a = actor(ctx);
    if a.is_signed_in() {
        Ok(a)
    } else {
        Err(denied(netzwerk_domain::access::Denied::Unauthenticated))
    }
}

pub(crate) async fn owner_of<F>(ctx: &Context<'_>, find: F) -> ApiResult<OrganisationId>
where
    F: FnOnce(&mut AnyConnection) -> Result<OrganisationId, StorageError> + Send + 'static,
{
    db(ctx).run(find).await.map_err(storage)
}

#[Object]
impl DirectoryMutation {
    /// Signs in with e-mail and password and returns the bearer token: send it as
    /// `Authorization: Bearer <token>`. `signIn` gives the same with expiry and account.
    async fn login(&self, ctx: &Context<'_>, email: String, password: String) -> ApiResult<String> {
        Ok(sign_in(ctx, &email, &password).await?.token)
    }

    /// Signs in with e-mail and password: the bearer token, when it expires, and the account.
    async fn sign_in(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
    ) -> ApiResult<LoginPayload> {
        sign_in(ctx, &email, &password).await
    }

    /// Ends the current session.
    async fn logout(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        match &viewer(ctx).token {
            Some(t) => netzwerk_app::auth::logout(db(ctx), t)
                .await
                .map_err(storage),
            None => Err(denied(netzwerk_domain::access::Denied::Unauthenticated)),
        }
    }

    /// Admits a new organisation (coordinator).
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: OrganisationInput,
    ) -> ApiResult<Organisation> {
        let a = actor(ctx);
        check(a.may_administer())?;
        let org = valid(input.apply(DOrganisationInput::default()).validate())?;
        let rec = db(ctx)
            .write(move |c| organisations::insert(c, &label(a), &org))
            .await
            .map_err(storage)?;
        Ok(Organisation::new(Arc::new(rec), prefs(ctx)))
    }

    /// Changes an organisation (its editors or the coordinator; membership: coordinator only).
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: OrganisationInput,
    ) -> ApiResult<Organisation> {
        let a = must_sign_in(ctx)?;
        let id = parse_id("id", &id, OrganisationId::parse)?;
        check(a.may_edit(id))?;
        if input.touches_membership() {
            check(a.may_administer())?;
        }
        let current = db(ctx)
            .run(move |c| organisations::get(c, id))
            .await
            .map_err(storage)?;
        let org = valid(input.apply(organisation_base(&current.value)).validate())?;
        let rec = db(ctx)
            .write(move |c| organisations::update(c, &label(a), id, &org))
            .await
            .map_err(storage)?;
        Ok(Organisation::new(Arc::new(rec), prefs(ctx)))
    }

    /// Removes an organisation with everything that belongs to it (coordinator).
    async fn delete_organisation(&self, ctx: &Context<'_>, id: ID) -> ApiResult<DeletePayload> {
        let a = actor(ctx);
        check(a.may_administer())?;
        let oid = parse_id("id", &id, OrganisationId::parse)?;
        db(ctx)
            .write(move |c| organisations::delete(c, &label(a), oid))
            .await
            .map_err(storage)?;
        Ok(DeletePayload { id })
    }

    /// Adds a location to an organisation.
    async fn create_location(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        input: LocationInput,
    ) -> ApiResult<Location> {
        let a = must_sign_in(ctx)?;
        let org = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        check(a.may_edit(org))?;
        let loc = valid(input.apply(DLocationInput::default()).validate())?;
        let rec = db(ctx)
            .write(move |c| {
                organisations::get(c, org)?;
                locations::insert(c, &label(a), org, &loc)
            })
            .await
            .map_err(storage)?;
        Ok(Location::new(rec, prefs(ctx)))
    }

    /// Changes a location.
    async fn update_location(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: LocationInput,
    ) -> ApiResult<Location> {
        let a = must_sign_in(ctx)?;
        let id = parse_id("id", &id, LocationId::parse)?;
        let current = db(ctx)
            .run(move |c| locations::get(c, id))
            .await
            .map_err(storage)?;
        check(a.may_edit(current.organisation_id))?;
        let loc = valid(input.apply(location_base(&current.value)).validate())?;
        let rec = db(ctx)
            .write(move |c| locations::update(c, &label(a), id, &loc))
            .await
            .map_err(storage)?;
        Ok(Location::new(rec, prefs(ctx)))
    }

    /// Removes a location (its services stay, without it).
    async fn delete_location(&self, ctx: &Context<'_>, id: ID) -> ApiResult<DeletePayload> {
        let a = must_sign_in(ctx)?;
        let lid = parse_id("id", &id, LocationId::parse)?;
        let org = owner_of(ctx, move |c| Ok(locations::get(c, lid)?.organisation_id)).await?;
        check(a.may_edit(org))?;
        db(ctx)
            .write(move |c| locations::delete(c, &label(a), lid))
            .await
            .map_err(storage)?;
        Ok(DeletePayload { id })
    }

    /// Adds a service (offer) to an organisation.
    async fn create_service(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        input: ServiceInput,
    ) -> ApiResult<Service> {
        let a = must_sign_in(ctx)?;
        let org = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        check(a.may_edit(org))?;
        let (service, links) = valid(input.apply(DServiceInput::default()).validate())?;
        let rec = db(ctx)
            .write(move |c| {
                organisations::get(c, org)?;
                services::insert(c, &label(a), org, &service, &links)
            })
            .await
            .map_err(storage)?;
        Ok(Service::new(rec, prefs(ctx)))
    }

    /// Changes a service; lists given replace the stored ones.
    async fn update_service(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ServiceInput,
    ) -> ApiResult<Service> {
        let a = must_sign_in(ctx)?;
        let id = parse_id("id", &id, ServiceId::parse)?;
        let (current, links) = db(ctx)
            .run(move |c| Ok((services::get(c, id)?, services::links_of(c, id)?)))
            .await
            .map_err(storage)?;
        check(a.may_edit(current.organisation_id))?;
        let (service, links) = valid(input.apply(service_base(&current.value, &links)).validate())?;
        let rec = db(ctx)
            .write(move |c| services::update(c, &label(a), id, &service, &links))
            .await
            .map_err(storage)?;
        Ok(Service::new(rec, prefs(ctx)))
    }

    /// Removes a service.
    async fn delete_service(&self, ctx: &Context<'_>, id: ID) -> ApiResult<DeletePayload> {
        let a = must_sign_in(ctx)?;
        let sid = parse_id("id", &id, ServiceId::parse)?;
        let org = owner_of(ctx, move |c| Ok(services::get(c, sid)?.organisation_id)).await?;
        check(a.may_edit(org))?;
        db(ctx)
            .write(move |c| services::delete(c, &label(a), sid))
            .await
            .map_err(storage)?;
        Ok(DeletePayload { id })
    }

    /// Adds a contact person to an organisation.
    async fn create_contact(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        input: ContactInput,
    ) -> ApiResult<Contact> {
        let a = must_sign_in(ctx)?;
        let org = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        check(a.may_edit(org))?;
        let contact = valid(input.apply(DContactInput::default()).validate())?;
        let rec = db(ctx)
            .write(move |c| {
                organisations::get(c, org)?;
                contacts::insert(c, &label(a), org, &contact)
            })
            .await
            .map_err(storage)?;
        Ok(Contact::new(rec, prefs(ctx)))
    }

    /// Changes a contact person.
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ContactInput,
    ) -> ApiResult<Contact> {
        let a = must_sign_in(ctx)?;
        let id = parse_id("id", &id, ContactId::parse)?;
        let current = db(ctx)
            .run(move |c| contacts::get(c, id))
            .await
            .map_err(storage)?;
        check(a.may_edit(current.organisation_id))?;
        let contact = valid(input.apply(contact_base(&current.value)).validate())?;
        let rec = db(ctx)
            .write(move |c| contacts::update(c, &label(a), id, &contact))
            .await
            .map_err(storage)?;
        Ok(Contact::new(rec, prefs(ctx)))
    }

    /// Removes a contact person.
    async fn delete_contact(&self, ctx: &Context<'_>, id: ID) -> ApiResult<DeletePayload> {
        let a = must_sign_in(ctx)?;
        let cid = parse_id("id", &id, ContactId::parse)?;
        let org = owner_of(ctx, move |c| Ok(contacts::get(c, cid)?.organisation_id)).await?;
        check(a.may_edit(org))?;
        db(ctx)
            .write(move |c| contacts::delete(c, &label(a), cid))
            .await
            .map_err(storage)?;
        Ok(DeletePayload { id })
    }

    /// Sets the translation of one field into one language (replacing an earlier one).
    async fn set_translation(
        &self,
        ctx: &Context<'_>,
        input: TranslationInput,
    ) -> ApiResult<TranslationEntry> {
        let a = must_sign_in(ctx)?;
        let (entity, field, language) = translation_target(
            input.entity_type,
            &input.entity_id,
            &input.field,
            &input.language,
        )?;
        let text = valid(
            netzwerk_domain::error::required_text(
                &input.text,
                netzwerk_domain::organisation::TEXT_MAX,
            )
            .map_err(|e| e.within("input.text")),
        )?;
        let org = owner(ctx, input.entity_type, entity.clone()).await?;
        check(a.may_edit(org))?;
        let t = Translation {
            language,
            text,
            machine_translated: input.machine_translated,
        };
        let (e2, f2, t2, kind) = (entity.clone(), field.clone(), t.clone(), input.entity_type);
        db(ctx)
            .write(move |c| {
                if kind == TranslatableEntity::Service {
                    services::set_translation(c, &org.to_string(), &e2, &f2, &t2)
                } else {
                    translations::set(c, &org.to_string(), &e2, &f2, &t2)
                }
            })
            .await
            .map_err(storage)?;
        Ok(TranslationEntry {
            field,
            language: t.language.as_str().to_owned(),
            text: t.text,
            machine_translated: t.machine_translated,
        })
    }

    /// Removes the translation of one field into one language; false when there was none.
    async fn remove_translation(
        &self,
        ctx: &Context<'_>,
        entity_type: TranslatableEntity,
        entity_id: ID,
        field: String,
        language: String,
    ) -> ApiResult<bool> {
        let a = must_sign_in(ctx)?;
        let (entity, field, language) =
            translation_target(entity_type, &entity_id, &field, &language)?;
        let org = owner(ctx, entity_type, entity.clone()).await?;
        check(a.may_edit(org))?;
        db(ctx)
            .write(move |c| {
                if entity_type == TranslatableEntity::Service {
                    services::remove_translation(c, &entity, &field, language)
                } else {
                    translations::remove(c, &entity, &field, language)
                }
            })
            .await
            .map_err(storage)
    }
}

async fn sign_in(ctx: &Context<'_>, email: &str, password: &str) -> ApiResult<LoginPayload> {
    let settings = ctx.data_unchecked::<SchemaSettings>();
    let client = viewer(ctx).client.as_deref();
    let session = netzwerk_app::auth::login(
        db(ctx),
        email,
        password,
        settings.token_ttl,
        settings.login_limits,
        client,
    )
    .await
    .map_err(storage)?;
    let Some(s) = session else {
        return Err(coded(
            Code::Unauthenticated,
            "e-mail address or password is wrong",
        ));
    };
    let organisation_id = match netzwerk_app::auth::actor_of(&s.user, false) {
        Actor::Editor { organisation, .. } => Some(ID(organisation.to_string())),
        _ => None,
    };
    Ok(LoginPayload {
        token: s.token,
        expires_at: s.expires_at,
        user: Me {
            id: ID(s.user.id.to_string()),
            role: s.user.role.into(),
            organisation_id,
        },
    })
}

/// Checks the id, field and language of a translation, naming what is wrong.
fn translation_target(
    kind: TranslatableEntity,
    id: &ID,
    field: &str,
    language: &str,
) -> ApiResult<(String, String, LanguageCode)> {
    let entity = match kind {
        TranslatableEntity::Organisation => OrganisationId::parse(id).map(|i| i.to_string()),
        TranslatableEntity::Location => LocationId::parse(id).map(|i| i.to_string()),
        TranslatableEntity::Service => ServiceId::parse(id).map(|i| i.to_string()),
        TranslatableEntity::Contact => ContactId::parse(id).map(|i| i.to_string()),
        TranslatableEntity::Event => {
            netzwerk_domain::ids::EventId::parse(id).map(|i| i.to_string())
        }
    };
    let entity = valid(entity.map_err(|e| e.within("entityId")))?;
    if !kind.fields().contains(&field) {
        return Err(validation(&ValidationError::new(
            "field",
            "one_of",
            format!(
                "{kind:?} has no translatable field {field:?}; use one of {}",
                kind.fields().join(", ")
            ),
        )));
    }
    let language = valid(LanguageCode::parse(language).map_err(|e| e.within("language")))?;
    Ok((entity, field.to_owned(), language))
}

async fn owner(
    ctx: &Context<'_>,
    kind: TranslatableEntity,
    entity: String,
) -> ApiResult<OrganisationId> {
    owner_of(ctx, move |c| {
        let bad = |e: ValidationError| StorageError::Invalid(e.within("entityId"));
        Ok(match kind {
            TranslatableEntity::Organisation => {
                organisations::get(c, OrganisationId::parse(&entity).map_err(bad)?)?.organisation_id
            }
            TranslatableEntity::Location => {
                locations::get(c, LocationId::parse(&entity).map_err(bad)?)?.organisation_id
            }
            TranslatableEntity::Service => {
                services::get(c, ServiceId::parse(&entity).map_err(bad)?)?.organisation_id
            }
            TranslatableEntity::Contact => {
                contacts::get(c, ContactId::parse(&entity).map_err(bad)?)?.organisation_id
            }
            TranslatableEntity::Event => {
                let id = netzwerk_domain::ids::EventId::parse(&entity).map_err(bad)?;
                netzwerk_storage::events::get(c, id)?.organisation_id
            }
        })
    })
    .await
}

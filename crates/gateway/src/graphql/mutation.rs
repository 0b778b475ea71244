//! The directory's write side and sign-in: each resolver applies its GraphQL input to
//! the domain input and calls one use case of `netzwerk_app::directory`, which asks
//! `domain::access` and writes in one transaction.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use netzwerk_app::directory::{self, TranslationTarget};
use netzwerk_domain::ValidationError;
use netzwerk_domain::contact::ContactInput as DContactInput;
use netzwerk_domain::ids::{ContactId, LocationId, OrganisationId, ServiceId};
use netzwerk_domain::location::LocationInput as DLocationInput;
use netzwerk_domain::organisation::OrganisationInput as DOrganisationInput;
use netzwerk_domain::service::ServiceInput as DServiceInput;

use super::context::{actor, hub, parse_id, prefs, viewer};
use super::enums::TranslatableEntity;
use super::error::{ApiResult, app, validation};
use super::inputs::{
    ContactInput, LocationInput, OrganisationInput, ServiceInput, TranslationInput,
};
use super::objects::{Contact, Location, Organisation, Service, TranslationEntry};
use super::query::Me;

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

pub(crate) fn valid<T>(r: Result<T, ValidationError>) -> ApiResult<T> {
    r.map_err(|e| validation(&e))
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
        netzwerk_app::auth::logout(hub(ctx), viewer(ctx).token.as_deref())
            .await
            .map_err(app)
    }

    /// Admits a new organisation (coordinator).
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: OrganisationInput,
    ) -> ApiResult<Organisation> {
        let input = input.apply(DOrganisationInput::default());
        let rec = directory::create_organisation(hub(ctx), actor(ctx), input)
            .await
            .map_err(app)?;
        Ok(Organisation::new(Arc::new(rec), prefs(ctx)))
    }

    /// Changes an organisation (its editors or the coordinator; membership: coordinator only).
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: OrganisationInput,
    ) -> ApiResult<Organisation> {
        let id = parse_id("id", &id, OrganisationId::parse)?;
        let patch = Box::new(move |base| input.apply(base));
        let rec = directory::update_organisation(hub(ctx), actor(ctx), id, patch)
            .await
            .map_err(app)?;
        Ok(Organisation::new(Arc::new(rec), prefs(ctx)))
    }

    /// Removes an organisation with everything that belongs to it (coordinator).
    async fn delete_organisation(&self, ctx: &Context<'_>, id: ID) -> ApiResult<DeletePayload> {
        let oid = parse_id("id", &id, OrganisationId::parse)?;
        directory::delete_organisation(hub(ctx), actor(ctx), oid)
            .await
            .map_err(app)?;
        Ok(DeletePayload { id })
    }

    /// Adds a location to an organisation.
    async fn create_location(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        input: LocationInput,
    ) -> ApiResult<Location> {
        let org = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        let input = input.apply(DLocationInput::default());
        let rec = directory::create_location(hub(ctx), actor(ctx), org, input)
            .await
            .map_err(app)?;
        Ok(Location::new(rec, prefs(ctx)))
    }

    /// Changes a location.
    async fn update_location(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: LocationInput,
    ) -> ApiResult<Location> {
        let id = parse_id("id", &id, LocationId::parse)?;
        let patch = Box::new(move |base| input.apply(base));
        let rec = directory::update_location(hub(ctx), actor(ctx), id, patch)
            .await
            .map_err(app)?;
        Ok(Location::new(rec, prefs(ctx)))
    }

    /// Removes a location (its services stay, without it).
    async fn delete_location(&self, ctx: &Context<'_>, id: ID) -> ApiResult<DeletePayload> {
        let lid = parse_id("id", &id, LocationId::parse)?;
        directory::delete_location(hub(ctx), actor(ctx), lid)
            .await
            .map_err(app)?;
        Ok(DeletePayload { id })
    }

    /// Adds a service (offer) to an organisation.
    async fn create_service(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        input: ServiceInput,
    ) -> ApiResult<Service> {
        let org = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        let input = input.apply(DServiceInput::default());
        let rec = directory::create_service(hub(ctx), actor(ctx), org, input)
            .await
            .map_err(app)?;
        Ok(Service::new(rec, prefs(ctx)))
    }

    /// Changes a service; lists given replace the stored ones.
    async fn update_service(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ServiceInput,
    ) -> ApiResult<Service> {
        let id = parse_id("id", &id, ServiceId::parse)?;
        let patch = Box::new(move |base| input.apply(base));
        let rec = directory::update_service(hub(ctx), actor(ctx), id, patch)
            .await
            .map_err(app)?;
        Ok(Service::new(rec, prefs(ctx)))
    }

    /// Removes a service.
    async fn delete_service(&self, ctx: &Context<'_>, id: ID) -> ApiResult<DeletePayload> {
        let sid = parse_id("id", &id, ServiceId::parse)?;
        directory::delete_service(hub(ctx), actor(ctx), sid)
            .await
            .map_err(app)?;
        Ok(DeletePayload { id })
    }

    /// Adds a contact person to an organisation.
    async fn create_contact(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        input: ContactInput,
    ) -> ApiResult<Contact> {
        let org = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        let input = input.apply(DContactInput::default());
        let rec = directory::create_contact(hub(ctx), actor(ctx), org, input)
            .await
            .map_err(app)?;
        Ok(Contact::new(rec, prefs(ctx)))
    }

    /// Changes a contact person.
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ContactInput,
    ) -> ApiResult<Contact> {
        let id = parse_id("id", &id, ContactId::parse)?;
        let patch = Box::new(move |base| input.apply(base));
        let rec = directory::update_contact(hub(ctx), actor(ctx), id, patch)
            .await
            .map_err(app)?;
        Ok(Contact::new(rec, prefs(ctx)))
    }

    /// Removes a contact person.
    async fn delete_contact(&self, ctx: &Context<'_>, id: ID) -> ApiResult<DeletePayload> {
        let cid = parse_id("id", &id, ContactId::parse)?;
        directory::delete_contact(hub(ctx), actor(ctx), cid)
            .await
            .map_err(app)?;
        Ok(DeletePayload { id })
    }

    /// Sets the translation of one field into one language (replacing an earlier one).
    async fn set_translation(
        &self,
        ctx: &Context<'_>,
        input: TranslationInput,
    ) -> ApiResult<TranslationEntry> {
        let target = TranslationTarget {
            kind: input.entity_type.into(),
            entity: input.entity_id.to_string(),
            field: input.field.clone(),
            language: input.language,
        };
        let t = directory::set_translation(
            hub(ctx),
            actor(ctx),
            target,
            &input.text,
            input.machine_translated,
        )
        .await
        .map_err(app)?;
        Ok(TranslationEntry {
            field: input.field,
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
        let target = TranslationTarget {
            kind: entity_type.into(),
            entity: entity_id.to_string(),
            field,
            language,
        };
        directory::remove_translation(hub(ctx), actor(ctx), target)
            .await
            .map_err(app)
    }
}

async fn sign_in(ctx: &Context<'_>, email: &str, password: &str) -> ApiResult<LoginPayload> {
    let client = viewer(ctx).client.as_deref();
    let s = netzwerk_app::auth::login(hub(ctx), email, password, client)
        .await
        .map_err(app)?;
    Ok(LoginPayload {
        token: s.token,
        expires_at: s.expires_at,
        user: s.account.into(),
    })
}

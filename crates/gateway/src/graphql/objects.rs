//! GraphQL object types. Each wraps a storage record and the reader's language
//! preference, and loads its relations through the request's DataLoader.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use netzwerk_app::directory::read::{ListedService, Schedule, ShownLinks};
use netzwerk_app::directory::{ContactRecord, LocationRecord, OrganisationRecord, ServiceRecord};
use netzwerk_domain::ids::ServiceId;
use netzwerk_domain::language::{LanguageCode, LanguagePreference};
use netzwerk_domain::translation::{self, Translation};

use super::connection::{Page, page, page_of_all, window};
use super::context::{actor, hub, loader};
use super::enums::{
    FieldOfAction, LegalStatus, MembershipStatus, ServiceCategory, TargetGroup, Topic, Visibility,
};
use super::error::{ApiResult, Code, app, coded, load_error};
use super::loaders::{
    ContactsOfOrganisation, DirectoryLoader, ExceptionsOfService, LanguagesOfService, LoadError,
    LocationsOfOrganisation, LocationsOfService, ScheduleOfService, ServicesOfOrganisation,
    TargetGroupsOfService, TranslationsOf, prefetch_services,
};

/// The selections of a connection's nodes: `nodes { … }` and `edges { node { … } }`.
pub(crate) fn node_selections<'a>(ctx: &'a Context<'_>) -> [async_graphql::Lookahead<'a>; 2] {
    let la = ctx.look_ahead();
    [la.field("nodes"), la.field("edges").field("node")]
}

/// A text in the language it was served in.
#[derive(SimpleObject, Clone)]
pub struct LocalizedText {
    /// The text.
    pub text: String,
    /// ISO 639-1 code of the language served.
    pub language: String,
    /// True when a machine translated it.
    pub machine_translated: bool,
}

/// One stored translation of a field.
#[derive(SimpleObject, Clone)]
pub struct TranslationEntry {
    /// The field, e.g. `description`.
    pub field: String,
    /// ISO 639-1 code.
    pub language: String,
    /// The translated text.
    pub text: String,
    /// True when a machine translated it.
    pub machine_translated: bool,
}

/// Serves `field` of an entity in the reader's preferred language. Translations are
/// only loaded when the reader prefers a language other than the original.
pub(crate) async fn served(
    ctx: &Context<'_>,
    entity_id: String,
    field: &str,
    original: Option<&str>,
    original_language: LanguageCode,
    prefs: &LanguagePreference,
) -> ApiResult<Option<LocalizedText>> {
    let Some(original) = original else {
        return Ok(None);
    };
    let all = if translation::may_translate(original_language, prefs) {
        loader(ctx)
            .load_one(TranslationsOf(entity_id))
            .await
            .map_err(load_error)?
            .unwrap_or_default()
    } else {
        Default::default()
    };
    let list: &[Translation] = all.get(field).map(Vec::as_slice).unwrap_or(&[]);
    let s = translation::choose(original, original_language, list, prefs);
    Ok(Some(LocalizedText {
        text: s.text.to_owned(),
        language: s.language.as_str().to_owned(),
        machine_translated: s.machine_translated,
    }))
}

pub(crate) async fn translations_of(
    ctx: &Context<'_>,
    entity_id: String,
) -> ApiResult<Vec<TranslationEntry>> {
    let all = loader(ctx)
        .load_one(TranslationsOf(entity_id))
        .await
        .map_err(load_error)?
        .unwrap_or_default();
    // By field, then language (the order the application gives).
    let out: Vec<TranslationEntry> = all
        .into_iter()
        .flat_map(|(field, list)| {
            list.into_iter().map(move |t| TranslationEntry {
                field: field.clone(),
                language: t.language.as_str().to_owned(),
                text: t.text,
                machine_translated: t.machine_translated,
            })
        })
        .collect();
    Ok(out)
}

pub(crate) async fn organisation_of(
    ctx: &Context<'_>,
    id: netzwerk_domain::ids::OrganisationId,
    prefs: &Arc<LanguagePreference>,
) -> ApiResult<Organisation> {
    let rec = loader(ctx)
        .load_one(id)
        .await
        .map_err(load_error)?
        .ok_or_else(|| coded(Code::NotFound, format!("organisation {id} not found")))?;
    Ok(Organisation::new(rec, prefs.clone()))
}

/// One entry of the change log.
#[derive(SimpleObject)]
pub struct Change {
    /// When.
    pub changed_at: DateTime<Utc>,
    /// Who: an account id, or `demo` / `cli` for command-line work.
    pub actor: String,
    /// `organisation`, `location`, `service`, `contact`.
    pub entity_kind: String,
    /// The entity's id.
    pub entity_id: ID,
    /// `created`, `updated` or `deleted`.
    pub action: String,
    /// Its name at the time.
    pub summary: String,
}

/// A register entry of an organisation.
#[derive(SimpleObject)]
pub struct Identifier {
    /// The register, e.g. `vereinsregister`.
    pub scheme: String,
    /// The number in it.
    pub value: String,
}

/// An organisation's standing in the network.
#[derive(SimpleObject)]
pub struct Membership {
    /// Applicant, member or former member.
    pub status: MembershipStatus,
    /// Since when.
    pub since: Option<NaiveDate>,
}

/// What an organisation is interested in (used for funding matches).
#[derive(SimpleObject)]
pub struct Interests {
    /// Topics.
    pub topics: Vec<Topic>,
    /// Target groups.
    pub target_groups: Vec<TargetGroup>,
}

/// A member organisation of the network (HSDS `organization`).
pub struct Organisation {
    rec: Arc<OrganisationRecord>,
    prefs: Arc<LanguagePreference>,
}

impl Organisation {
    pub(crate) fn new(rec: Arc<OrganisationRecord>, prefs: Arc<LanguagePreference>) -> Self {
        Self { rec, prefs }
    }

    async fn served_description(&self, ctx: &Context<'_>) -> ApiResult<Option<LocalizedText>> {
        let v = &self.rec.value;
        served(
            ctx,
            self.rec.id.to_string(),
            "description",
            v.description.as_deref(),
            v.content_language,
            &self.prefs,
        )
        .await
    }
}

#[Object]
impl Organisation {
    /// Stable id.
    async fn id(&self) -> ID {
        ID(self.rec.id.to_string())
    }
    /// URL name.
    async fn slug(&self) -> &str {
        self.rec.value.slug.as_str()
    }
    /// Name (never translated).
    async fn name(&self) -> &str {
        &self.rec.value.name
    }
    /// Short or other name.
    async fn alternate_name(&self) -> Option<&str> {
        self.rec.value.alternate_name.as_deref()
    }
    /// Legal form.
    async fn legal_status(&self) -> LegalStatus {
        self.rec.value.legal_status.into()
    }
    /// What it does, in the reader's preferred language.
    async fn description(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(self.served_description(ctx).await?.map(|t| t.text))
    }
    /// `description` with the language it was served in.
    async fn description_localized(&self, ctx: &Context<'_>) -> ApiResult<Option<LocalizedText>> {
        self.served_description(ctx).await
    }
    /// Language the organisation's texts are written in.
    async fn content_language(&self) -> &str {
        self.rec.value.content_language.as_str()
    }
    /// Web site.
    async fn website(&self) -> Option<&str> {
        self.rec.value.website.as_deref()
    }
    /// Public e-mail address.
    async fn email(&self) -> Option<&str> {
        self.rec.value.email.as_ref().map(|e| e.as_str())
    }
    /// Public phone number.
    async fn phone(&self) -> Option<&str> {
        self.rec.value.phone.as_deref()
    }
    /// Logo image URL.
    async fn logo_url(&self) -> Option<&str> {
        self.rec.value.logo_url.as_deref()
    }
    /// Register numbers (e.g. Vereinsregister).
    async fn identifiers(&self) -> Vec<Identifier> {
        self.rec
            .value
            .identifiers
            .iter()
            .map(|i| Identifier {
                scheme: i.scheme.clone(),
                value: i.value.clone(),
            })
            .collect()
    }
    /// Standing in the network.
    async fn membership(&self) -> Membership {
        Membership {
            status: self.rec.value.membership_status.into(),
            since: self.rec.value.member_since,
        }
    }
    /// The network's fields of action it takes part in.
    async fn fields_of_action(&self) -> Vec<FieldOfAction> {
        self.rec
            .value
            .fields_of_action
            .iter()
            .map(|f| (*f).into())
            .collect()
    }
    /// Topics and target groups of interest.
    async fn interests(&self) -> Interests {
        Interests {
            topics: self.rec.value.topics.iter().map(|t| (*t).into()).collect(),
            target_groups: self
                .rec
                .value
                .target_groups
                .iter()
                .map(|t| (*t).into())
                .collect(),
        }
    }
    /// Its locations, by name.
    async fn locations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Page<Location>> {
        let w = window(first, after)?;
        let all = loader(ctx)
            .load_one(LocationsOfOrganisation(self.rec.id))
            .await
            .map_err(load_error)?
            .unwrap_or_default();
        Ok(page_of_all(
            w,
            all.into_iter()
                .map(|l| Location::new(l, self.prefs.clone()))
                .collect(),
        ))
    }
    /// Its services (offers), by name.
    async fn services(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Page<Service>> {
        let w = window(first, after)?;
        let all = loader(ctx)
            .load_one(ServicesOfOrganisation(self.rec.id))
            .await
            .map_err(load_error)?
            .unwrap_or_default();
        let shown = all.get(w.offset..).unwrap_or_default();
        prefetch_services(
            loader(ctx),
            &node_selections(ctx),
            &shown[..w.limit.min(shown.len())],
        )
        .await
        .map_err(load_error)?;
        Ok(page_of_all(
            w,
            all.into_iter()
                .map(|s| Service::listed(s, self.prefs.clone()))
                .collect(),
        ))
    }
    /// Its contact persons, by name; details as their visibility allows.
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Page<Contact>> {
        let w = window(first, after)?;
        let all = loader(ctx)
            .load_one(ContactsOfOrganisation(self.rec.id))
            .await
            .map_err(load_error)?
            .unwrap_or_default();
        Ok(page_of_all(
            w,
            all.into_iter()
                .map(|c| Contact::new(c, self.prefs.clone()))
                .collect(),
        ))
    }
    /// Its public news, newest first.
    async fn news(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Page<NewsItem>> {
        let query = netzwerk_app::news::NewsQuery {
            organisations: Some(vec![self.rec.id]),
            ..netzwerk_app::news::NewsQuery::default()
        };
        news_page(ctx, first, after, query, self.prefs.clone()).await
    }
    /// Every stored translation of its fields.
    async fn translations(&self, ctx: &Context<'_>) -> ApiResult<Vec<TranslationEntry>> {
        translations_of(ctx, self.rec.id.to_string()).await
    }
    /// The organisation's calendar feeds with their health (its editors and the coordinator).
    async fn calendar_feeds(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<super::calendar_feeds::CalendarFeed>> {
        super::calendar_feeds::feeds_of(ctx, self.rec.id).await
    }
    /// Who changed what of this organisation and its locations, services and
    /// contacts, newest first (its editors and the coordinator only).
    async fn changes(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Page<Change>> {
        let w = window(first, after)?;
        let key = super::loaders::ChangesOf {
            organisation: self.rec.id,
            offset: w.offset as i64,
            limit: w.limit as i64,
        };
        let p = match loader(ctx).load_one(key).await.map_err(load_error)? {
            Some(Ok(page)) => page,
            Some(Err(d)) => return Err(super::error::denied(d)),
            None => {
                return Err(super::error::app(netzwerk_app::Error::Internal(
                    "the change log was not read".into(),
                )));
            }
        };
        let nodes = p
            .items
            .into_iter()
            .map(|e| Change {
                changed_at: e.changed_at.and_utc(),
                actor: e.actor,
                entity_kind: e.entity_kind,
                entity_id: ID(e.entity_id),
                action: e.action,
                summary: e.summary,
            })
            .collect();
        Ok(super::connection::page(w, p.total, nodes))
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.rec.created_at
    }
    /// When it was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.rec.updated_at
    }
}

/// Step-free access and other notes.
pub struct Accessibility {
    rec: Arc<LocationRecord>,
    prefs: Arc<LanguagePreference>,
}

impl Accessibility {
    async fn served_note(&self, ctx: &Context<'_>) -> ApiResult<Option<LocalizedText>> {
        let v = &self.rec.value;
        served(
            ctx,
            self.rec.id.to_string(),
            "accessibilityNote",
            v.accessibility_note.as_deref(),
            v.content_language,
            &self.prefs,
        )
        .await
    }
}

#[Object]
impl Accessibility {
    /// Step-free wheelchair access; null when unknown.
    async fn wheelchair_accessible(&self) -> Option<bool> {
        self.rec.value.wheelchair_accessible
    }
    /// Further notes, in the reader's preferred language.
    async fn note(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(self.served_note(ctx).await?.map(|t| t.text))
    }
    /// `note` with the language it was served in.
    async fn note_localized(&self, ctx: &Context<'_>) -> ApiResult<Option<LocalizedText>> {
        self.served_note(ctx).await
    }
}

/// A place of an organisation (HSDS `location` with `address` and `accessibility`).
pub struct Location {
    rec: Arc<LocationRecord>,
    prefs: Arc<LanguagePreference>,
}

impl Location {
    pub(crate) fn new(rec: LocationRecord, prefs: Arc<LanguagePreference>) -> Self {
        Self {
            rec: Arc::new(rec),
            prefs,
        }
    }

    async fn served_transport_hint(&self, ctx: &Context<'_>) -> ApiResult<Option<LocalizedText>> {
        let v = &self.rec.value;
        served(
            ctx,
            self.rec.id.to_string(),
            "transportHint",
            v.transport_hint.as_deref(),
            v.content_language,
            &self.prefs,
        )
        .await
    }
}

#[Object]
impl Location {
    /// Stable id.
    async fn id(&self) -> ID {
        ID(self.rec.id.to_string())
    }
    /// The organisation it belongs to.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        organisation_of(ctx, self.rec.organisation_id, &self.prefs).await
    }
    /// Name of the place.
    async fn name(&self) -> &str {
        &self.rec.value.name
    }
    /// Street and number.
    async fn address(&self) -> Option<&str> {
        self.rec.value.address.as_deref()
    }
    /// Ortsteil (locality).
    async fn locality(&self) -> Option<&str> {
        self.rec.value.locality.as_deref()
    }
    /// Postal code.
    async fn postcode(&self) -> Option<&str> {
        self.rec.value.postcode.as_deref()
    }
    /// Latitude (WGS84).
    async fn latitude(&self) -> Option<f64> {
        self.rec.value.coordinates.map(|c| c.latitude)
    }
    /// Longitude (WGS84).
    async fn longitude(&self) -> Option<f64> {
        self.rec.value.coordinates.map(|c| c.longitude)
    }
    /// Accessibility.
    async fn accessibility(&self) -> Accessibility {
        Accessibility {
            rec: self.rec.clone(),
            prefs: self.prefs.clone(),
        }
    }
    /// How to get there, in the reader's preferred language.
    async fn transport_hint(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(self.served_transport_hint(ctx).await?.map(|t| t.text))
    }
    /// `transportHint` with the language it was served in.
    async fn transport_hint_localized(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<LocalizedText>> {
        self.served_transport_hint(ctx).await
    }
    /// IANA time zone of opening hours here.
    async fn timezone(&self) -> String {
        self.rec.value.timezone.to_string()
    }
    /// Every stored translation of its fields.
    async fn translations(&self, ctx: &Context<'_>) -> ApiResult<Vec<TranslationEntry>> {
        translations_of(ctx, self.rec.id.to_string()).await
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.rec.created_at
    }
    /// When it was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.rec.updated_at
    }
}

/// A language an offer is delivered in.
#[derive(SimpleObject)]
pub struct Language {
    /// ISO 639-1 code.
    pub code: String,
}

/// Weekly opening hours.
#[derive(SimpleObject)]
pub struct OpeningHours {
    /// 1 = Monday … 7 = Sunday.
    pub weekday: i32,
    /// `HH:MM`, local time.
    pub opens: String,
    /// `HH:MM`, local time.
    pub closes: String,
}

/// A date with other hours, or closed.
#[derive(SimpleObject)]
pub struct ScheduleException {
    /// The local date.
    pub date: NaiveDate,
    /// True when closed all day.
    pub closed: bool,
    /// `HH:MM` when open at other times.
    pub opens: Option<String>,
    /// `HH:MM` when open at other times.
    pub closes: Option<String>,
    /// Why.
    pub note: Option<String>,
}

/// When an offer is available (HSDS `schedule`), in its location's time zone.
pub struct ServiceSchedule {
    service: ServiceId,
    hours: Schedule,
}

impl ServiceSchedule {
    async fn exceptions_loaded(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<netzwerk_domain::schedule::ScheduleException>> {
        Ok(loader(ctx)
            .load_one(ExceptionsOfService(self.service))
            .await
            .map_err(load_error)?
            .unwrap_or_default())
    }
}

#[Object]
impl ServiceSchedule {
    /// IANA time zone of the times.
    async fn timezone(&self) -> String {
        self.hours.timezone.to_string()
    }
    /// Weekly hours.
    async fn opening_hours(&self) -> Vec<OpeningHours> {
        self.hours
            .opening_hours
            .iter()
            .map(|h| OpeningHours {
                weekday: i32::from(h.weekday.number()),
                opens: h.opens.to_string(),
                closes: h.closes.to_string(),
            })
            .collect()
    }
    /// Holidays, closures and other exceptions.
    async fn exceptions(&self, ctx: &Context<'_>) -> ApiResult<Vec<ScheduleException>> {
        Ok(self
            .exceptions_loaded(ctx)
            .await?
            .into_iter()
            .map(|e| ScheduleException {
                date: e.date,
                closed: e.opens.is_none(),
                opens: e.opens.map(|t| t.to_string()),
                closes: e.closes.map(|t| t.to_string()),
                note: e.note,
            })
            .collect())
    }
    /// Whether it is open at this instant.
    async fn is_open_at(&self, ctx: &Context<'_>, at: DateTime<Utc>) -> ApiResult<bool> {
        let exceptions = self.exceptions_loaded(ctx).await?;
        Ok(netzwerk_domain::schedule::is_open_at_instant(
            &self.hours.opening_hours,
            &exceptions,
            &self.hours.timezone,
            at,
        ))
    }
}

/// What using an offer costs.
pub struct Fees {
    rec: Arc<ServiceRecord>,
    prefs: Arc<LanguagePreference>,
}

#[Object]
impl Fees {
    /// Free of charge.
    async fn free(&self) -> bool {
        self.rec.value.free
    }
    /// What it costs, in the reader's preferred language.
    async fn note(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        let v = &self.rec.value;
        Ok(served(
            ctx,
            self.rec.id.to_string(),
            "feeNote",
            v.fee_note.as_deref(),
            v.content_language,
            &self.prefs,
        )
        .await?
        .map(|t| t.text))
    }
}

/// An offer: counselling, a language course, youth work… (HSDS `service`).
pub struct Service {
    rec: Arc<ServiceRecord>,
    prefs: Arc<LanguagePreference>,
    /// Languages, target groups and hours when they came with the service's row
    /// (lists); otherwise the request's loader reads them.
    links: Option<ShownLinks>,
}

impl Service {
    pub(crate) fn new(rec: ServiceRecord, prefs: Arc<LanguagePreference>) -> Self {
        Self {
            rec: Arc::new(rec),
            prefs,
            links: None,
        }
    }

    /// A service read by a list, with the links read in the same statement.
    pub(crate) fn listed(s: ListedService, prefs: Arc<LanguagePreference>) -> Self {
        Self {
            rec: Arc::new(s.record),
            prefs,
            links: Some(s.links),
        }
    }

    async fn text(
        &self,
        ctx: &Context<'_>,
        field: &str,
        original: Option<&str>,
    ) -> ApiResult<Option<LocalizedText>> {
        served(
            ctx,
            self.rec.id.to_string(),
            field,
            original,
            self.rec.value.content_language,
            &self.prefs,
        )
        .await
    }

    /// A link read with the service's row (lists), or else through the request's
    /// loader by `key`.
    async fn linked<K, V>(
        &self,
        ctx: &Context<'_>,
        shown: impl FnOnce(&ShownLinks) -> V,
        key: K,
    ) -> ApiResult<Option<V>>
    where
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
        V: Send + Sync + Clone + 'static,
        DirectoryLoader: async_graphql::dataloader::Loader<K, Value = V, Error = LoadError>,
    {
        match &self.links {
            Some(links) => Ok(Some(shown(links))),
            None => loader(ctx).load_one(key).await.map_err(load_error),
        }
    }

    async fn served_name(&self, ctx: &Context<'_>) -> ApiResult<LocalizedText> {
        let name = self.rec.value.name.clone();
        Ok(self
            .text(ctx, "name", Some(&name))
            .await?
            .unwrap_or(LocalizedText {
                text: name,
                language: self.rec.value.content_language.as_str().to_owned(),
                machine_translated: false,
            }))
    }
}

#[Object]
impl Service {
    /// Stable id.
    async fn id(&self) -> ID {
        ID(self.rec.id.to_string())
    }
    /// The organisation offering it.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        organisation_of(ctx, self.rec.organisation_id, &self.prefs).await
    }
    /// Title, in the reader's preferred language.
    async fn name(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(self.served_name(ctx).await?.text)
    }
    /// `name` with the language it was served in.
    async fn name_localized(&self, ctx: &Context<'_>) -> ApiResult<LocalizedText> {
        self.served_name(ctx).await
    }
    /// What it offers, in the reader's preferred language.
    async fn description(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(self
            .text(ctx, "description", self.rec.value.description.as_deref())
            .await?
            .map(|t| t.text))
    }
    /// `description` with the language it was served in.
    async fn description_localized(&self, ctx: &Context<'_>) -> ApiResult<Option<LocalizedText>> {
        self.text(ctx, "description", self.rec.value.description.as_deref())
            .await
    }
    /// Language the texts are written in (not the languages it is delivered in).
    async fn content_language(&self) -> &str {
        self.rec.value.content_language.as_str()
    }
    /// Kind of offer.
    async fn category(&self) -> ServiceCategory {
        self.rec.value.category.into()
    }
    /// Who it is for.
    async fn target_groups(&self, ctx: &Context<'_>) -> ApiResult<Vec<TargetGroup>> {
        let id = TargetGroupsOfService(self.rec.id);
        let v = self.linked(ctx, |l| l.target_groups.clone(), id).await?;
        Ok(v.unwrap_or_default().into_iter().map(Into::into).collect())
    }
    /// Languages it is delivered in.
    async fn languages(&self, ctx: &Context<'_>) -> ApiResult<Vec<Language>> {
        let id = LanguagesOfService(self.rec.id);
        let v = self.linked(ctx, |l| l.languages.clone(), id).await?;
        Ok(v.unwrap_or_default()
            .into_iter()
            .map(|c| Language {
                code: c.as_str().to_owned(),
            })
            .collect())
    }
    /// Free of charge.
    async fn free(&self) -> bool {
        self.rec.value.free
    }
    /// Fees.
    async fn fees(&self) -> Fees {
        Fees {
            rec: self.rec.clone(),
            prefs: self.prefs.clone(),
        }
    }
    /// Whether an appointment is needed.
    async fn appointment_required(&self) -> bool {
        self.rec.value.appointment_required
    }
    /// Who may use it.
    async fn eligibility(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(self
            .text(ctx, "eligibility", self.rec.value.eligibility.as_deref())
            .await?
            .map(|t| t.text))
    }
    /// How to apply or sign up.
    async fn application_process(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(self
            .text(
                ctx,
                "applicationProcess",
                self.rec.value.application_process.as_deref(),
            )
            .await?
            .map(|t| t.text))
    }
    /// Where it is offered (service-at-location), in order.
    async fn locations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Page<Location>> {
        let w = window(first, after)?;
        let all = loader(ctx)
            .load_one(LocationsOfService(self.rec.id))
            .await
            .map_err(load_error)?
            .unwrap_or_default();
        Ok(page_of_all(
            w,
            all.into_iter()
                .map(|l| Location::new(l, self.prefs.clone()))
                .collect(),
        ))
    }
    /// Opening hours and exceptions.
    async fn schedule(&self, ctx: &Context<'_>) -> ApiResult<Option<ServiceSchedule>> {
        let id = ScheduleOfService(self.rec.id);
        let hours = self.linked(ctx, |l| l.schedule.clone(), id).await?;
        Ok(hours.map(|hours| ServiceSchedule {
            service: self.rec.id,
            hours,
        }))
    }
    /// Every stored translation of its fields.
    async fn translations(&self, ctx: &Context<'_>) -> ApiResult<Vec<TranslationEntry>> {
        translations_of(ctx, self.rec.id.to_string()).await
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.rec.created_at
    }
    /// When it was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.rec.updated_at
    }
}

/// A contact person (HSDS `contact`). E-mail and phone are null unless their
/// visibility allows the reader to see them.
pub struct Contact {
    rec: Arc<ContactRecord>,
    details_hidden: bool,
    prefs: Arc<LanguagePreference>,
}

impl Contact {
    /// The contact as the application gives it to the request's actor.
    pub(crate) fn new(
        view: netzwerk_app::directory::read::ContactView,
        prefs: Arc<LanguagePreference>,
    ) -> Self {
        Self {
            rec: Arc::new(view.record),
            details_hidden: view.details_hidden,
            prefs,
        }
    }
}

#[Object]
impl Contact {
    /// Stable id.
    async fn id(&self) -> ID {
        ID(self.rec.id.to_string())
    }
    /// The organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        organisation_of(ctx, self.rec.organisation_id, &self.prefs).await
    }
    /// Full name.
    async fn name(&self) -> &str {
        &self.rec.value.name
    }
    /// Role, in the reader's preferred language.
    async fn role(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        let v = &self.rec.value;
        Ok(served(
            ctx,
            self.rec.id.to_string(),
            "role",
            v.role.as_deref(),
            v.content_language,
            &self.prefs,
        )
        .await?
        .map(|t| t.text))
    }
    /// E-mail address, when the reader may see it.
    async fn email(&self) -> Option<String> {
        self.rec.value.email.as_ref().map(|e| e.as_str().to_owned())
    }
    /// Phone number, when the reader may see it.
    async fn phone(&self) -> Option<String> {
        self.rec.value.phone.clone()
    }
    /// Who may see e-mail and phone.
    async fn visibility(&self) -> Visibility {
        self.rec.value.visibility.into()
    }
    /// True when e-mail and phone are withheld from this reader.
    async fn details_hidden(&self) -> bool {
        self.details_hidden
    }
}

/// A member organisation's news item.
pub struct NewsItem {
    rec: netzwerk_app::news::NewsRecord,
    prefs: Arc<LanguagePreference>,
}

impl NewsItem {
    pub(crate) fn new(rec: netzwerk_app::news::NewsRecord, prefs: Arc<LanguagePreference>) -> Self {
        Self { rec, prefs }
    }

    async fn served(
        &self,
        ctx: &Context<'_>,
        field: &str,
        original: &str,
    ) -> ApiResult<LocalizedText> {
        let v = &self.rec.value;
        Ok(served(
            ctx,
            self.rec.id.to_string(),
            field,
            Some(original),
            v.content_language,
            &self.prefs,
        )
        .await?
        .unwrap_or(LocalizedText {
            text: original.to_owned(),
            language: v.content_language.to_string(),
            machine_translated: false,
        }))
    }
}

#[Object]
impl NewsItem {
    /// Stable id.
    async fn id(&self) -> ID {
        ID(self.rec.id.to_string())
    }
    /// The organisation it is from.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        organisation_of(ctx, self.rec.organisation_id, &self.prefs).await
    }
    /// Headline, in the reader's preferred language.
    async fn title(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(self.served(ctx, "title", &self.rec.value.title).await?.text)
    }
    /// `title` with the language it was served in.
    async fn title_localized(&self, ctx: &Context<'_>) -> ApiResult<LocalizedText> {
        self.served(ctx, "title", &self.rec.value.title).await
    }
    /// The text as written (Markdown), in the reader's preferred language.
    async fn body(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(self.served(ctx, "body", &self.rec.value.body).await?.text)
    }
    /// `body` with the language it was served in.
    async fn body_localized(&self, ctx: &Context<'_>) -> ApiResult<LocalizedText> {
        self.served(ctx, "body", &self.rec.value.body).await
    }
    /// `body` as HTML, safe to put into a page: Markdown rendered, raw HTML, scripts,
    /// event handlers and links other than http(s) and mailto removed.
    async fn body_html(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(netzwerk_app::html::markdown(
            &self.served(ctx, "body", &self.rec.value.body).await?.text,
        ))
    }
    /// ISO 639-1 code of the text as written.
    async fn content_language(&self) -> String {
        self.rec.value.content_language.to_string()
    }
    /// A picture to show with it.
    async fn image_url(&self) -> Option<String> {
        self.rec
            .value
            .image_url
            .as_ref()
            .map(|u| u.as_str().to_owned())
    }
    /// Where to read more.
    async fn link(&self) -> Option<String> {
        self.rec.value.link.as_ref().map(|u| u.as_str().to_owned())
    }
    /// The day it is public from (once published).
    async fn publish_on(&self) -> NaiveDate {
        self.rec.value.publish_on
    }
    /// Where it stands: pending review, published, or turned down.
    async fn status(&self) -> super::enums::NewsStatus {
        self.rec.value.status.into()
    }
    /// Why the coordinator turned it down (its organisation's editors and the
    /// coordinator only).
    async fn review_note(&self) -> Option<&str> {
        self.rec.value.review_note.as_deref()
    }
    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.rec.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.rec.updated_at
    }
}

/// A page of news, newest first, for `news` and `Organisation.news`.
pub(crate) async fn news_page(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    query: netzwerk_app::news::NewsQuery,
    prefs: Arc<LanguagePreference>,
) -> ApiResult<Page<NewsItem>> {
    let w = window(first, after)?;
    let (items, total) =
        netzwerk_app::news::list(hub(ctx), actor(ctx), query, w.offset as i64, w.limit as i64)
            .await
            .map_err(app)?;
    let nodes = items
        .into_iter()
        .map(|r| NewsItem::new(r, prefs.clone()))
        .collect();
    Ok(page(w, total, nodes))
}

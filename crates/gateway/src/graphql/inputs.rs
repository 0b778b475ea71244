//! GraphQL input objects. Create and update share one input type per entity: on
//! update an absent field keeps its value and `null` clears it. Inputs are applied to
//! the domain's unvalidated input and then validated by the domain, which names every
//! broken field and rule.

use async_graphql::{InputObject, MaybeUndefined};
use chrono::NaiveDate;
use netzwerk_domain::contact::ContactInput as DContactInput;
use netzwerk_domain::location::LocationInput as DLocationInput;
use netzwerk_domain::organisation::OrganisationInput as DOrganisationInput;
use netzwerk_domain::schedule::{
    OpeningHoursInput as DHours, ScheduleExceptionInput as DException,
};
use netzwerk_domain::service::ServiceInput as DServiceInput;

use super::enums::{
    FieldOfAction, LegalStatus, MembershipStatus, ServiceCategory, TargetGroup, Topic, Visibility,
    into_domain,
};

/// Applies an optional-nullable input field: absent keeps, `null` clears.
pub(crate) fn patch<T>(field: MaybeUndefined<T>, current: &mut Option<T>) {
    match field {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *current = None,
        MaybeUndefined::Value(v) => *current = Some(v),
    }
}

fn patch_into<G, D>(field: MaybeUndefined<G>, current: &mut Option<D>)
where
    G: Into<D>,
{
    patch(field.map_value(Into::into), current);
}

fn patch_list<G: Copy + Into<D>, D>(field: Option<Vec<G>>, current: &mut Vec<D>) {
    if let Some(v) = field {
        *current = into_domain(&v);
    }
}

/// A register entry.
#[derive(InputObject)]
pub struct IdentifierInput {
    /// The register, e.g. `vereinsregister`.
    pub scheme: String,
    /// The number in it.
    pub value: String,
}

/// Fields of an organisation. On create, `name` is required and the slug is derived
/// from it when not given.
#[derive(InputObject, Default)]
pub struct OrganisationInput {
    /// URL name: lower-case letters, digits, dashes.
    pub slug: MaybeUndefined<String>,
    /// Display name.
    pub name: Option<String>,
    /// Short or other name.
    pub alternate_name: MaybeUndefined<String>,
    /// Legal form.
    pub legal_status: Option<LegalStatus>,
    /// Description in `contentLanguage`.
    pub description: MaybeUndefined<String>,
    /// ISO 639-1 code of the texts (default `de`).
    pub content_language: Option<String>,
    /// Web site (http/https).
    pub website: MaybeUndefined<String>,
    /// Public e-mail address.
    pub email: MaybeUndefined<String>,
    /// Public phone number.
    pub phone: MaybeUndefined<String>,
    /// Logo URL.
    pub logo_url: MaybeUndefined<String>,
    /// Register numbers (replaces the list).
    pub identifiers: Option<Vec<IdentifierInput>>,
    /// Standing in the network (coordinator only).
    pub membership_status: Option<MembershipStatus>,
    /// Since when (coordinator only).
    pub member_since: MaybeUndefined<NaiveDate>,
    /// Fields of action (replaces the list).
    pub fields_of_action: Option<Vec<FieldOfAction>>,
    /// Topics of interest (replaces the list).
    pub topics: Option<Vec<Topic>>,
    /// Target groups of interest (replaces the list).
    pub target_groups: Option<Vec<TargetGroup>>,
}

impl OrganisationInput {
    /// Applies the input to `base` (empty on create, the stored value on update).
    pub fn apply(self, mut base: DOrganisationInput) -> DOrganisationInput {
        patch(self.slug, &mut base.slug);
        if let Some(n) = self.name {
            base.name = n;
        }
        patch(self.alternate_name, &mut base.alternate_name);
        if let Some(s) = self.legal_status {
            base.legal_status = Some(s.into());
        }
        patch(self.description, &mut base.description);
        if self.content_language.is_some() {
            base.content_language = self.content_language;
        }
        patch(self.website, &mut base.website);
        patch(self.email, &mut base.email);
        patch(self.phone, &mut base.phone);
        patch(self.logo_url, &mut base.logo_url);
        if let Some(ids) = self.identifiers {
            base.identifiers = ids.into_iter().map(|i| (i.scheme, i.value)).collect();
        }
        if let Some(m) = self.membership_status {
            base.membership_status = Some(m.into());
        }
        patch(self.member_since, &mut base.member_since);
        patch_list(self.fields_of_action, &mut base.fields_of_action);
        patch_list(self.topics, &mut base.topics);
        patch_list(self.target_groups, &mut base.target_groups);
        base
    }
}

/// Fields of a location. On create, `name` is required.
#[derive(InputObject, Default)]
pub struct LocationInput {
    /// Name of the place.
    pub name: Option<String>,
    /// Street and number.
    pub address: MaybeUndefined<String>,
    /// Ortsteil or free text.
    pub locality: MaybeUndefined<String>,
    /// Postal code.
    pub postcode: MaybeUndefined<String>,
    /// Latitude; give with longitude.
    pub latitude: MaybeUndefined<f64>,
    /// Longitude; give with latitude.
    pub longitude: MaybeUndefined<f64>,
    /// Step-free wheelchair access.
    pub wheelchair_accessible: MaybeUndefined<bool>,
    /// Further accessibility notes.
    pub accessibility_note: MaybeUndefined<String>,
    /// How to get there.
    pub transport_hint: MaybeUndefined<String>,
    /// IANA time zone (default Europe/Berlin).
    pub timezone: Option<String>,
    /// ISO 639-1 code of the texts (default `de`).
    pub content_language: Option<String>,
}

impl LocationInput {
    /// Applies the input to `base`.
    pub fn apply(self, mut base: DLocationInput) -> DLocationInput {
        if let Some(n) = self.name {
            base.name = n;
        }
        patch(self.address, &mut base.address);
        patch(self.locality, &mut base.locality);
        patch(self.postcode, &mut base.postcode);
        patch(self.latitude, &mut base.latitude);
        patch(self.longitude, &mut base.longitude);
        patch(self.wheelchair_accessible, &mut base.wheelchair_accessible);
        patch(self.accessibility_note, &mut base.accessibility_note);
        patch(self.transport_hint, &mut base.transport_hint);
        if self.timezone.is_some() {
            base.timezone = self.timezone;
        }
        if self.content_language.is_some() {
            base.content_language = self.content_language;
        }
        base
    }
}

/// Weekly opening hours.
#[derive(InputObject, Clone)]
pub struct OpeningHoursInput {
    /// 1 = Monday … 7 = Sunday.
    pub weekday: i32,
    /// `HH:MM`.
    pub opens: String,
    /// `HH:MM`, after `opens`.
    pub closes: String,
}

/// A date with other hours; without `opens`/`closes` it means closed.
#[derive(InputObject, Clone)]
pub struct ScheduleExceptionInput {
    /// The local date.
    pub date: NaiveDate,
    /// `HH:MM`.
    pub opens: Option<String>,
    /// `HH:MM`.
    pub closes: Option<String>,
    /// Why.
    pub note: Option<String>,
}

/// Fields of a service. On create, `name` is required.
#[derive(InputObject, Default)]
pub struct ServiceInput {
    /// Title.
    pub name: Option<String>,
    /// What it offers.
    pub description: MaybeUndefined<String>,
    /// ISO 639-1 code of the texts (default `de`).
    pub content_language: Option<String>,
    /// Kind of offer.
    pub category: Option<ServiceCategory>,
    /// Who it is for (replaces the list).
    pub target_groups: Option<Vec<TargetGroup>>,
    /// ISO 639-1 codes of the languages it is delivered in (replaces the list).
    pub languages: Option<Vec<String>>,
    /// Free of charge (default true).
    pub free: Option<bool>,
    /// What it costs.
    pub fee_note: MaybeUndefined<String>,
    /// Appointment needed (default false).
    pub appointment_required: Option<bool>,
    /// Who may use it.
    pub eligibility: MaybeUndefined<String>,
    /// How to apply.
    pub application_process: MaybeUndefined<String>,
    /// Ids of the organisation's locations where it is offered, first = main (replaces the list).
    pub location_ids: Option<Vec<String>>,
    /// Weekly hours (replaces the list).
    pub opening_hours: Option<Vec<OpeningHoursInput>>,
    /// Exceptions (replaces the list).
    pub exceptions: Option<Vec<ScheduleExceptionInput>>,
}

impl ServiceInput {
    /// Applies the input to `base`.
    pub fn apply(self, mut base: DServiceInput) -> DServiceInput {
        if let Some(n) = self.name {
            base.name = n;
        }
        patch(self.description, &mut base.description);
        if self.content_language.is_some() {
            base.content_language = self.content_language;
        }
        if let Some(c) = self.category {
            base.category = Some(c.into());
        }
        patch_list(self.target_groups, &mut base.target_groups);
        if let Some(l) = self.languages {
            base.languages = l;
        }
        if self.free.is_some() {
            base.free = self.free;
        }
        patch(self.fee_note, &mut base.fee_note);
        if self.appointment_required.is_some() {
            base.appointment_required = self.appointment_required;
        }
        patch(self.eligibility, &mut base.eligibility);
        patch(self.application_process, &mut base.application_process);
        if let Some(l) = self.location_ids {
            base.location_ids = l;
        }
        if let Some(h) = self.opening_hours {
            base.opening_hours = h
                .into_iter()
                .map(|h| DHours {
                    weekday: i64::from(h.weekday),
                    opens: h.opens,
                    closes: h.closes,
                })
                .collect();
        }
        if let Some(e) = self.exceptions {
            base.exceptions = e
                .into_iter()
                .map(|e| DException {
                    date: Some(e.date),
                    opens: e.opens,
                    closes: e.closes,
                    note: e.note,
                })
                .collect();
        }
        base
    }
}

/// Fields of a contact person. On create, `name` is required.
#[derive(InputObject, Default)]
pub struct ContactInput {
    /// Full name.
    pub name: Option<String>,
    /// Role or title.
    pub role: MaybeUndefined<String>,
    /// E-mail address.
    pub email: MaybeUndefined<String>,
    /// Phone number.
    pub phone: MaybeUndefined<String>,
    /// Who may see e-mail and phone (default `MEMBERS`).
    pub visibility: Option<Visibility>,
    /// ISO 639-1 code of `role` (default `de`).
    pub content_language: Option<String>,
}

impl ContactInput {
    /// Applies the input to `base`.
    pub fn apply(self, mut base: DContactInput) -> DContactInput {
        if let Some(n) = self.name {
            base.name = n;
        }
        patch(self.role, &mut base.role);
        patch(self.email, &mut base.email);
        patch(self.phone, &mut base.phone);
        patch_into(
            self.visibility
                .map_or(MaybeUndefined::Undefined, MaybeUndefined::Value),
            &mut base.visibility,
        );
        if self.content_language.is_some() {
            base.content_language = self.content_language;
        }
        base
    }
}

/// A translation to set.
#[derive(InputObject)]
pub struct TranslationInput {
    /// Which kind of entity.
    pub entity_type: super::enums::TranslatableEntity,
    /// Its id.
    pub entity_id: async_graphql::ID,
    /// The field, e.g. `description`.
    pub field: String,
    /// ISO 639-1 code.
    pub language: String,
    /// The translated text.
    pub text: String,
    /// True when a machine translated it (default false).
    #[graphql(default)]
    pub machine_translated: bool,
}

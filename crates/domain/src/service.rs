//! Services (offers) of organisations: counselling, courses, youth work… (HSDS `service`).

use crate::ValidationError;
use crate::code_enum;
use crate::error::{Checker, required_text};
use crate::ids::LocationId;
use crate::language::LanguageCode;
use crate::organisation::{NAME_MAX, TEXT_MAX, TargetGroup, content_language, opt, set};
use crate::schedule::{
    self, OpeningHours, OpeningHoursInput, ScheduleException, ScheduleExceptionInput,
};

code_enum!(
    /// The kind of offer (the directory's service taxonomy).
    ServiceCategory {
        /// Counselling (Beratung).
        Counselling = "counselling",
        /// Language course or language café.
        LanguageCourse = "language_course",
        /// Education.
        Education = "education",
        /// Childcare and youth work.
        ChildcareYouth = "childcare_youth",
        /// Legal advice.
        LegalAdvice = "legal_advice",
        /// Health.
        Health = "health",
        /// Employment and training.
        Employment = "employment",
        /// Housing.
        Housing = "housing",
        /// Culture.
        Culture = "culture",
        /// Leisure.
        Leisure = "leisure",
        /// Anything else.
        Other = "other",
    }
);

/// A service's own fields (one row).
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Title of the offer, in `content_language`.
    pub name: String,
    /// What it offers.
    pub description: Option<String>,
    /// The language of the texts.
    pub content_language: LanguageCode,
    /// Kind of offer.
    pub category: ServiceCategory,
    /// Free of charge.
    pub free: bool,
    /// What it costs when not free, or other notes on fees.
    pub fee_note: Option<String>,
    /// Whether an appointment is needed.
    pub appointment_required: bool,
    /// Who may use it.
    pub eligibility: Option<String>,
    /// How to apply or sign up.
    pub application_process: Option<String>,
}

/// What a service links to: target groups, delivery languages, places and hours.
/// Stored in rows of their own and loaded separately.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceLinks {
    /// Who it is for.
    pub target_groups: Vec<TargetGroup>,
    /// Languages it is delivered in (not the language of its description).
    pub languages: Vec<LanguageCode>,
    /// Where it is offered (service-at-location links).
    pub location_ids: Vec<LocationId>,
    /// Weekly opening hours, in the time zone of the service's first location
    /// (Europe/Berlin when it has none).
    pub opening_hours: Vec<OpeningHours>,
    /// Dates with other hours or closed.
    pub exceptions: Vec<ScheduleException>,
}

/// Unvalidated input for a service.
#[derive(Debug, Clone, Default)]
pub struct ServiceInput {
    /// See [`Service::name`].
    pub name: String,
    /// See [`Service::description`].
    pub description: Option<String>,
    /// See [`Service::content_language`].
    pub content_language: Option<String>,
    /// See [`Service::category`].
    pub category: Option<ServiceCategory>,
    /// See [`Service::target_groups`].
    pub target_groups: Vec<TargetGroup>,
    /// ISO 639-1 codes.
    pub languages: Vec<String>,
    /// See [`Service::free`].
    pub free: Option<bool>,
    /// See [`Service::fee_note`].
    pub fee_note: Option<String>,
    /// See [`Service::appointment_required`].
    pub appointment_required: Option<bool>,
    /// See [`Service::eligibility`].
    pub eligibility: Option<String>,
    /// See [`Service::application_process`].
    pub application_process: Option<String>,
    /// Location ids as text.
    pub location_ids: Vec<String>,
    /// Weekly hours.
    pub opening_hours: Vec<OpeningHoursInput>,
    /// Exceptions.
    pub exceptions: Vec<ScheduleExceptionInput>,
}

impl ServiceInput {
    /// Checks every field and reports every violation at once.
    pub fn validate(&self) -> Result<(Service, ServiceLinks), ValidationError> {
        let mut c = Checker::new();
        let name = c.take("name", required_text(&self.name, NAME_MAX));
        let description = opt(&mut c, "description", self.description.as_ref(), TEXT_MAX);
        let content_language = content_language(&mut c, self.content_language.as_ref());
        let mut languages = Vec::new();
        for (i, l) in self.languages.iter().enumerate() {
            if let Some(code) = c.take(&format!("languages[{i}]"), LanguageCode::parse(l)) {
                languages.push(code);
            }
        }
        c.check(
            self.languages.len() <= 40,
            "languages",
            "max_items",
            "at most 40 languages",
        );
        let fee_note = opt(&mut c, "feeNote", self.fee_note.as_ref(), 1000);
        let eligibility = opt(&mut c, "eligibility", self.eligibility.as_ref(), TEXT_MAX);
        let application_process = opt(
            &mut c,
            "applicationProcess",
            self.application_process.as_ref(),
            TEXT_MAX,
        );
        let mut location_ids = Vec::new();
        for (i, l) in self.location_ids.iter().enumerate() {
            if let Some(id) = c.take(&format!("locationIds[{i}]"), LocationId::parse(l)) {
                location_ids.push(id);
            }
        }
        let sched = c.take(
            "",
            schedule::validate(&self.opening_hours, &self.exceptions),
        );
        c.finish(|| ())?;
        let (Some(name), Some((opening_hours, exceptions))) = (name, sched) else {
            return Err(ValidationError::new(
                "name",
                "required",
                "must not be empty",
            ));
        };
        let service = Service {
            name,
            description,
            content_language,
            category: self.category.unwrap_or(ServiceCategory::Other),
            free: self.free.unwrap_or(true),
            fee_note,
            appointment_required: self.appointment_required.unwrap_or(false),
            eligibility,
            application_process,
        };
        let links = ServiceLinks {
            target_groups: set(&self.target_groups),
            languages: set(&languages),
            location_ids,
            opening_hours,
            exceptions,
        };
        Ok((service, links))
    }
}

impl ServiceInput {
    /// The stored value as unvalidated input: the base an update changes (validating it
    /// gives the value back).
    pub fn of(s: &Service, links: &ServiceLinks) -> Self {
        Self {
            name: s.name.clone(),
            description: s.description.clone(),
            content_language: Some(s.content_language.to_string()),
            category: Some(s.category),
            target_groups: links.target_groups.clone(),
            languages: links.languages.iter().map(ToString::to_string).collect(),
            free: Some(s.free),
            fee_note: s.fee_note.clone(),
            appointment_required: Some(s.appointment_required),
            eligibility: s.eligibility.clone(),
            application_process: s.application_process.clone(),
            location_ids: links.location_ids.iter().map(ToString::to_string).collect(),
            opening_hours: links
                .opening_hours
                .iter()
                .map(|h| crate::schedule::OpeningHoursInput {
                    weekday: i64::from(h.weekday.number()),
                    opens: h.opens.to_string(),
                    closes: h.closes.to_string(),
                })
                .collect(),
            exceptions: links
                .exceptions
                .iter()
                .map(|e| crate::schedule::ScheduleExceptionInput {
                    date: Some(e.date),
                    opens: e.opens.map(|t| t.to_string()),
                    closes: e.closes.map(|t| t.to_string()),
                    note: e.note.clone(),
                })
                .collect(),
        }
    }
}

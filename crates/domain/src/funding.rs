//! Funding opportunities (Förderaufrufe): status, deadlines (a date, rounds, or
//! rolling), amounts, regions, eligible applicants and topics — and how well an
//! opportunity matches an organisation, with the reasons.

use chrono::{DateTime, NaiveDate, Utc};

use crate::ValidationError;
use crate::code_enum;
use crate::error::Checker;
use crate::organisation::{LegalStatus, TargetGroup, Topic};

code_enum!(
    /// Where a call stands.
    FundingStatus {
        /// Announced, not open yet.
        Forecast = "forecast",
        /// Applications are accepted.
        Open = "open",
        /// Over.
        Closed = "closed",
    }
);

code_enum!(
    /// The area a programme funds, from small to large.
    FundingRegion {
        /// The district.
        TreptowKoepenick = "treptow_koepenick",
        /// Land Berlin.
        Berlin = "berlin",
        /// Germany.
        Federal = "federal",
        /// The European Union.
        Eu = "eu",
    }
);

impl FundingRegion {
    fn rank(self) -> u8 {
        match self {
            FundingRegion::TreptowKoepenick => 0,
            FundingRegion::Berlin => 1,
            FundingRegion::Federal => 2,
            FundingRegion::Eu => 3,
        }
    }

    /// Whether an organisation based in `home` may apply for funding of this area:
    /// Berlin funding is open to a district's organisations, not the other way round.
    pub fn covers(self, home: FundingRegion) -> bool {
        self.rank() >= home.rank()
    }

    /// Name for people.
    pub fn label(self) -> &'static str {
        match self {
            FundingRegion::TreptowKoepenick => "Treptow-Köpenick",
            FundingRegion::Berlin => "Berlin",
            FundingRegion::Federal => "federal",
            FundingRegion::Eu => "EU",
        }
    }
}

/// When applications are due.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Deadline {
    /// Not stated (or not understood — never guessed).
    #[default]
    Unknown,
    /// Any time ("laufend").
    Rolling,
    /// One date, or several rounds, sorted, without repeats.
    Dates(Vec<NaiveDate>),
}

impl Deadline {
    /// One or more dates, sorted and without repeats; none gives `Unknown`.
    pub fn dates(mut dates: Vec<NaiveDate>) -> Self {
        dates.sort_unstable();
        dates.dedup();
        if dates.is_empty() {
            Deadline::Unknown
        } else {
            Deadline::Dates(dates)
        }
    }

    /// The next date on or after `today`.
    pub fn next(&self, today: NaiveDate) -> Option<NaiveDate> {
        match self {
            Deadline::Dates(d) => d.iter().copied().find(|d| *d >= today),
            _ => None,
        }
    }

    /// Every date, sorted (none when rolling or not stated).
    pub fn all_dates(&self) -> &[NaiveDate] {
        match self {
            Deadline::Dates(d) => d,
            _ => &[],
        }
    }

    /// The last date, if any.
    pub fn last(&self) -> Option<NaiveDate> {
        match self {
            Deadline::Dates(d) => d.last().copied(),
            _ => None,
        }
    }

    /// The deadline to show on `today`: the next one, or the last once all have passed.
    pub fn shown_on(&self, today: NaiveDate) -> Option<NaiveDate> {
        self.next(today).or(self.last())
    }

    /// How the deadline is given.
    pub fn kind(&self) -> DeadlineKind {
        match self {
            Deadline::Unknown => DeadlineKind::Unknown,
            Deadline::Rolling => DeadlineKind::Rolling,
            Deadline::Dates(d) if d.len() == 1 => DeadlineKind::Date,
            Deadline::Dates(_) => DeadlineKind::Rounds,
        }
    }
}

code_enum!(
    /// How a deadline is given.
    DeadlineKind {
        /// Not stated.
        Unknown = "unknown",
        /// Any time ("laufend").
        Rolling = "rolling",
        /// One date.
        Date = "date",
        /// Several rounds.
        Rounds = "rounds",
    }
);

/// A grant's size in whole currency units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    /// Smallest grant.
    pub min: Option<i64>,
    /// Largest grant.
    pub max: Option<i64>,
    /// ISO 4217, e.g. `EUR`.
    pub currency: String,
}

/// A funding opportunity, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct Opportunity {
    /// Title of the call.
    pub title: String,
    /// Short description (plain text).
    pub summary: Option<String>,
    /// Page of the call.
    pub url: Option<String>,
    /// Who funds (foundation, Senate department, district office, EU programme).
    pub funder: String,
    /// The programme, where stated.
    pub programme: Option<String>,
    /// Status.
    pub status: FundingStatus,
    /// When applications are due.
    pub deadline: Deadline,
    /// Grant size.
    pub amount: Option<Amount>,
    /// Area funded.
    pub region: Option<FundingRegion>,
    /// Who may apply; empty: not stated (anyone).
    pub applicants: Vec<LegalStatus>,
    /// Topics, sorted.
    pub topics: Vec<Topic>,
    /// First published.
    pub published: Option<DateTime<Utc>>,
}

impl Opportunity {
    /// Closed when every deadline date lies before `today`; else as it is.
    pub fn status_on(&self, today: NaiveDate) -> FundingStatus {
        match (&self.deadline, self.status) {
            (Deadline::Dates(_), FundingStatus::Open | FundingStatus::Forecast)
                if self.deadline.next(today).is_none() =>
            {
                FundingStatus::Closed
            }
            (_, s) => s,
        }
    }
}

/// A call posted by hand, before checking.
#[derive(Debug, Clone, Default)]
pub struct OpportunityInput {
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: Option<String>,
    /// URL.
    pub url: Option<String>,
    /// Funder.
    pub funder: String,
    /// Programme.
    pub programme: Option<String>,
    /// Status code (default open).
    pub status: Option<String>,
    /// Deadline dates (one, or several rounds).
    pub deadlines: Vec<NaiveDate>,
    /// Applications any time.
    pub rolling: bool,
    /// Smallest grant.
    pub amount_min: Option<i64>,
    /// Largest grant.
    pub amount_max: Option<i64>,
    /// Currency (default EUR).
    pub currency: Option<String>,
    /// Region code.
    pub region: Option<String>,
    /// Legal status codes of eligible applicants.
    pub applicants: Vec<String>,
    /// Topic codes.
    pub topics: Vec<String>,
}

impl OpportunityInput {
    /// Checks every field and reports all problems at once.
    pub fn validate(&self) -> Result<Opportunity, ValidationError> {
        let mut c = Checker::new();
        let title = c.take("title", crate::error::required_text(&self.title, 300));
        let funder = c.take("funder", crate::error::required_text(&self.funder, 200));
        let summary = self.summary.as_deref().and_then(|s| {
            c.take("summary", crate::error::optional_text(s, 5000))
                .flatten()
        });
        let programme = self.programme.as_deref().and_then(|s| {
            c.take("programme", crate::error::optional_text(s, 200))
                .flatten()
        });
        let url = self
            .url
            .as_deref()
            .and_then(|u| c.take("url", crate::error::url(u)));
        let status = match &self.status {
            Some(s) => c.take("status", FundingStatus::parse(s)),
            None => Some(FundingStatus::Open),
        };
        c.check(
            !self.rolling || self.deadlines.is_empty(),
            "deadlines",
            "rolling_or_dates",
            "a call is either rolling or has deadline dates, not both",
        );
        c.check(
            self.deadlines.len() <= 24,
            "deadlines",
            "max_items",
            "at most 24 rounds",
        );
        for (field, v) in [
            ("amountMin", self.amount_min),
            ("amountMax", self.amount_max),
        ] {
            c.check(
                v.is_none_or(|v| (0..=1_000_000_000).contains(&v)),
                field,
                "range",
                "must be 0 to 1,000,000,000",
            );
        }
        if let (Some(lo), Some(hi)) = (self.amount_min, self.amount_max) {
            c.check(
                lo <= hi,
                "amountMin",
                "min_max",
                "the smallest grant is larger than the largest",
            );
        }
        let currency = self
            .currency
            .as_deref()
            .unwrap_or("EUR")
            .trim()
            .to_uppercase();
        c.check(
            currency.len() == 3 && currency.chars().all(|ch| ch.is_ascii_uppercase()),
            "currency",
            "iso4217",
            format!("must be a three-letter currency code, got {currency:?}"),
        );
        let region = match &self.region {
            Some(r) => c.take("region", FundingRegion::parse(r)),
            None => None,
        };
        let applicants: Vec<LegalStatus> = self
            .applicants
            .iter()
            .filter_map(|a| c.take("applicants", LegalStatus::parse(a)))
            .collect();
        let mut topics: Vec<Topic> = self
            .topics
            .iter()
            .filter_map(|t| c.take("topics", Topic::parse(t)))
            .collect();
        topics.sort_unstable();
        topics.dedup();
        c.finish(|| ())?;
        let amount = (self.amount_min.is_some() || self.amount_max.is_some()).then_some(Amount {
            min: self.amount_min,
            max: self.amount_max,
            currency,
        });
        Ok(Opportunity {
            title: title.unwrap_or_default(),
            summary,
            url,
            funder: funder.unwrap_or_default(),
            programme,
            status: status.unwrap_or(FundingStatus::Open),
            deadline: if self.rolling {
                Deadline::Rolling
            } else {
                Deadline::dates(self.deadlines.clone())
            },
            amount,
            region,
            applicants,
            topics,
            published: None,
        })
    }
}

/// What an organisation is about, for matching.
#[derive(Debug, Clone)]
pub struct Interests {
    /// Its topics.
    pub topics: Vec<Topic>,
    /// Whom it works for.
    pub target_groups: Vec<TargetGroup>,
    /// Its legal form.
    pub legal_status: LegalStatus,
    /// Where it is based.
    pub home: FundingRegion,
}

/// How well an opportunity fits, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Higher is better.
    pub score: u32,
    /// E.g. "topic youth", "region Berlin", "open to e.V.".
    pub reasons: Vec<String>,
}

/// The topic a target group implies, if any.
fn topic_of(group: TargetGroup) -> Option<Topic> {
    Some(match group {
        TargetGroup::Children | TargetGroup::Families => Topic::Children,
        TargetGroup::Youth => Topic::Youth,
        TargetGroup::Women => Topic::Women,
        TargetGroup::Seniors => Topic::Seniors,
        TargetGroup::Refugees | TargetGroup::Newcomers => Topic::Migration,
        TargetGroup::Workers => Topic::Employment,
        TargetGroup::Students => Topic::Education,
        _ => return None,
    })
}

fn applicant_label(s: LegalStatus) -> &'static str {
    match s {
        LegalStatus::RegisteredAssociation => "e.V.",
        LegalStatus::NonProfitCompany => "gGmbH",
        LegalStatus::Company => "companies",
        LegalStatus::PublicBody => "public bodies",
        LegalStatus::Initiative => "initiatives",
        LegalStatus::Individual => "individuals",
        LegalStatus::Other => "other organisations",
    }
}

/// Scores an opportunity for an organisation: `None` when it may not apply (legal
/// form, region), the call is closed, or nothing it does is funded. Topics count 3,
/// target groups 2, an explicit opening to its legal form and a region that covers it
/// 1 each.
pub fn match_score(interests: &Interests, o: &Opportunity, today: NaiveDate) -> Option<Match> {
    if o.status_on(today) == FundingStatus::Closed {
        return None;
    }
    let mut score = 0;
    let mut reasons = Vec::new();
    for t in &o.topics {
        if interests.topics.contains(t) {
            score += 3;
            reasons.push(format!("topic {}", t.as_str().replace('_', "-")));
        }
    }
    for g in &interests.target_groups {
        if let Some(t) = topic_of(*g)
            && o.topics.contains(&t)
            && !interests.topics.contains(&t)
        {
            score += 2;
            reasons.push(format!("target group {}", g.as_str()));
        }
    }
    if score == 0 {
        return None;
    }
    if let Some(r) = o.region {
        if !r.covers(interests.home) {
            return None;
        }
        score += 1;
        reasons.push(format!("region {}", r.label()));
    }
    if !o.applicants.is_empty() {
        if !o.applicants.contains(&interests.legal_status) {
            return None;
        }
        score += 1;
        reasons.push(format!(
            "open to {}",
            applicant_label(interests.legal_status)
        ));
    }
    Some(Match { score, reasons })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn youth_call() -> Opportunity {
        OpportunityInput {
            title: "Jugend stärken im Kiez".into(),
            funder: "Senatsverwaltung für Bildung, Jugend und Familie".into(),
            deadlines: vec![day("2027-03-15"), day("2027-09-15"), day("2027-03-15")],
            amount_max: Some(5000),
            region: Some("berlin".into()),
            applicants: vec!["registered_association".into()],
            topics: vec!["youth".into(), "integration".into()],
            ..OpportunityInput::default()
        }
        .validate()
        .expect("valid")
    }

    #[test]
    fn deadlines_and_status() {
        let o = youth_call();
        assert_eq!(o.deadline.kind(), DeadlineKind::Rounds);
        assert_eq!(o.deadline.next(day("2027-04-01")), Some(day("2027-09-15")));
        assert_eq!(o.status_on(day("2027-04-01")), FundingStatus::Open);
        assert_eq!(o.status_on(day("2027-09-16")), FundingStatus::Closed);
        assert_eq!(Deadline::Rolling.next(day("2027-01-01")), None);
    }

    #[test]
    fn matching_gives_reasons_and_respects_eligibility() {
        let o = youth_call();
        let verein = Interests {
            topics: vec![Topic::Youth, Topic::Culture],
            target_groups: vec![TargetGroup::Refugees],
            legal_status: LegalStatus::RegisteredAssociation,
            home: FundingRegion::TreptowKoepenick,
        };
        let m = match_score(&verein, &o, day("2027-01-10")).expect("a match");
        assert_eq!(
            m.reasons,
            ["topic youth", "region Berlin", "open to e.V."],
            "{m:?}"
        );
        assert_eq!(m.score, 5);
        let company = Interests {
            legal_status: LegalStatus::Company,
            ..verein.clone()
        };
        assert_eq!(
            match_score(&company, &o, day("2027-01-10")),
            None,
            "not eligible"
        );
        let elsewhere = Interests {
            home: FundingRegion::Federal,
            ..verein.clone()
        };
        assert_eq!(
            match_score(&elsewhere, &o, day("2027-01-10")),
            None,
            "outside Berlin"
        );
        let sport = Interests {
            topics: vec![Topic::Sport],
            target_groups: vec![TargetGroup::Youth],
            ..verein.clone()
        };
        assert_eq!(
            match_score(&sport, &o, day("2027-01-10")).map(|m| m.reasons),
            Some(vec![
                "target group youth".to_owned(),
                "region Berlin".into(),
                "open to e.V.".into()
            ])
        );
        assert_eq!(match_score(&verein, &o, day("2028-01-01")), None, "closed");
    }

    #[test]
    fn posted_calls_are_checked() {
        let err = OpportunityInput {
            title: " ".into(),
            funder: "Stiftung".into(),
            deadlines: vec![day("2027-01-01")],
            rolling: true,
            amount_min: Some(10_000),
            amount_max: Some(5_000),
            currency: Some("euro".into()),
            region: Some("mars".into()),
            topics: vec!["youth".into(), "knitting".into()],
            ..OpportunityInput::default()
        }
        .validate()
        .expect_err("invalid");
        let fields: Vec<_> = err.violations.iter().map(|v| v.field.as_str()).collect();
        for f in [
            "title",
            "deadlines",
            "amountMin",
            "currency",
            "region",
            "topics",
        ] {
            assert!(fields.contains(&f), "{f} missing in {fields:?}");
        }
    }
}

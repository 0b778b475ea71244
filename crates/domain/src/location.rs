//! Places where services are offered (HSDS `location`, with address and accessibility).

use std::fmt;

use crate::ValidationError;
use crate::error::{Checker, required_text};
use crate::language::LanguageCode;
use crate::organisation::{NAME_MAX, TEXT_MAX, content_language, opt, opt_with};

/// The localities (Ortsteile) of Treptow-Köpenick; other text is accepted too.
pub const LOCALITIES: &[&str] = &[
    "Alt-Treptow",
    "Plänterwald",
    "Baumschulenweg",
    "Niederschöneweide",
    "Oberschöneweide",
    "Johannisthal",
    "Adlershof",
    "Altglienicke",
    "Bohnsdorf",
    "Köpenick",
    "Friedrichshagen",
    "Rahnsdorf",
    "Müggelheim",
    "Grünau",
    "Schmöckwitz",
];

/// The time zone used when a location says nothing else.
pub const DEFAULT_TIMEZONE: &str = "Europe/Berlin";

/// An IANA time zone name, e.g. `Europe/Berlin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timezone(chrono_tz::Tz);

impl Timezone {
    /// Parses an IANA name.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        raw.trim().parse::<chrono_tz::Tz>().map(Self).map_err(|_| {
            ValidationError::new(
                "",
                "timezone",
                format!("is not an IANA time zone such as Europe/Berlin: {raw:?}"),
            )
        })
    }

    /// Europe/Berlin.
    pub fn berlin() -> Self {
        Self(chrono_tz::Europe::Berlin)
    }

    /// The chrono-tz zone, for converting instants to local time.
    pub fn tz(self) -> chrono_tz::Tz {
        self.0
    }

    /// A local time in this zone as an instant. A time that does not exist (the hour
    /// skipped in spring) moves forward by the gap; an ambiguous one takes the earlier.
    pub fn instant(self, local: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
        use chrono::TimeZone;
        let earliest = |t| self.0.from_local_datetime(&t).earliest();
        match earliest(local).or_else(|| earliest(local + chrono::Duration::hours(1))) {
            Some(dt) => dt.with_timezone(&chrono::Utc),
            None => local.and_utc(),
        }
    }
}

impl fmt::Display for Timezone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}

/// WGS84 coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coordinates {
    /// Latitude in degrees, −90…90.
    pub latitude: f64,
    /// Longitude in degrees, −180…180.
    pub longitude: f64,
}

impl Coordinates {
    /// Checks the ranges.
    pub fn new(latitude: f64, longitude: f64) -> Result<Self, ValidationError> {
        let mut c = Checker::new();
        c.check(
            (-90.0..=90.0).contains(&latitude),
            "latitude",
            "range",
            format!("must be between -90 and 90, got {latitude}"),
        );
        c.check(
            (-180.0..=180.0).contains(&longitude),
            "longitude",
            "range",
            format!("must be between -180 and 180, got {longitude}"),
        );
        c.finish(|| Self {
            latitude,
            longitude,
        })
    }

    /// The great-circle distance to `other` in metres (haversine, mean earth radius).
    pub fn distance_metres(self, other: Coordinates) -> f64 {
        let (p1, p2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let dp = p2 - p1;
        let dl = (other.longitude - self.longitude).to_radians();
        let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_METRES * h.sqrt().min(1.0).asin()
    }

    /// The mean of several points (a centroid good for a district, not for a
    /// hemisphere); `None` for none.
    pub fn mean(points: &[Coordinates]) -> Option<Coordinates> {
        if points.is_empty() {
            return None;
        }
        let n = points.len() as f64;
        Some(Coordinates {
            latitude: points.iter().map(|p| p.latitude).sum::<f64>() / n,
            longitude: points.iter().map(|p| p.longitude).sum::<f64>() / n,
        })
    }

    /// The corners (south-west, north-east) of a box holding every point within
    /// `metres` of this one, for a first cut by index before [`Self::distance_metres`].
    pub fn box_around(self, metres: f64) -> (Coordinates, Coordinates) {
        let dlat = (metres / EARTH_RADIUS_METRES).to_degrees();
        let cos = self.latitude.to_radians().cos().abs().max(1e-6);
        let dlon = (dlat / cos).min(180.0);
        (
            Coordinates {
                latitude: (self.latitude - dlat).max(-90.0),
                longitude: (self.longitude - dlon).max(-180.0),
            },
            Coordinates {
                latitude: (self.latitude + dlat).min(90.0),
                longitude: (self.longitude + dlon).min(180.0),
            },
        )
    }
}

/// The mean earth radius in metres.
const EARTH_RADIUS_METRES: f64 = 6_371_008.8;

/// A place of an organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// Name of the place, e.g. "Nachbarschaftshaus Adlershof".
    pub name: String,
    /// Street and number.
    pub address: Option<String>,
    /// Ortsteil or free text.
    pub locality: Option<String>,
    /// Postal code.
    pub postcode: Option<String>,
    /// Where it is on a map.
    pub coordinates: Option<Coordinates>,
    /// Step-free access for wheelchairs; `None` when unknown.
    pub wheelchair_accessible: Option<bool>,
    /// Further accessibility notes, in `content_language`.
    pub accessibility_note: Option<String>,
    /// How to get there by public transport, in `content_language`.
    pub transport_hint: Option<String>,
    /// Time zone of opening hours here.
    pub timezone: Timezone,
    /// The language of the texts above.
    pub content_language: LanguageCode,
}

/// Unvalidated input for a location.
#[derive(Debug, Clone, Default)]
pub struct LocationInput {
    /// See [`Location::name`].
    pub name: String,
    /// See [`Location::address`].
    pub address: Option<String>,
    /// See [`Location::locality`].
    pub locality: Option<String>,
    /// See [`Location::postcode`].
    pub postcode: Option<String>,
    /// Latitude and longitude, both or neither.
    pub latitude: Option<f64>,
    /// See `latitude`.
    pub longitude: Option<f64>,
    /// See [`Location::wheelchair_accessible`].
    pub wheelchair_accessible: Option<bool>,
    /// See [`Location::accessibility_note`].
    pub accessibility_note: Option<String>,
    /// See [`Location::transport_hint`].
    pub transport_hint: Option<String>,
    /// See [`Location::timezone`]; Europe/Berlin when empty.
    pub timezone: Option<String>,
    /// See [`Location::content_language`].
    pub content_language: Option<String>,
}

impl LocationInput {
    /// Checks every field and reports every violation at once.
    pub fn validate(&self) -> Result<Location, ValidationError> {
        let mut c = Checker::new();
        let name = c.take("name", required_text(&self.name, NAME_MAX));
        let address = opt(&mut c, "address", self.address.as_ref(), 300);
        let locality = opt(&mut c, "locality", self.locality.as_ref(), 100);
        let postcode = opt_with(&mut c, "postcode", self.postcode.as_ref(), |p| {
            if p.len() <= 10
                && p.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == ' ' || ch == '-')
            {
                Ok(p.to_owned())
            } else {
                Err(ValidationError::new(
                    "",
                    "postcode",
                    format!("is not a postal code: {p:?}"),
                ))
            }
        });
        let coordinates = match (self.latitude, self.longitude) {
            (Some(lat), Some(lon)) => c.take("", Coordinates::new(lat, lon)),
            (None, None) => None,
            _ => {
                c.check(
                    false,
                    "latitude",
                    "both_or_neither",
                    "latitude and longitude must be given together",
                );
                None
            }
        };
        let accessibility_note = opt(
            &mut c,
            "accessibilityNote",
            self.accessibility_note.as_ref(),
            TEXT_MAX,
        );
        let transport_hint = opt(&mut c, "transportHint", self.transport_hint.as_ref(), 1000);
        let timezone = opt_with(&mut c, "timezone", self.timezone.as_ref(), Timezone::parse)
            .unwrap_or_else(Timezone::berlin);
        let content_language = content_language(&mut c, self.content_language.as_ref());
        c.finish(|| ())?;
        let Some(name) = name else {
            return Err(ValidationError::new(
                "name",
                "required",
                "must not be empty",
            ));
        };
        Ok(Location {
            name,
            address,
            locality,
            postcode,
            coordinates,
            wheelchair_accessible: self.wheelchair_accessible,
            accessibility_note,
            transport_hint,
            timezone,
            content_language,
        })
    }
}

impl LocationInput {
    /// The stored value as unvalidated input: the base an update changes (validating it
    /// gives the value back).
    pub fn of(l: &Location) -> Self {
        Self {
            name: l.name.clone(),
            address: l.address.clone(),
            locality: l.locality.clone(),
            postcode: l.postcode.clone(),
            latitude: l.coordinates.map(|c| c.latitude),
            longitude: l.coordinates.map(|c| c.longitude),
            wheelchair_accessible: l.wheelchair_accessible,
            accessibility_note: l.accessibility_note.clone(),
            transport_hint: l.transport_hint.clone(),
            timezone: Some(l.timezone.to_string()),
            content_language: Some(l.content_language.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn distances_and_boxes() {
        let at = |latitude, longitude| Coordinates {
            latitude,
            longitude,
        };
        // Brandenburger Tor to Alexanderplatz: about 2.5 km as the crow flies.
        let tor = at(52.5163, 13.3777);
        let alex = at(52.5219, 13.4132);
        let d = tor.distance_metres(alex);
        assert!((2_400.0..2_600.0).contains(&d), "{d}");
        assert_eq!(tor.distance_metres(tor), 0.0);
        let (sw, ne) = tor.box_around(d);
        assert!(sw.latitude <= alex.latitude && alex.latitude <= ne.latitude);
        assert!(sw.longitude <= alex.longitude && alex.longitude <= ne.longitude);
        let mid = Coordinates::mean(&[tor, alex]).expect("two points");
        assert!((mid.distance_metres(tor) - d / 2.0).abs() < 50.0);
        assert_eq!(Coordinates::mean(&[]), None);
    }

    use super::*;

    #[test]
    fn local_times_become_instants_across_daylight_saving() {
        let at =
            |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
        let berlin = Timezone::berlin();
        assert_eq!(
            berlin.instant(at("2027-01-05 10:00")),
            at("2027-01-05 09:00").and_utc()
        );
        assert_eq!(
            berlin.instant(at("2027-07-06 10:00")),
            at("2027-07-06 08:00").and_utc()
        );
        // 02:30 does not exist on 2027-03-28 in Berlin: it moves forward by the gap.
        assert_eq!(
            berlin.instant(at("2027-03-28 02:30")),
            at("2027-03-28 01:30").and_utc()
        );
        // 02:30 exists twice on 2027-10-31: the earlier is taken.
        assert_eq!(
            berlin.instant(at("2027-10-31 02:30")),
            at("2027-10-31 00:30").and_utc()
        );
    }

    #[test]
    fn rejects_bad_coordinates_and_zone() {
        let err = LocationInput {
            name: "Haus".into(),
            latitude: Some(123.0),
            longitude: Some(13.0),
            timezone: Some("Mars/Olympus".into()),
            ..Default::default()
        }
        .validate()
        .expect_err("invalid");
        let fields: Vec<_> = err.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["latitude", "timezone"]);
    }
}

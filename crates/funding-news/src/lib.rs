//! Funding news for the Netzwerk Hub: funding feeds (RSS 2.0, Atom 1.0, JSON Feed 1.1;
//! iCalendar deadlines arrive through the gateway as [`feed::RawItem`]s) normalised
//! into funding opportunities — deadlines and amounts extracted from German and
//! English text, topics, region, applicants and status classified — de-duplicated
//! across sources, matched to organisations (`netzwerk_domain::funding`), and rendered
//! as weekly digests and Atom feeds.
//!
//! Architecture invariant: depends on `netzwerk-domain` only among the Hub's crates;
//! fetching happens in the gateway through its guarded client.

pub mod classify;
pub mod dedup;
pub mod extract;
pub mod feed;
pub mod normalise;
pub mod render;

pub use feed::{FeedError, ParsedFeed, RawItem, parse_feed};
pub use normalise::{Normalised, SourceDefaults, normalise};

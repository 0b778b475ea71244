//! Pure types and rules of the Netzwerk Hub: the directory of member organisations,
//! their locations, services (offers) and contact persons, translations, opening hours
//! and who may do what.
//!
//! Architecture invariant: this crate knows nothing about databases, GraphQL, HTTP or an
//! async runtime. Values that can be invalid (slugs, e-mail addresses, language codes,
//! times) are newtypes that can only be built through `parse`, so the other crates never
//! see an invalid one.

pub mod access;
pub mod contact;
pub mod email;
pub mod error;
pub mod event;
pub mod funding;
pub mod ids;
pub mod labels;
pub mod language;
pub mod location;
pub mod meeting;
pub mod news;
pub mod newsletter;
pub mod organisation;
pub mod poll;
pub mod record;
pub mod redact;
pub mod schedule;
pub mod search;
pub mod service;
pub mod slug;
pub mod text;
pub mod translation;
pub mod url;

pub use error::{ValidationError, Violation};

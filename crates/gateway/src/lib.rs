//! The Netzwerk Hub gateway: the GraphQL schema over the directory, the HTTP server,
//! authentication and access control, configuration, and the `netzwerk` command line.
//!
//! Architecture invariant: this is the only crate that knows async-graphql and axum,
//! and the only one that reads configuration files or the environment. It turns
//! storage records into GraphQL objects explicitly; domain types never derive GraphQL traits.

pub mod auth;
pub mod budget;
pub mod calendar_sync;
pub mod cli;
pub mod config;
pub mod demo;
pub mod digest;
pub mod documents;
pub mod feeds;
pub mod fetch;
pub mod funding_sync;
pub mod fuzzing;
pub mod graphiql;
pub mod graphql;
pub mod guard;
mod html;
pub mod http;
pub mod ical;
pub mod invitations;
pub mod mail;

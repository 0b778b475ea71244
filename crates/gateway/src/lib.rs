//! The Netzwerk Hub gateway: the GraphQL schema over the directory, the HTTP server,
//! authentication and access control, configuration, and the `netzwerk` command line.
//!
//! Architecture invariant: this is the only crate that knows async-graphql and axum,
//! and the only one that reads configuration files or the environment. It turns
//! storage records into GraphQL objects explicitly; domain types never derive GraphQL traits.

pub mod budget;
pub mod config;
pub mod cors;
pub mod documents;
pub mod embed_page;
pub mod feeds;
pub mod fuzzing;
pub mod graphiql;
pub mod graphql;
pub mod guard;
mod hsds;
pub mod http;
pub mod ical;
mod pages;
pub mod public_pages;
pub mod response_cache;
pub mod server;
mod state;
